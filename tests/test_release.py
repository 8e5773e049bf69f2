"""`cgt-graph release` and `cgt-graph diff`: a versioned folder partners can check, and what changed."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import yaml
from rdflib import Graph, Literal, Namespace, URIRef

from cgt_graph.graph.build import build

from .test_partner_exports import rapper_count, store_counts

VOID = Namespace("http://rdfs.org/ns/void#")
DCT = Namespace("http://purl.org/dc/terms/")
EXPECTED_FILES = {"SHA256SUMS", "void.ttl", "context.jsonld", "cgt-graph.ttl", "cgt-graph.nt", "cgt-graph.nq",
                  "cgt-graph.trig", "cgt-graph.jsonld", "fhir/regulated-authorizations.json",
                  "ontology/cgt.ttl", "ontology/shapes.ttl", "ontology/index.html",
                  "tables/authorisations.csv", "tables/products.csv", "tables/pathways.csv",
                  "tables/classes.csv", "tables/sources.csv",
                  # history (#14)
                  "tables/indications.csv", "tables/milestones.csv", "tables/outcomes.csv", "tables/events.csv"}


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_release_folder_is_complete_checked_and_reproducible(fixture_store, fixture_oxi, tmp_path, cli):
    args = ["--version", "1.0.0", "--date", "2026-11-23", "--store", str(fixture_store)]
    code, out, err = cli("release", "--out", str(tmp_path / "a"), *args)
    assert code == 0, err
    assert "released" in out
    a = tmp_path / "a" / "1.0.0"
    assert set(files(a)) == EXPECTED_FILES
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["1.0.0"]  # no temporary folder left
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=a, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    # same data, version and date: the same bytes
    assert cli("release", "--out", str(tmp_path / "b"), *args)[0] == 0
    assert files(a) == files(tmp_path / "b" / "1.0.0")
    # the VoID/DCAT description says what is in it
    triples, quads = store_counts(fixture_oxi)
    void = Graph().parse(a / "void.ttl", format="turtle")
    ds = URIRef("https://w3id.org/cgt-graph/release/1.0.0")
    assert void.value(ds, VOID.triples).toPython() == triples
    assert void.value(ds, DCT.issued) == Literal("2026-11-23", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))
    assert void.value(ds, DCT.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert str(void.value(ds, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))) == "1.0.0"
    assert str(void.value(URIRef("https://w3id.org/cgt-graph/ontology"), URIRef("http://www.w3.org/2002/07/owl#versionInfo"))) == "0.1.0"
    parts = {str(void.value(p, VOID["class"])).rsplit("#", 1)[-1]: void.value(p, VOID.entities).toPython()
             for p in void.objects(ds, VOID.classPartition)}
    assert parts["MarketingAuthorisation"] == 6 and parts["MedicinalProduct"] == 3
    assert URIRef("https://w3id.org/cgt-graph/id/source/fx-eu-register") in set(void.objects(ds, DCT.source))
    assert rapper_count(a / "void.ttl", "turtle") == len(void)
    assert b"<html" in (a / "ontology" / "index.html").read_bytes()[:2000].lower()


def test_release_never_overwrites(fixture_store, tmp_path, cli):
    args = ["--out", str(tmp_path), "--version", "1.0.0", "--date", "2026-11-23", "--store", str(fixture_store)]
    assert cli("release", *args)[0] == 0
    before = files(tmp_path / "1.0.0")
    code, _, err = cli("release", *args)
    assert code == 2 and "already exists" in err
    assert files(tmp_path / "1.0.0") == before
    code, _, err = cli("release", "--out", str(tmp_path), "--version", "../x", "--store", str(fixture_store))
    assert code == 2 and "version must be" in err


def test_real_data_release_round_trips(real_oxi, real_store, tmp_path, cli):
    code, _, err = cli("release", "--out", str(tmp_path), "--version", "real", "--date", "2026-11-23",
                       "--store", str(real_store))
    assert code == 0, err
    r = tmp_path / "real"
    triples, quads = store_counts(real_oxi)
    for name, fmt, expected in (("cgt-graph.ttl", "turtle", triples), ("cgt-graph.nt", "ntriples", triples),
                                ("cgt-graph.nq", "nquads", quads), ("cgt-graph.trig", "trig", quads)):
        assert rapper_count(r / name, fmt) == expected, name
    assert len(Graph().parse(r / "cgt-graph.jsonld", format="json-ld")) == triples


def _edit(data: Path) -> None:
    """One decision date corrected, one authorisation and one source added."""
    us = data / "authorisations" / "US.yaml"
    us.write_text(us.read_text().replace("decision_date: 2018-03-15", "decision_date: 2018-03-16"))
    sources = data / "sources" / "fixture.yaml"
    sources.write_text(sources.read_text() + yaml.safe_dump([{
        "id": "fx-cn-register", "url": "https://example.org/cn/register", "title": "Approved products (fixture CN)",
        "publisher": "Fixture CN Agency", "accessed": "2026-11-23", "evidence": "official"}], sort_keys=False))
    cn = data / "authorisations" / "CN.yaml"
    cn.write_text(cn.read_text() + yaml.safe_dump([{
        "product": "demogene-parvovec", "jurisdiction": "CN", "agency": "fx-nmpa", "brand_name": "Gammavec",
        "decision_date": "2023-04-02", "holder": "Fixture Vectors China", "indication": "inherited retinal dystrophy",
        "status": "authorised", "classification": "not-classified",
        "sources": [{"source": "fx-cn-register", "quote": "Gammavec approved 2 April 2023."}]}], sort_keys=False))


def test_diff_reports_changes_in_the_fields_terms(fixture_store, data_copy, tmp_path, cli):
    rel = tmp_path / "releases"
    assert cli("release", "--out", str(rel), "--version", "1", "--date", "2026-11-01", "--store", str(fixture_store))[0] == 0
    _edit(data_copy)
    new_store = tmp_path / "new" / "store"
    build(new_store, data_copy)
    assert cli("release", "--out", str(rel), "--version", "2", "--date", "2026-11-23", "--store", str(new_store))[0] == 0
    code, out, err = cli("diff", str(rel / "1"), str(rel / "2"))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("cgt-graph diff 1 -> 2: 3 changes")
    assert sorted(lines[1:]) == [
        "authorisation-added: demogene-parvovec-cn: Gammavec in CN, 2023-04-02, authorised",
        "decision-date-corrected: testcabtagene-autoleucel-us: decision_date 2018-03-15 -> 2018-03-16",
        "source-added: fx-cn-register: Approved products (fixture CN) <https://example.org/cn/register>",
    ]
    code, out, _ = cli("diff", str(rel / "1"), str(rel / "2"), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["change"], r["id"], r["old"], r["new"]) for r in rows if r["field"]} == {
        ("decision-date-corrected", "testcabtagene-autoleucel-us", "2018-03-15", "2018-03-16")}
    assert {r["change"] for r in rows} == {"authorisation-added", "decision-date-corrected", "source-added"}
    code, out, _ = cli("diff", str(rel / "1"), str(rel / "1"))
    assert out.startswith("cgt-graph diff 1 -> 1: 0 changes")
    code, _, err = cli("diff", str(tmp_path), str(rel / "1"))
    assert code == 2 and "not a cgt-graph release" in err


def test_diff_shows_a_rebrand_and_a_withdrawal(fixture_store, data_copy, tmp_path, cli):
    """A brand change keeps the product's IRI (product-renamed); a status change reads as a withdrawal."""
    rel = tmp_path / "releases"
    assert cli("release", "--out", str(rel), "--version", "1", "--date", "2026-11-01", "--store", str(fixture_store))[0] == 0
    product = data_copy / "products" / "demogene-parvovec.yaml"
    product.write_text(product.read_text().replace("brand_names: [Gammavec]", "brand_names: [Gammavec, Deltavec]"))
    eu = data_copy / "authorisations" / "EU.yaml"
    eu.write_text(eu.read_text().replace(
        "  status: authorised\n  classification: fx-eu-gtmp\n  sources:\n    - source: fx-eu-register\n"
        "      quote: Gammavec authorised 30 November 2017.",
        "  status: withdrawn\n  status_date: 2024-02-01\n  classification: fx-eu-gtmp\n  sources:\n"
        "    - source: fx-eu-register\n      quote: Gammavec authorised 30 November 2017."))
    store = tmp_path / "new" / "store"
    build(store, data_copy)
    assert cli("release", "--out", str(rel), "--version", "2", "--date", "2026-11-23", "--store", str(store))[0] == 0
    code, out, err = cli("diff", str(rel / "1"), str(rel / "2"))
    assert code == 0, err
    assert sorted(out.splitlines()[1:]) == [
        "authorisation-withdrawn: demogene-parvovec-eu: status authorised -> withdrawn",
        "product-renamed: demogene-parvovec: brand_names Gammavec -> Deltavec;Gammavec",
    ]
