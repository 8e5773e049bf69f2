"""The CLI as a user runs it, and exports read by parsers we did not write."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess

import pytest
from rdflib import Graph

from cgt_graph.publish.table import COLUMNS

from .conftest import run_cli


def test_help_for_every_command():
    out = run_cli("--help")
    assert out.returncode == 0
    for cmd in ("build", "validate", "query", "export", "stats"):
        assert cmd in out.stdout
        sub = run_cli(cmd, "--help")
        assert sub.returncode == 0 and "Usage:" in sub.stdout, cmd


def test_build_then_stats_prints_counts_per_class(fixture_store):
    out = run_cli("stats", "--store", str(fixture_store))
    assert out.returncode == 0, out.stderr
    assert "== Nodes per class" in out.stdout
    assert "MarketingAuthorisation  6" in out.stdout
    assert "== Seed claims against the graph" in out.stdout


def test_query_text_file_and_formats(fixture_store, tmp_path):
    q = "PREFIX cgt: <https://w3id.org/cgt-graph/ontology#> SELECT (COUNT(?a) AS ?n) WHERE { ?a a cgt:MarketingAuthorisation }"
    out = run_cli("query", q, "--format", "csv", "--store", str(fixture_store))
    assert out.stdout == "n\n6\n"
    f = tmp_path / "q.rq"
    f.write_text(q)
    out = run_cli("query", "--file", str(f), "--format", "json", "--store", str(fixture_store))
    assert '"n": "6"' in out.stdout
    bad = run_cli("query", "SELECT WHERE {", "--store", str(fixture_store))
    assert bad.returncode == 2 and "syntax" in bad.stderr


def test_export_csv_has_the_agreed_columns(fixture_store):
    out = run_cli("export", "--format", "csv", "--store", str(fixture_store))
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0]) == COLUMNS
    assert len(rows) == 6
    eu = next(r for r in rows if r["product_id"] == "testcabtagene-autoleucel" and r["jurisdiction"] == "EU")
    assert eu["decision_date"] == "2019-06"
    assert eu["classification"] == "fx-eu-gtmp"
    assert eu["sources"].startswith("https://")
    assert next(r for r in rows if r["product_id"] == "examplecabtagene-autoleucel")["confidence"] == "low"


@pytest.mark.parametrize("fmt,rapper_fmt", [("turtle", "turtle"), ("ntriples", "ntriples"), ("nquads", "nquads"),
                                            ("trig", "trig"), ("rdfxml", "rdfxml")])
def test_export_parses_with_rapper_and_rdflib(fixture_store, tmp_path, fmt, rapper_fmt):
    rapper = shutil.which("rapper")
    assert rapper, "rapper (Debian raptor2-utils) is required: scripts/test.sh installs it"
    path = tmp_path / f"graph.{fmt}"
    out = run_cli("export", "--format", fmt, "--output", str(path), "--store", str(fixture_store))
    assert out.returncode == 0, out.stderr
    n_written = int(out.stderr.split("wrote ")[1].split()[0])
    res = subprocess.run([rapper, "-i", rapper_fmt, "-c", str(path)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    n_rapper = int(res.stderr.split("returned ")[1].split()[0])
    assert n_rapper == n_written
    if fmt in ("turtle", "ntriples", "rdfxml"):
        g = Graph().parse(path, format={"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml"}[fmt])
        assert len(g) == n_written


def test_turtle_on_stdout_by_default(fixture_store):
    out = run_cli("export", "--store", str(fixture_store))
    assert out.returncode == 0
    assert out.stdout.startswith("@prefix")
    g = Graph().parse(data=out.stdout, format="turtle")
    assert len(g) > 500
    # published RDF holds facts only: no data file, line or location bookkeeping
    assert "recordLocation" not in out.stdout
    assert not re.search(r"\.ya?ml:\d+", out.stdout), re.search(r".{60}\.ya?ml:\d+", out.stdout)
