"""The whole graph (data files and, on request, the ontology) in an RDF format.

Turtle, N-Triples, N-Quads, TriG and JSON-LD come from the deterministic writers
(`canonical.py`, `jsonld.py`): the same data gives the same bytes. RDF/XML is
Oxigraph's serialiser over the same sorted triples.
"""

from __future__ import annotations

from typing import IO

from pyoxigraph import DefaultGraph, Quad, RdfFormat, Store

from cgt_graph.publish import canonical, jsonld

FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml")
QUAD_FORMATS = {"nquads", "trig"}
WRITERS = {"turtle": canonical.turtle, "ntriples": canonical.ntriples, "nquads": canonical.nquads,
           "trig": canonical.trig, "jsonld": jsonld.jsonld}


def write_graph(store: Store, out: IO[bytes], fmt: str = "turtle", ontology: bool = False) -> int:
    """Write the data graphs (merged, or as named graphs for N-Quads/TriG).

    Returns the statements written: quads for N-Quads/TriG, distinct triples otherwise.
    """
    quads = canonical.data_quads(store, ontology=ontology)
    if fmt in WRITERS:
        out.write(WRITERS[fmt](quads))
        return len(quads) if fmt in QUAD_FORMATS else len(canonical.triples_of(quads))
    triples = canonical.triples_of(quads)
    tmp = Store()
    tmp.extend(Quad(s, p, o, DefaultGraph()) for s, p, o in triples)
    tmp.dump(out, RdfFormat.RDF_XML, from_graph=DefaultGraph())
    return len(triples)
