"""The Turtle of a selection: every triple whose subject is one of a list of nodes (for
example the products found by a search, with their authorisations, citations and sources,
as listed by the library query `product-nodes`)."""

from __future__ import annotations

from typing import IO, Iterable

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store

from cgt_graph.graph.vocab import PREFIXES


def write_subjects(store: Store, subjects: Iterable[str], out: IO[bytes]) -> int:
    """Write, as Turtle, the triples (from all graphs) whose subject is one of `subjects` (IRIs).
    Returns the number of triples written."""
    tmp = Store()
    for s in dict.fromkeys(subjects):
        if s:
            tmp.extend([Quad(q.subject, q.predicate, q.object, DefaultGraph())
                        for q in store.quads_for_pattern(NamedNode(s), None, None, None)])
    count = len(tmp)
    tmp.dump(out, RdfFormat.TURTLE, from_graph=DefaultGraph(), prefixes=PREFIXES)
    return count
