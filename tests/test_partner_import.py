"""`cgt-graph import`: a partner's file into its own graph, or refused with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cgt_graph.graph import store as st
from cgt_graph.graph.build import build

from .conftest import FIXTURE_DATA

PARTNER_GRAPH = "https://w3id.org/cgt-graph/graph/partner/acme/approvals"
GOOD = """@prefix cgt: <https://w3id.org/cgt-graph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://partner.example/data/> .
ex:gammavec-record rdfs:label "Gammavec in the ACME catalogue" ;
    rdfs:seeAlso <https://w3id.org/cgt-graph/id/product/demogene-parvovec> ;
    cgt:jurisdiction <https://w3id.org/cgt-graph/id/jurisdiction/EU> .
"""

AUTHORISATION = """@prefix cgt: <https://w3id.org/cgt-graph/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/cgt-graph/id/> .
@prefix ex: <https://partner.example/data/> .
ex:gammavec-cn a cgt:MarketingAuthorisation ;
    cgt:product <https://w3id.org/cgt-graph/id/product/demogene-parvovec> ;
    cgt:jurisdiction <https://w3id.org/cgt-graph/id/jurisdiction/CN> ;
    cgt:decidedBy <https://w3id.org/cgt-graph/id/agency/fx-nmpa> ;
    cgt:decisionDate "2024-05-06"^^xsd:date ; cgt:sortDate "2024-05-06"^^xsd:date ; cgt:datePrecision "day" ;
    cgt:holderName "Fixture Vectors China" ; cgt:indication "inherited retinal dystrophy" ;
    cgt:status cgt:authorised ; cgt:classification cgt:notClassified ;
    prov:wasDerivedFrom ex:register ; prov:qualifiedDerivation ex:gammavec-cn-citation .
ex:gammavec-cn-citation a cgt:Citation ; prov:entity ex:register ;
    cgt:quote "Gammavec approved 6 May 2024." ; cgt:confidence cgt:high .
ex:register a cgt:Source ; schema:url "https://partner.example/register"^^xsd:anyURI ;
    dct:title "ACME register" ; dct:publisher "ACME" ; cgt:accessed "2026-11-20"^^xsd:date ;
    cgt:evidenceLevel cgt:secondary .
"""

REFUSED = {
    # name: (file name, content, exit code, words the message must contain)
    "billion-laughs": ("laughs.rdf", """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://partner.example/">
  <rdf:Description rdf:about="https://partner.example/a"><ex:p>&lol2;</ex:p></rdf:Description>
</rdf:RDF>
""", 2, ["line 2", "<!DOCTYPE", "billion laughs"]),
    "remote-context": ("remote.jsonld", json.dumps({"@context": "https://partner.example/context.jsonld",
                                                      "@id": "https://partner.example/a", "label": "x"}),
                       2, ["remote @context", "https://partner.example/context.jsonld"]),
    "remote-context-in-list": ("list.jsonld", json.dumps({"@context": [{"ex": "https://partner.example/"},
                                                                         "http://127.0.0.1:9/ctx"],
                                                            "@id": "ex:a", "ex:p": "x"}),
                               2, ["remote @context", "http://127.0.0.1:9/ctx"]),
    "context-import": ("import.jsonld", json.dumps({"@context": {"@version": 1.1, "@import": "https://partner.example/c"},
                                                     "@id": "https://partner.example/a"}),
                       2, ["@import"]),
    "file-iri": ("fileiri.nt", "<https://partner.example/a> <http://www.w3.org/2000/01/rdf-schema#seeAlso> <file:///etc/passwd> .\n",
                 2, ["outside the allowed schemes", "file:///etc/passwd"]),
    "overwrite-curated": ("overwrite.ttl",
                          "<https://w3id.org/cgt-graph/id/authorisation/demogene-parvovec-eu> "
                          "<https://w3id.org/cgt-graph/ontology#decisionDate> \"2020-01-01\"^^<http://www.w3.org/2001/XMLSchema#date> .\n",
                          2, ["curated record", "demogene-parvovec-eu"]),
    "mint-in-our-namespace": ("mint.ttl",
                              "<https://w3id.org/cgt-graph/id/product/new-thing> <http://www.w3.org/2000/01/rdf-schema#label> \"x\" .\n",
                              2, ["names nothing we published", "product/new-thing"]),
    "label-on-our-class": ("class.ttl", "<https://w3id.org/cgt-graph/ontology#MarketingAuthorisation> "
                           "<http://www.w3.org/2000/01/rdf-schema#label> \"Approval\"@en .\n",
                           2, ["ontology's term", "ontology#MarketingAuthorisation"]),
    "redefine-our-property": ("prop.ttl", "<https://w3id.org/cgt-graph/ontology#product> "
                              "<http://www.w3.org/2000/01/rdf-schema#subPropertyOf> <http://www.w3.org/2000/01/rdf-schema#seeAlso> .\n",
                              2, ["ontology's term", "ontology#product"]),
    "concept-scheme": ("scheme.ttl", "<https://w3id.org/cgt-graph/ontology#EvidenceLevels> "
                       "<http://www.w3.org/2004/02/skos/core#prefLabel> \"x\"@en .\n", 2, ["ontology#EvidenceLevels"]),
    "the-ontology-itself": ("onto.ttl", "<https://w3id.org/cgt-graph/ontology> <http://www.w3.org/2002/07/owl#versionInfo> \"9\" .\n",
                            2, ["ontology's term"]),
    "equate-with-our-class": ("equiv.ttl", "<https://partner.example/Approval> <http://www.w3.org/2002/07/owl#equivalentClass> "
                              "<https://w3id.org/cgt-graph/ontology#MarketingAuthorisation> .\n",
                              2, ["equate or extend", "MarketingAuthorisation"]),
    "same-as-curated": ("same.ttl", "<https://partner.example/x> <http://www.w3.org/2002/07/owl#sameAs> "
                        "<https://w3id.org/cgt-graph/id/product/demogene-parvovec> .\n", 2, ["owl:sameAs", "demogene-parvovec"]),
    "huge-literal": ("huge.nt", "<https://partner.example/a> <http://www.w3.org/2000/01/rdf-schema#comment> \""
                     + "x" * 300_000 + "\" .\n", 2, ["300000 characters", "over the limit"]),
    "blank-node-shape-violation": ("bnode.ttl", "@prefix cgt: <https://w3id.org/cgt-graph/ontology#> .\n"
                                   "[] a cgt:MarketingAuthorisation ; cgt:product <https://w3id.org/cgt-graph/id/product/demogene-parvovec> .\n",
                                   1, ["SHACL violation", "_:"]),
    "syntax-error": ("broken.ttl", "<https://partner.example/a> <https://partner.example/p> \"unterminated .\n",
                     2, ["not valid turtle", "line 1"]),
    "shape-violation": ("auth.ttl", """@prefix cgt: <https://w3id.org/cgt-graph/ontology#> .
<https://partner.example/auth1> a cgt:MarketingAuthorisation ;
    cgt:product <https://w3id.org/cgt-graph/id/product/demogene-parvovec> .
""", 1, ["SHACL violation", "https://partner.example/auth1 (line 2)", "every fact needs at least one source"]),
}


@pytest.fixture(scope="module")
def partner_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("partner") / "store"
    build(store, FIXTURE_DATA)
    return store


def snapshot(store: Path) -> tuple[int, list[str]]:
    """The store's quad count and every file beside it: what 'nothing written' means."""
    n = len(st.open_read_only(store))
    listing = sorted(str(p.relative_to(store.parent)) for p in store.parent.rglob("*"))
    return n, listing


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_imports_write_nothing(partner_store, tmp_path, cli, case):
    name, content, code, words = REFUSED[case]
    path = tmp_path / name
    path.write_text(content)
    before = snapshot(partner_store)
    rc, _, err = cli("import", "--partner", "acme", str(path), "--store", str(partner_store))
    assert rc == code, err
    assert f"refused {path}" in err and "nothing was written" in err
    for w in words:
        assert w in err, (w, err)
    assert snapshot(partner_store) == before


def test_oversized_file_is_refused_before_reading(partner_store, tmp_path, cli):
    path = tmp_path / "big.ttl"
    path.write_text(GOOD + "#" * 5000 + "\n")
    before = snapshot(partner_store)
    rc, _, err = cli("import", "--partner", "acme", str(path), "--max-bytes", "1000", "--store", str(partner_store))
    assert rc == 2 and "over the import limit of 1000 bytes" in err
    assert snapshot(partner_store) == before


def test_import_is_idempotent_survives_build_and_can_be_removed(tmp_path, cli):
    store = tmp_path / "store"
    build(store, FIXTURE_DATA)
    base = len(st.open_read_only(store))
    path = tmp_path / "approvals.ttl"
    path.write_text(GOOD)
    rc, out, err = cli("import", "--partner", "acme", str(path), "--store", str(store))
    assert rc == 0, err
    assert f"3 triples into <{PARTNER_GRAPH}>" in out
    oxi = st.open_read_only(store)
    prov = {r["p"].value: r["o"].value for r in oxi.query(
        f"SELECT ?p ?o WHERE {{ GRAPH <{PARTNER_GRAPH}> {{ <{PARTNER_GRAPH}> ?p ?o }} }}")}
    assert prov["http://www.w3.org/ns/prov#wasAttributedTo"] == "https://w3id.org/cgt-graph/id/partner/acme"
    assert prov["http://purl.org/dc/terms/source"] == "approvals.ttl"
    assert "http://www.w3.org/ns/prov#generatedAtTime" in prov
    n = len(oxi)
    assert n > base
    published = st.current_build(store)
    # the same file again: nothing changes, not even the published build
    rc, out, _ = cli("import", "--partner", "acme", str(path), "--store", str(store))
    assert rc == 0 and "nothing changed" in out
    assert st.current_build(store) == published and len(st.open_read_only(store)) == n
    # a rebuild from data/ keeps the partner graph
    build(store, FIXTURE_DATA)
    assert len(st.open_read_only(store)) == n
    # partner graphs stay out of our exports
    rc, out, _ = cli("export", "--format", "nquads", "--store", str(store))
    assert "partner.example" not in out
    # JSON-LD with an inline context is accepted (our own export format)
    doc = tmp_path / "more.jsonld"
    doc.write_text(json.dumps({"@context": {"ex": "https://partner.example/data/",
                                            "rdfs": "http://www.w3.org/2000/01/rdf-schema#"},
                               "@id": "ex:other", "rdfs:label": "another record"}))
    rc, out, err = cli("import", "--partner", "acme", str(doc), "--store", str(store))
    assert rc == 0, err
    # a partner's own authorisation, valid against our shapes: the library queries see it,
    # our exports (tables, FHIR, RDF) do not
    auth = tmp_path / "cn-approvals.ttl"
    auth.write_text(AUTHORISATION)
    rc, out, err = cli("import", "--partner", "acme", str(auth), "--store", str(store))
    assert rc == 0, err
    rc, out, _ = cli("query", "--name", "counts-by-jurisdiction", "--format", "csv", "--store", str(store))
    assert "CN,3" in out.replace('"', "")
    rc, out, _ = cli("export", "--format", "csv", "--store", str(store))
    assert len(out.strip().splitlines()) == 1 + 6
    rc, out, _ = cli("import", "--list", "--store", str(store))
    assert out.count("/graph/partner/acme/") == 3
    rc, out, _ = cli("import", "--remove", "acme", "--store", str(store))
    assert rc == 0 and "removed partner acme" in out
    assert len(st.open_read_only(store)) == base
    build(store, FIXTURE_DATA)
    assert len(st.open_read_only(store)) == base
    rc, _, err = cli("import", "--remove", "acme", "--store", str(store))
    assert rc == 2 and "no graphs of partner" in err


def test_blank_node_subjects_are_imported(tmp_path, cli):
    store = tmp_path / "store"
    build(store, FIXTURE_DATA)
    path = tmp_path / "notes.ttl"
    path.write_text("@prefix ex: <https://partner.example/data/> .\n"
                    "[] ex:about <https://w3id.org/cgt-graph/id/product/demogene-parvovec> ; ex:note \"reviewed\" .\n")
    rc, out, err = cli("import", "--partner", "acme", str(path), "--store", str(store))
    assert rc == 0, err
    assert "2 triples" in out


@pytest.mark.parametrize("where,errno_,words", [
    ("bulk_load", 28, "no space left on the device"),     # ENOSPC while the new build is written
    ("new_build_dir", 30, "the file system is read-only"),  # EROFS: a read-only home
])
def test_a_store_that_cannot_be_written_ends_with_exit_3_and_one_line(partner_store, tmp_path, cli, monkeypatch,
                                                                         where, errno_, words):
    import os

    from cgt_graph.graph import store as store_module

    real = getattr(store_module, where)

    def failing(*args, **kwargs):
        if where == "bulk_load":
            real(*args, **kwargs)  # part of the build is on disk when the disk fills up
        raise OSError(errno_, os.strerror(errno_), str(partner_store))
    monkeypatch.setattr(store_module, where, failing)
    path = tmp_path / "approvals.ttl"
    path.write_text(GOOD)
    before = snapshot(partner_store)
    rc, out, err = cli("import", "--partner", "acme", str(path), "--store", str(partner_store))
    assert rc == 3
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"error: refused {path}: cannot write the store") and words in lines[0]
    assert lines[1:] == ["nothing was written."] and "Traceback" not in err
    after = snapshot(partner_store)
    assert after[0] == before[0]
    assert set(after[1]) ^ set(before[1]) == set()  # no half build, no kept file, no temporary file
