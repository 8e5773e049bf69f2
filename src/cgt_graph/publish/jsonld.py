"""JSON-LD with our published context.

The context (`context.jsonld`, published at CONTEXT_URL) maps the prefixes of
`rdf.PREFIXES`; nothing else, so a reader needs no term definitions to know what a
key means: `cgt:decisionDate` is `https://w3id.org/cgt-graph/ontology#decisionDate`.

The export carries the same context *inline*, so any JSON-LD processor reads it
offline: nobody (not we, not a partner) has to fetch a context to parse our data.
Output is deterministic: nodes sorted by `@id`, keys sorted, values sorted.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from cgt_graph.graph.vocab import PREFIXES
from cgt_graph.publish.canonical import triples_of
from cgt_graph.graph.terms import RDF_TYPE, XSD_STRING
from cgt_graph.graph.terms import compact_iri as _compact

CONTEXT_URL = "https://w3id.org/cgt-graph/context.jsonld"


def context() -> dict[str, str]:
    return dict(sorted(PREFIXES.items()))


def context_document() -> bytes:
    """The published context file."""
    return _dumps({"@context": context()})


def _node_id(term) -> str:
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return _compact(term.value)


def _value(term) -> Any:
    if isinstance(term, (NamedNode, BlankNode)):
        return {"@id": _node_id(term)}
    assert isinstance(term, Literal)
    if term.language:
        return {"@language": term.language, "@value": term.value}
    if term.datatype.value == XSD_STRING:
        return {"@value": term.value}
    return {"@type": _compact(term.datatype.value), "@value": term.value}


def document(quads: Iterable[Quad]) -> dict[str, Any]:
    nodes: dict[str, dict[str, Any]] = {}
    for s, p, o in triples_of(quads):
        node = nodes.setdefault(_node_id(s), {"@id": _node_id(s)})
        if p.value == RDF_TYPE and isinstance(o, NamedNode):
            node.setdefault("@type", []).append(_compact(o.value))
        else:
            node.setdefault(_compact(p.value), []).append(_value(o))
    graph = []
    for key in sorted(nodes):
        node = nodes[key]
        for v in node.values():
            if isinstance(v, list):
                v.sort(key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
        graph.append(node)
    return {"@context": context(), "@graph": graph}


def jsonld(quads: Iterable[Quad]) -> bytes:
    return _dumps(document(quads))


def _dumps(obj: Any) -> bytes:
    return (json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
