"""One module turns RDF terms into text: the same term read by pyoxigraph or by rdflib
gives the same text, so reports built from either library compare equal."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from cgt_graph.graph import terms

XSD = "http://www.w3.org/2001/XMLSchema#"
AWKWARD = ['plain', 'ctl\x08\x0c\x0b\x00\x1f', 'a "quoted" word', "two\nlines\r", "back\\slash", "tab\there", "bell\x07", "del\x7f", "café ☕"]


@pytest.mark.parametrize("lexical", AWKWARD)
@pytest.mark.parametrize("kind", ["string", "lang", "date"])
def test_a_literal_has_one_ntriples_spelling_whichever_library_holds_it(lexical, kind):
    if kind == "string":
        ox_term, rdf_term = ox.Literal(lexical), rdflib.Literal(lexical)
    elif kind == "lang":
        ox_term, rdf_term = ox.Literal(lexical, language="en"), rdflib.Literal(lexical, lang="en")
    else:
        ox_term = ox.Literal(lexical, datatype=ox.NamedNode(XSD + "date"))
        rdf_term = rdflib.Literal(lexical, datatype=rdflib.URIRef(XSD + "date"))
    assert terms.ntriples(rdf_term) == terms.ntriples(ox_term)
    # and it is real N-Triples: a parser reads the same literal back
    parsed = next(iter(ox.parse(f"<http://x/s> <http://x/p> {terms.ntriples(rdf_term)} .".encode(),
                                format=ox.RdfFormat.N_TRIPLES)))
    assert parsed.object == ox_term
    assert terms.text(ox_term) == terms.text(rdf_term) == lexical


def test_iris_and_blank_nodes():
    iri = "https://w3id.org/cgt-graph/id/product/tisagenlecleucel"
    assert terms.ntriples(ox.NamedNode(iri)) == terms.ntriples(rdflib.URIRef(iri)) == f"<{iri}>"
    assert terms.text(ox.NamedNode(iri)) == terms.text(rdflib.URIRef(iri)) == iri
    assert terms.text(ox.BlankNode("b1")) == terms.text(rdflib.BNode("b1")) == "_:b1"
    assert terms.text(None) is None and terms.ntriples(None) is None


def test_short_forms_use_our_prefixes():
    iri = "https://w3id.org/cgt-graph/id/product/tisagenlecleucel"
    assert terms.short_iri(iri) == "product:tisagenlecleucel"
    assert terms.short_iri("http://example.org/x") == "<http://example.org/x>"
    assert terms.compact_iri("http://example.org/x") == "http://example.org/x"
    # JSON-LD's compact IRIs allow a local part Turtle would write in full
    odd = "https://w3id.org/cgt-graph/id/product/a/b"
    assert terms.short_iri(odd) == f"<{odd}>" and terms.compact_iri(odd) == "product:a/b"
    assert terms.turtle(ox.Literal("2024", datatype=ox.NamedNode(XSD + "gYear"))) == '"2024"^^xsd:gYear'
