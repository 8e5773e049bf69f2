"""The scalable build path gives the same results as the reference:

- the N-Quads emitter's output parses with an independent parser (pyoxigraph) and conforms;
- the shapes run as SPARQL in Oxigraph (the production validator) report the same violations
  (focus node, path, constraint component, value) as pyshacl (the test oracle), on the shapes'
  examples and on the fixture graph with errors injected for every constraint component the
  shapes use;
- a build that fails validation publishes nothing, with either validator;
- the synthetic generator scales record counts in proportion, fractional multiples too.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, parse, serialize
from rdflib import Dataset, Graph

from cgt_graph import paths
from cgt_graph.graph import store as st
from cgt_graph.graph.build import build, compile_data, ontology_nquads
from cgt_graph.curation.checks import Index
from cgt_graph.curation.load import DataError, load_records
from cgt_graph.graph.emit import record_locations, record_nquads
from cgt_graph.graph.vocab import graph_iri
from cgt_graph.graph import shacl_screen
from cgt_graph.graph.shacl_sparql import Unsupported, compile_shapes, sparql_violations
from benchmarks.synth import generate
from cgt_graph.graph.validate import load_shapes, problems_from, pyshacl_violations

from .conftest import FIXTURE_DATA, REAL_DATA

CGT = "https://w3id.org/cgt-graph/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(paths.ontology_dir())


# --- the emitter ------------------------------------------------------------------------

@pytest.mark.parametrize("data", [FIXTURE_DATA, REAL_DATA], ids=["fixture", "real"])
def test_the_emitted_nquads_parse_and_conform(data, shapes):
    records, problems = load_records(data)
    assert not problems
    idx = Index(records)
    files = {graph_iri(r.file) for r in records}
    lines = [line for _, file_lines in record_nquads(records, idx) for line in file_lines]
    quads = list(parse("".join(lines).encode(), format=RdfFormat.N_QUADS))  # an independent parser
    assert len(lines) == len(set(quads))  # no duplicate lines: the count is the graph's size
    assert {q.graph_name.value for q in quads} == {str(g) for g in files}  # one named graph per data file
    store = Store()
    store.extend(quads)
    store.load(path=str(paths.ontology_dir() / "cgt.ttl"), format=RdfFormat.TURTLE)
    assert sparql_violations(store, shapes) == []


def test_compiled_nquads_hold_the_data_the_ontology_and_the_derived_facts():
    compiled = compile_data(FIXTURE_DATA, shacl=False)
    quads = list(parse(compiled.nquads, format=RdfFormat.N_QUADS))
    onto = list(parse(ontology_nquads(paths.ontology_dir()), format=RdfFormat.N_QUADS))
    derived = [q for q in quads if q.graph_name.value == "https://w3id.org/cgt-graph/graph/derived"]
    assert derived and len(set(derived)) == len(derived)
    assert len(quads) == compiled.triples + len(onto) + len(derived)
    assert sum(len(g) for g in compiled.dataset.graphs()) == len(quads)  # rdflib view


# --- the validators agree ---------------------------------------------------------------

def _both(store: Store, shapes: Graph):
    fast = sparql_violations(store, shapes)
    flat = Graph()
    ds = Dataset()
    ds.parse(data=serialize(store.quads_for_pattern(None, None, None, None), format=RdfFormat.N_QUADS),
             format="nquads")
    for ctx in ds.graphs():
        for t in ctx:
            flat.add(t)
    ref = pyshacl_violations(flat, shapes)
    return fast, ref, flat


def test_every_shape_compiles_to_sparql(shapes):
    checks = compile_shapes(shapes)
    assert len(checks) > 50


def test_unsupported_shapes_are_refused_not_skipped():
    g = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:qualifiedMinCount 1 ] .
    """, format="turtle")
    with pytest.raises(Unsupported):
        compile_shapes(g)


@pytest.mark.parametrize("path", sorted((Path(__file__).parent / "shapes").glob("*/*.ttl")), ids=lambda p: p.stem)
def test_fast_validator_agrees_with_pyshacl_on_the_shape_examples(path, shapes):
    store = Store()
    store.load(path=str(path), format=RdfFormat.TURTLE)
    store.load(path=str(paths.ontology_dir() / "cgt.ttl"), format=RdfFormat.TURTLE)
    fast, ref, _ = _both(store, shapes)
    assert {v.key for v in fast} == {v.key for v in ref}
    assert bool(fast) == (path.parent.name == "invalid")


def _first(store: Store, cls: str) -> tuple[NamedNode, object]:
    """The first instance of a class (by IRI) and the graph that types it."""
    quads = sorted(store.quads_for_pattern(None, RDF_TYPE, NamedNode(cls), None), key=lambda q: q.subject.value)
    return quads[0].subject, quads[0].graph_name


def _set(store: Store, s, p: str, o=None, add: bool = False) -> None:
    """Replace (or, with add, add to) the values of s p."""
    graph = _first_graph(store, s)
    if not add:
        for q in list(store.quads_for_pattern(s, NamedNode(p), None, None)):
            store.remove(q)
    if o is not None:
        store.add(Quad(s, NamedNode(p), o, graph))


def _first_graph(store: Store, s):
    return next(iter(store.quads_for_pattern(s, None, None, None))).graph_name


def _inject(store: Store) -> None:
    """One or more errors for every constraint component the shapes use."""
    auth, _ = _first(store, CGT + "MarketingAuthorisation")
    auths = sorted({q.subject.value for q in store.quads_for_pattern(None, RDF_TYPE, NamedNode(CGT + "MarketingAuthorisation"), None)})
    a2, a3, a4 = (NamedNode(a) for a in auths[1:4])
    _set(store, auth, PROV + "wasDerivedFrom")  # MinCount (sourced)
    _set(store, auth, CGT + "holderName", Literal("Second Holder"), add=True)  # MaxCount
    _set(store, auth, CGT + "status", NamedNode(CGT + "lapsed"))  # In
    _set(store, a2, CGT + "decisionDate", Literal("March 2018"))  # Or (plain string)
    _set(store, a3, CGT + "decisionDate", Literal("2018-02-30", datatype=NamedNode(XSD + "date")))  # Or (ill-formed)
    _set(store, a3, CGT + "classification", NamedNode(CGT + "authorised"))  # Or (neither class nor value)
    _set(store, a4, CGT + "decidedBy", NamedNode("https://w3id.org/cgt-graph/id/jurisdiction/US"))  # Class
    _set(store, a4, CGT + "indication", Literal("x", language="en"))  # Datatype (langString)
    _set(store, a4, CGT + "sortDate", Literal("2018"))  # Datatype (plain)
    src, _ = _first(store, CGT + "Source")
    _set(store, src, CGT + "evidenceLevel", NamedNode(CGT + "rumour"))  # In
    _set(store, src, "https://schema.org/url", Literal("ftp://example.org/x", datatype=NamedNode(XSD + "anyURI")))  # Pattern
    cit, _ = _first(store, CGT + "Citation")
    _set(store, cit, CGT + "quote", Literal("ab"))  # Pattern (at least three characters)
    jur, _ = _first(store, CGT + "Jurisdiction")
    _set(store, jur, SKOS + "notation", Literal("USA"))  # Pattern
    claim, _ = _first(store, CGT + "Claim")
    _set(store, claim, CGT + "claimedValue", Literal("-1", datatype=NamedNode(XSD + "integer")))  # MinInclusive
    mod, _ = _first(store, CGT + "Modality")
    _set(store, mod, SKOS + "prefLabel", Literal("Another label", language="en"), add=True)  # UniqueLang
    _set(store, mod, SKOS + "inScheme")  # HasValue
    prod, _ = _first(store, CGT + "MedicinalProduct")
    _set(store, prod, CGT + "wikidata", Literal("Q42"))  # NodeKind + Pattern
    for q in list(store.quads_for_pattern(None, NamedNode(CGT + "product"), prod, None)):
        store.remove(q)  # inverse path: a product without authorisations or designations


def test_fast_validator_agrees_with_pyshacl_on_injected_errors(shapes):
    compiled = compile_data(FIXTURE_DATA, shacl=False)
    store = Store()
    store.bulk_load(compiled.nquads, format=RdfFormat.N_QUADS)
    assert sparql_violations(store, shapes) == []
    _inject(store)
    fast, ref, _ = _both(store, shapes)
    components = {v.component for v in ref}
    assert components >= {
        "MinCountConstraintComponent", "MaxCountConstraintComponent", "InConstraintComponent",
        "OrConstraintComponent", "ClassConstraintComponent", "DatatypeConstraintComponent",
        "PatternConstraintComponent", "MinInclusiveConstraintComponent",
        "UniqueLangConstraintComponent", "HasValueConstraintComponent", "NodeKindConstraintComponent",
    }, components
    assert {v.key for v in fast} == {v.key for v in ref}
    # and the curator sees the same located lines (file:line (record): [rule] ...)
    locations = record_locations(load_records(FIXTURE_DATA)[0]).get
    ours = problems_from(fast, locations)
    theirs = problems_from(ref, locations)
    assert sorted((p.file, p.line or 0, p.record or "", p.rule) for p in ours) == \
        sorted((p.file, p.line or 0, p.record or "", p.rule) for p in theirs)
    assert all(p.file.startswith("data/") and p.line for p in ours if not p.message.startswith("<")), ours


@pytest.mark.parametrize("many", [200, 0], ids=["per-suspect", "on-everything"])
def test_fast_validator_agrees_with_pyshacl_through_subclasses_and_shared_paths(shapes, many, monkeypatch):
    """The screens (graph/shacl_screen.py) find focus nodes and class members through rdfs:subClassOf
    declared in the data, and a bad value on a node outside a shape's targets breaks nothing; the
    screened checks give the same report run per suspect or, past MANY suspects, on everything."""
    monkeypatch.setattr(shacl_screen, "MANY", many)
    compiled = compile_data(FIXTURE_DATA, shacl=False)
    store = Store()
    store.bulk_load(compiled.nquads, format=RdfFormat.N_QUADS)
    ex = "https://example.org/"
    sub = RDF_TYPE.value.replace("1999/02/22-rdf-syntax-ns#type", "2000/01/rdf-schema#subClassOf")
    src, graph = _first(store, CGT + "Source")
    for child, parent in (("SubAuthorisation", "MarketingAuthorisation"), ("SubSource", "Source")):
        store.add(Quad(NamedNode(ex + child), NamedNode(sub), NamedNode(CGT + parent), graph))
    focus = NamedNode(ex + "a1")  # a focus node only through the subclass: every minCount breaks
    store.add(Quad(focus, RDF_TYPE, NamedNode(ex + "SubAuthorisation"), graph))
    store.add(Quad(focus, NamedNode(CGT + "status"), NamedNode(CGT + "lapsed"), graph))  # In
    store.add(Quad(focus, NamedNode(CGT + "note"), Literal("1", datatype=NamedNode(XSD + "integer")), graph))
    store.add(Quad(focus, NamedNode(CGT + "note"), Literal("two"), graph))  # MaxCount, Datatype
    for q in list(store.quads_for_pattern(src, RDF_TYPE, None, None)):  # a Source only through the subclass
        store.remove(q)
    store.add(Quad(src, RDF_TYPE, NamedNode(ex + "SubSource"), graph))
    store.add(Quad(NamedNode(ex + "other"), NamedNode(CGT + "note"), Literal("3", datatype=NamedNode(XSD + "integer")), graph))
    fast, ref, _ = _both(store, shapes)
    assert {v.focus for v in ref} == {f"<{ex}a1>"}  # the source still conforms; ex:other is no focus
    assert {"MinCountConstraintComponent", "InConstraintComponent", "MaxCountConstraintComponent",
            "DatatypeConstraintComponent"} <= {v.component for v in ref}
    assert {v.key for v in fast} == {v.key for v in ref}


@pytest.mark.parametrize("validator", ["fast", "pyshacl"])
def test_a_shacl_failure_publishes_nothing(validator, tmp_path):
    """A stricter shape (every product needs a developer) fails the fixture; the store stays as it was."""
    onto = tmp_path / "ontology"
    shutil.copytree(paths.ontology_dir(), onto)
    with open(onto / "shapes.ttl", "a", encoding="utf-8") as fh:
        fh.write("cgtsh:InnRequired a sh:NodeShape ; sh:targetClass cgt:MedicinalProduct ;\n"
                 "    sh:property [ sh:path cgt:developer ; sh:minCount 1 ; sh:message \"needs a developer\" ] .\n")
    store = tmp_path / "store"
    build(store, FIXTURE_DATA)
    before = st.current_build(store)
    with pytest.raises(DataError) as err:
        build(store, FIXTURE_DATA, onto, validator=validator)
    problems = err.value.problems
    assert problems and all(p.rule == "shacl:MinCountConstraintComponent" for p in problems)
    assert all("products/" in p.file and p.line and p.record for p in problems), problems
    assert "needs a developer" in str(err.value)
    # what the curator reads: file:line (record): [rule] message
    assert re.match(r"^\S*products/\S+\.yaml:\d+ \([a-z0-9-]+\): \[shacl:MinCountConstraintComponent\] ", str(problems[0])), problems[0]
    assert st.current_build(store) == before


def test_a_shape_the_sparql_validator_cannot_run_is_an_error_not_a_switch_to_pyshacl(tmp_path):
    onto = tmp_path / "ontology"
    shutil.copytree(paths.ontology_dir(), onto)
    with open(onto / "shapes.ttl", "a", encoding="utf-8") as fh:
        fh.write("cgtsh:Qualified a sh:NodeShape ; sh:targetClass cgt:MedicinalProduct ;\n"
                 "    sh:property [ sh:path cgt:modality ; sh:qualifiedMinCount 1 ] .\n")
    with pytest.raises(DataError) as err:
        compile_data(FIXTURE_DATA, onto)
    assert [p.rule for p in err.value.problems] == ["shacl:unsupported"]
    assert "qualifiedMinCount" in str(err.value) and "shapes.ttl" in str(err.value)


# --- the synthetic generator ------------------------------------------------------------

def _count(data: Path) -> dict[str, int]:
    records, problems = load_records(data)
    assert not problems
    out: dict[str, int] = {}
    for r in records:
        out[r.kind] = out.get(r.kind, 0) + 1
    return out


@pytest.mark.parametrize("multiple", [3, 2.5])
def test_synthetic_data_scales_in_proportion_and_builds(multiple, tmp_path):
    base = _count(FIXTURE_DATA)
    out = tmp_path / "data"
    generate(FIXTURE_DATA, out, multiple)
    got = _count(out)
    for kind in ("product", "authorisation", "designation"):
        assert abs(got[kind] - base[kind] * multiple) <= 1, (kind, got[kind], base[kind])
    for kind in ("jurisdiction", "agency", "pathway", "class", "policy", "claim", "modality"):
        assert got.get(kind) == base.get(kind), kind
    report = build(tmp_path / "store", out)  # passes every check and the shapes
    base_triples = compile_data(FIXTURE_DATA, shacl=False).triples
    assert report.triples > base_triples


def test_the_real_data_conforms_for_both_validators():
    """pyshacl stays the oracle (opt-in): the real data passes it as it passes the SPARQL validator."""
    assert compile_data(REAL_DATA, validator="pyshacl").validator == "pyshacl"
    assert compile_data(REAL_DATA, validator="auto").validator == "fast"
