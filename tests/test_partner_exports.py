"""Partner exports: every RDF format read back by parsers we did not write, with the store's counts;
the same data gives the same bytes; JSON-LD needs no remote context; FHIR R5 resources validate."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Dataset, Graph

from cgt_graph import paths
from cgt_graph.graph.build import build
from cgt_graph.publish import canonical, jsonld, tables
from cgt_graph.publish.fhir import fhir_json
from cgt_graph.publish.turtle import write_graph
from cgt_graph.graph.store import open_read_only

from .conftest import FIXTURE_DATA

DATA = ('FILTER(?g != <https://w3id.org/cgt-graph/graph/ontology> '
        '&& !STRSTARTS(STR(?g), "https://w3id.org/cgt-graph/graph/partner/"))')
RAPPER = {"turtle": "turtle", "ntriples": "ntriples", "nquads": "nquads", "trig": "trig", "rdfxml": "rdfxml"}
RDFLIB = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


def store_counts(store) -> tuple[int, int]:
    """(distinct triples, quads) of the data graphs, counted by the store itself."""
    quads = next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {DATA} }}")))["n"]
    triples = next(iter(store.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {DATA} }} }}")))["n"]
    return int(triples.value), int(quads.value)


def rapper_count(path: Path, fmt: str) -> int:
    rapper = shutil.which("rapper")
    assert rapper, "rapper (Debian raptor2-utils) is required: scripts/test.sh installs it"
    res = subprocess.run([rapper, "-i", fmt, "-c", str(path)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return int(res.stderr.split("returned ")[1].split()[0])


def rdflib_count(path: Path, fmt: str) -> int:
    if fmt in ("nquads", "trig"):
        ds = Dataset()
        ds.parse(path, format=fmt)
        return sum(1 for _ in ds.quads((None, None, None, None)) if _[3] is not None)
    return len(Graph().parse(path, format=RDFLIB[fmt]))


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"])
def test_every_format_round_trips_with_the_store_counts(fixture_store, fixture_oxi, tmp_path, cli, fmt):
    path = tmp_path / f"graph.{fmt}"
    code, _, err = cli("export", "--format", fmt, "--output", str(path), "--store", str(fixture_store))
    assert code == 0, err
    triples, quads = store_counts(fixture_oxi)
    expected = quads if fmt in ("nquads", "trig") else triples
    assert f"wrote {expected} " in err
    if fmt in RAPPER:
        assert rapper_count(path, RAPPER[fmt]) == expected
    assert rdflib_count(path, fmt) == expected
    if fmt == "jsonld":  # a second parser: Oxigraph's, which refuses to fetch remote contexts
        assert len(list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.JSON_LD))) == expected


def test_named_graphs_keep_provenance_per_data_file(fixture_oxi):
    graphs = {q.graph_name.value for q in canonical.data_quads(fixture_oxi)}
    assert "https://w3id.org/cgt-graph/graph/data/authorisations/EU" in graphs
    assert "https://w3id.org/cgt-graph/graph/ontology" not in graphs
    trig = canonical.trig(canonical.data_quads(fixture_oxi)).decode()
    assert "<https://w3id.org/cgt-graph/graph/data/authorisations/EU> {" in trig


def test_same_data_gives_byte_identical_exports(fixture_oxi, tmp_path):
    """A second, independent build of the same data exports the same bytes in every format."""
    other = tmp_path / "store"
    build(other, FIXTURE_DATA)
    again = open_read_only(other)
    for writer in (canonical.turtle, canonical.ntriples, canonical.nquads, canonical.trig, jsonld.jsonld):
        assert writer(canonical.data_quads(fixture_oxi)) == writer(canonical.data_quads(again)), writer.__name__
    assert fhir_json(fixture_oxi) == fhir_json(again)
    a, b = io.BytesIO(), io.BytesIO()
    write_graph(fixture_oxi, a, "rdfxml")
    write_graph(again, b, "rdfxml")
    assert a.getvalue() == b.getvalue()
    for t in tables.TABLES:
        assert tables.table_csv(fixture_oxi, t) == tables.table_csv(again, t), t


def test_ntriples_are_sorted_and_turtle_groups_subjects(fixture_oxi):
    nt = canonical.ntriples(canonical.data_quads(fixture_oxi)).decode().splitlines()
    assert nt == sorted(set(nt))
    ttl = canonical.turtle(canonical.data_quads(fixture_oxi)).decode()
    assert ttl.startswith("@prefix agency: <https://w3id.org/cgt-graph/id/agency/> .")
    assert "product:demogene-parvovec\n    a cgt:MedicinalProduct ;" in ttl
    assert ttl.count("\nproduct:demogene-parvovec\n") == 1  # one block per subject


def test_jsonld_context_is_inline_and_matches_the_published_file(fixture_oxi):
    doc = json.loads(jsonld.jsonld(canonical.data_quads(fixture_oxi)))
    assert isinstance(doc["@context"], dict)  # never a URL to fetch
    published = json.loads((paths.ontology_dir() / "context.jsonld").read_text())
    assert published == json.loads(jsonld.context_document())
    assert doc["@context"] == published["@context"]


def test_tables_have_one_row_per_record(fixture_oxi):
    counts = {t: len(tables.table_rows(fixture_oxi, t)) for t in tables.TABLES}
    assert counts == {"authorisations": 6, "products": 3, "pathways": counts["pathways"], "classes": 2,
                      "sources": counts["sources"],
                      # history (#14): the fixture's indication decisions, milestones, outcomes, events
                      "indications": 2, "milestones": 7, "outcomes": 2, "events": counts["events"]}
    assert counts["pathways"] >= 3 and counts["sources"] >= 3
    products = {r["product_id"]: r for r in tables.table_rows(fixture_oxi, "products")}
    assert products["demogene-parvovec"]["brand_names"] == "Gammavec"


def test_fhir_resources_validate_and_map_the_fields(fixture_oxi, real_oxi):
    from fhir.resources.bundle import Bundle
    from fhir.resources.regulatedauthorization import RegulatedAuthorization

    bundle = json.loads(fhir_json(fixture_oxi))
    assert bundle["type"] == "collection" and len(bundle["entry"]) == 6
    for entry in bundle["entry"]:
        RegulatedAuthorization.model_validate(entry["resource"])  # raises if not valid R5
    Bundle.model_validate(bundle)
    withdrawn = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "examplecabtagene-autoleucel-cn")
    assert {c["code"] for c in withdrawn["status"]["coding"]} == {"retired", "withdrawn"}
    assert withdrawn["case"]["application"][0]["dateDateTime"] == "2022-01"
    real = {e["resource"]["id"]: e["resource"] for e in json.loads(fhir_json(real_oxi))["entry"]}
    kymriah = real["tisagenlecleucel-eu"]
    assert kymriah["region"][0]["coding"][0] == {"system": "urn:iso:std:iso:3166", "code": "EU"}
    assert kymriah["statusDate"] == "2018-08-22"
    assert kymriah["subject"][0]["identifier"]["value"] == "tisagenlecleucel"
    assert kymriah["regulator"]["identifier"]["value"] == "european-commission"
    assert {"system": "https://w3id.org/cgt-graph/ontology#emaProductNumber", "value": "EMEA/H/C/004090"} in kymriah["identifier"]
