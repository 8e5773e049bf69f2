"""SHACL for a partner file: the partner's nodes typed with our classes, with what they reach,
against ontology/shapes.ttl (step 6 of the package docstring)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, NamedNode, Quad

from cgt_graph.graph.vocab import ONTOLOGY_GRAPH
from cgt_graph.publish.partner_import.common import (MAX_DETAILS, MAX_VALIDATED_NODES, OUR_TERMS, RDF_TYPE, SKOLEM,
                                                     ImportRefused)
from cgt_graph.publish.partner_import.screen import _line_of


def _line_hint(text: str, node: object) -> str:
    """' (line N)': where the node first appears in the file, written in full or as prefix:local."""
    iri = str(node)
    if iri.startswith(SKOLEM):
        return ""
    local = re.split(r"[/#]", iri)[-1][:200]
    patterns = [re.escape(f"<{iri}>"), re.escape(f'"{iri}"')]
    if local:
        patterns.append(r"[A-Za-z0-9_-]*:" + re.escape(local) + r"(?![\w.-])")
    for pattern in patterns:
        m = re.search(pattern, text)
        if m:
            return f" (line {_line_of(text, m.start())})"
    return ""


def _validation_subset(file: Path, triples: list[tuple]) -> tuple[set, list[tuple]]:
    """The partner's nodes our shapes target (typed with one of our classes) and the partner
    statements reachable from them (three steps: record -> citation -> source)."""
    by_subject: dict[Any, list[tuple]] = {}
    focus = set()
    for t in triples:
        by_subject.setdefault(t[0], []).append(t)
        if t[1].value == RDF_TYPE and isinstance(t[2], NamedNode) and t[2].value.startswith(OUR_TERMS):
            focus.add(t[0])
    if len(focus) > MAX_VALIDATED_NODES:
        raise ImportRefused(file, f"{len(focus)} nodes typed with our classes: over the {MAX_VALIDATED_NODES} one "
                                  "file may bring (each is validated against our shapes); split the file")
    keep, frontier = set(focus), set(focus)
    for _ in range(3):
        nxt = set()
        for node in frontier:
            for t in by_subject.get(node, []):
                if t[2] in by_subject and t[2] not in keep:
                    nxt.add(t[2])
        keep |= nxt
        frontier = nxt
    return focus, [t for node in keep for t in by_subject[node]]


def _shacl(file: Path, triples: list[tuple], context: list[Quad], ontology_dir: Path, text: str = "") -> None:
    """Partner triples + the current graph (data and ontology) against our shapes; focus on the partner's
    nodes our shapes target."""
    focus, subset = _validation_subset(file, triples)
    if not focus:
        return  # no node typed with our classes: no shape applies to the partner's statements
    from pyshacl import validate
    from rdflib import RDF, BNode, Graph, URIRef
    from rdflib import Literal as RLiteral

    from cgt_graph.graph.validate import SH, _short, load_shapes

    def conv(term):
        if isinstance(term, NamedNode):
            return URIRef(term.value)
        if isinstance(term, BlankNode):
            return URIRef(SKOLEM + term.value)  # pyshacl takes IRIs as focus nodes, not blank nodes
        if term.language:
            return RLiteral(term.value, lang=term.language)
        if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            return RLiteral(term.value)  # rdflib's plain literal, as our own build makes them (sh:in compares terms)
        return RLiteral(term.value, datatype=URIRef(term.datatype.value))

    def short(node) -> str:
        text = str(node)
        return "_:" + text[len(SKOLEM):] if text.startswith(SKOLEM) else _short(node)

    # The data graph: the partner statements to validate, the ontology (class hierarchy), and the
    # rdf:type of each of our nodes they point at (what sh:class needs). Not the whole current graph,
    # and no focus_nodes list: pyshacl scans that list per shape and node (3,000 focus nodes took
    # 90 s, almost all in term comparisons); violations are kept for the partner's nodes only.
    partner_nodes = {conv(t[0]) for t in subset}
    referenced = {t[2] for t in subset if isinstance(t[2], NamedNode)}
    g = Graph()
    ontology = str(ONTOLOGY_GRAPH)
    for q in context:
        in_ontology = isinstance(q.graph_name, NamedNode) and q.graph_name.value == ontology
        if in_ontology or (q.subject in referenced and q.predicate.value == RDF_TYPE):
            if isinstance(q.subject, BlankNode) or isinstance(q.object, BlankNode):
                g.add((BNode(q.subject.value) if isinstance(q.subject, BlankNode) else conv(q.subject), conv(q.predicate),
                       BNode(q.object.value) if isinstance(q.object, BlankNode) else conv(q.object)))
            else:
                g.add((conv(q.subject), conv(q.predicate), conv(q.object)))
    for s, p, o in subset:
        g.add((conv(s), conv(p), conv(o)))
    conforms, report, _ = validate(g, shacl_graph=load_shapes(ontology_dir), inference="none", advanced=True,
                                   allow_warnings=True, inplace=True)  # g is ours to spend: no copy
    results = [r for r in report.subjects(RDF.type, SH.ValidationResult)
               if report.value(r, SH.focusNode) in partner_nodes]
    if conforms or not results:
        return
    details = []
    for result in results[:MAX_DETAILS]:
        node, path = report.value(result, SH.focusNode), report.value(result, SH.resultPath)
        msg, value = report.value(result, SH.resultMessage), report.value(result, SH.value)
        line = f"{short(node)}{_line_hint(text, node)}" + (f" {_short(path)}" if path is not None else "")
        line += f": {msg}" if msg else ""
        details.append(line + (f" (value {short(value)})" if value is not None else ""))
    details.sort()
    if len(results) > MAX_DETAILS:
        details.append(f"... and {len(results) - MAX_DETAILS} more")
    raise ImportRefused(file, f"{len(results)} SHACL violation{'s' if len(results) != 1 else ''} against our shapes",
                        code=1, details=details)


