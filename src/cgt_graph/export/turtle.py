"""The whole graph (data files and, on request, the ontology) as one RDF graph."""

from __future__ import annotations

from typing import IO

from pyoxigraph import DefaultGraph, Quad, RdfFormat, Store

from ..query import data_graphs
from ..rdf import ONTOLOGY_GRAPH, PREFIXES

FORMATS = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES,
           "nquads": RdfFormat.N_QUADS, "trig": RdfFormat.TRIG, "jsonld": RdfFormat.JSON_LD,
           "rdfxml": RdfFormat.RDF_XML}
QUAD_FORMATS = {"nquads", "trig"}


def write_graph(store: Store, out: IO[bytes], fmt: str = "turtle", ontology: bool = False) -> int:
    """Write the data graphs (merged, or as named graphs for N-Quads/TriG). Returns triples written."""
    graphs = [g for g in data_graphs(store) if ontology or g.value != str(ONTOLOGY_GRAPH)]
    tmp = Store()
    for g in graphs:
        target = g if fmt in QUAD_FORMATS else DefaultGraph()
        quads = [Quad(q.subject, q.predicate, q.object, target)
                 for q in store.quads_for_pattern(None, None, None, g)]
        tmp.extend(quads)
    count = len(tmp)
    kwargs = {}
    if fmt not in QUAD_FORMATS:
        kwargs["from_graph"] = DefaultGraph()
    if fmt in ("turtle", "trig"):
        kwargs["prefixes"] = PREFIXES
    tmp.dump(out, FORMATS[fmt], **kwargs)
    return count

