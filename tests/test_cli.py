"""The command line is thin: errors become one stderr line and the README's exit code in one
place, never a traceback; the analyses and export formats it offers come from the registries."""

from __future__ import annotations

import sys

import pytest

from cgt_graph.analysis.network import ANALYSES
from cgt_graph.publish.exports import FORMATS


def test_a_missing_store_is_exit_3_with_one_line(cli, tmp_path):
    code, out, err = cli("stats", "--store", str(tmp_path / "nowhere"))
    assert code == 3
    assert err.splitlines() == [f"error: no store at {tmp_path / 'nowhere'}: run `cgt-graph build` first"]


def test_an_unexpected_failure_is_one_line_and_exit_4_not_a_traceback(cli, fixture_store, monkeypatch):
    from cgt_graph.sparql import library

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(library, "run", boom)  # the one place queries run (stats reads through sparql/tables too)
    monkeypatch.delenv("CGT_GRAPH_DEBUG", raising=False)
    code, out, err = cli("stats", "--store", str(fixture_store))
    assert code == 4
    assert len(err.splitlines()) == 1 and "RuntimeError: disk on fire" in err and "Traceback" not in err


def test_ctrl_c_is_exit_130_and_one_line_not_the_data_error_code(cli, fixture_store, monkeypatch):
    """A script that runs `cgt-graph stats || ...` must not read an interrupt as "the data breaks a rule" (1)."""
    from cgt_graph.sparql import library

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(library, "run", interrupted)
    code, out, err = cli("stats", "--store", str(fixture_store))
    assert code == 130
    assert err.splitlines() == ["interrupted"]


def test_a_missing_extra_names_the_pip_command(cli, fixture_store, monkeypatch):
    # as if fhir.resources were not installed
    monkeypatch.setitem(sys.modules, "fhir.resources.bundle", None)
    monkeypatch.delitem(sys.modules, "cgt_graph.publish.fhir", raising=False)
    code, out, err = cli("export", "--format", "fhir", "--store", str(fixture_store))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and "pip install 'cgt-graph[fhir]'" in err


def test_network_offers_every_analysis_of_the_registry(cli):
    code, out, err = cli("network", "--help")
    assert code == 0
    for analysis in ANALYSES.values():
        assert f"{analysis.name:<13} {analysis.help}" in out


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_each_analysis_runs_on_the_fixture(cli, fixture_store, name):
    code, out, err = cli("network", name, "--format", "csv", "--store", str(fixture_store))
    assert code == 0, err
    assert out.splitlines()  # a header at least ("(no rows)" where the fixture has none, e.g. pathways)


def test_export_offers_every_format_of_the_registry(cli):
    code, out, err = cli("export", "--help")
    assert code == 0
    assert "[" + "|".join(FORMATS) + "]" in out.replace("\n", "").replace(" ", "")
