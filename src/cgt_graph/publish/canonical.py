"""Deterministic RDF writers: the same quads always give the same bytes.

* N-Triples / N-Quads: one statement a line, lines sorted (code point order), no duplicates.
* Turtle / TriG: the fixed prefix set of `rdf.PREFIXES`, subjects sorted, `a` first, then
  predicates and objects sorted; an IRI is written as a prefixed name only when its local
  part is a plain name (letters, digits, `_`, `-`, inner `.`), otherwise in full.

Terms are pyoxigraph terms; their `str()` is the N-Triples form, which the writers reuse.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

from cgt_graph.graph.vocab import GRAPH, ONTOLOGY_GRAPH, PREFIXES
from cgt_graph.graph.terms import OUR_PREFIXES, RDF_TYPE, Prefixes, by_length, short_iri, sort_key
from cgt_graph.graph.terms import turtle as turtle_term

PARTNER_GRAPHS = str(GRAPH) + "partner/"


def data_quads(store: Store, ontology: bool = False, partners: bool = False) -> list[Quad]:
    """The quads of the data graphs (one per data file), sorted; optionally the ontology and partner graphs."""
    out: list[Quad] = []
    for g in store.named_graphs():
        if not isinstance(g, NamedNode):
            continue
        if g.value == str(ONTOLOGY_GRAPH) and not ontology:
            continue
        if g.value.startswith(PARTNER_GRAPHS) and not partners:
            continue
        out.extend(store.quads_for_pattern(None, None, None, g))
    return sorted(out, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))


def curated_store(store: Store) -> Store:
    """An in-memory copy of the curated graphs (data files and ontology), without partner graphs.

    Tables and FHIR come from library queries over the union of graphs; run on this copy they
    describe exactly what the RDF exports hold, whatever partners have imported.
    """
    mem = Store()
    mem.bulk_extend(data_quads(store, ontology=True))
    return mem


def triples_of(quads: Iterable[Quad]) -> list[tuple]:
    """The distinct triples (graphs merged), sorted."""
    seen = {(q.subject, q.predicate, q.object) for q in quads}
    return sorted(seen, key=lambda t: (sort_key(t[0]), t[1].value, str(t[2])))


def ntriples(quads: Iterable[Quad]) -> bytes:
    lines = sorted({f"{q.subject} {q.predicate} {q.object} .\n" for q in quads})
    return "".join(lines).encode("utf-8")


def nquads(quads: Iterable[Quad]) -> bytes:
    lines = set()
    for q in quads:
        g = "" if isinstance(q.graph_name, DefaultGraph) else f" {q.graph_name}"
        lines.add(f"{q.subject} {q.predicate} {q.object}{g} .\n")
    return "".join(sorted(lines)).encode("utf-8")


def _prefix_block(prefixes: dict[str, str] | None = None) -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted({**PREFIXES, **(prefixes or {})}.items()))


def _subject_blocks(triples: Iterable[tuple], indent: str = "",
                    prefixes: Prefixes = OUR_PREFIXES) -> list[str]:
    by_subject: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    subject_key: dict[str, str] = {}
    for s, p, o in triples:
        key = sort_key(s)
        subject_key[key] = turtle_term(s, prefixes)
        by_subject[key][p.value].add(turtle_term(o, prefixes))
    blocks = []
    for key in sorted(by_subject):
        preds = by_subject[key]
        order = sorted(preds, key=lambda p: (p != RDF_TYPE, p))
        lines = []
        for p in order:
            verb = "a" if p == RDF_TYPE else short_iri(p, prefixes)
            lines.append(f"{indent}    {verb} " + " ,\n{0}        ".format(indent).join(sorted(preds[p])))
        blocks.append(f"{indent}{subject_key[key]}\n" + " ;\n".join(lines) + " .\n")
    return blocks


def turtle(quads: Iterable[Quad], prefixes: dict[str, str] | None = None) -> bytes:
    """The graphs merged into one, as readable, sorted Turtle (`prefixes` adds to the fixed set)."""
    body = "\n".join(_subject_blocks(triples_of(quads), "", by_length(prefixes)))
    return (_prefix_block(prefixes) + "\n" + body).encode("utf-8")


def trig(quads: Iterable[Quad]) -> bytes:
    """One `GRAPH { }` block per named graph (sorted), each as sorted Turtle."""
    by_graph: dict[str, list[tuple]] = defaultdict(list)
    names: dict[str, object] = {}
    for q in quads:
        key = "" if isinstance(q.graph_name, DefaultGraph) else q.graph_name.value
        names[key] = q.graph_name
        by_graph[key].append((q.subject, q.predicate, q.object))
    parts = [_prefix_block()]
    for key in sorted(by_graph):
        triples = sorted(set(by_graph[key]), key=lambda t: (sort_key(t[0]), t[1].value, str(t[2])))
        head = "{" if key == "" else f"{turtle_term(names[key])} {{"
        parts.append(head + "\n" + "\n".join(_subject_blocks(triples, "    ")) + "}\n")
    return "\n".join(parts).encode("utf-8")
