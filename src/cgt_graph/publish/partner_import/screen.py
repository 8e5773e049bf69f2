"""Before and while parsing a partner file: size, encoding, screening RDF/XML and JSON-LD, and the
streaming parse that checks every statement as it is read (steps 1-5 of the package docstring)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pyoxigraph import DefaultGraph, Literal, NamedNode, parse

from cgt_graph.graph.vocab import BASE
from cgt_graph.publish.partner_import.common import (ALLOWED_SCHEMES, MAX_LITERAL_CHARS, MAX_TRIPLES, OUR_IDS,
                                                     OUR_TERMS, OWL, RDF_FORMATS, REDEFINING, ImportRefused)

# ---------------------------------------------------------------- checks before parsing

def _read(file: Path, max_bytes: int) -> bytes:
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise ImportRefused(file, f"cannot read the file ({exc.strerror})") from None
    if not file.is_file():
        raise ImportRefused(file, "not a regular file")
    if size > max_bytes:
        raise ImportRefused(file, f"the file is {size} bytes, over the import limit of {max_bytes} bytes "
                                  "(--max-bytes); split it or ask us to raise the limit")
    with open(file, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew while we read it
        raise ImportRefused(file, f"the file is over the import limit of {max_bytes} bytes")
    return data


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _screen_rdfxml(file: Path, text: str) -> None:
    m = re.search(r"<!\s*(DOCTYPE|ENTITY)", text, re.IGNORECASE)
    if m:
        raise ImportRefused(file, f"line {_line_of(text, m.start())}: RDF/XML with a <!{m.group(1).upper()} "
                                  "declaration is refused (entity expansion, 'billion laughs'); "
                                  "send it without a DTD")


def _screen_jsonld(file: Path, text: str) -> None:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused(file, f"line {exc.lineno} column {exc.colno}: not JSON ({exc.msg})") from None

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    _check_context(value, f"{where}/@context")
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    def _check_context(ctx: Any, where: str) -> None:
        for item in ctx if isinstance(ctx, list) else [ctx]:
            if isinstance(item, str):
                raise ImportRefused(file, f"JSON-LD with a remote @context ({item!r} at {where}) is refused: "
                                          "we never fetch contexts; put the context inline "
                                          "(ours: context.jsonld in every release)")
            if isinstance(item, dict) and "@import" in item:
                raise ImportRefused(file, f"JSON-LD @context with @import ({item['@import']!r} at {where}) "
                                          "is refused: we never fetch contexts; put the context inline")

    walk(doc, "")


# ---------------------------------------------------------------- checks after parsing

def _short_term(term) -> str:
    text = str(term)
    return text if len(text) <= 120 else text[:117] + "..."


def _check_term(file: Path, position: str, term, s, p, o, curated: set[str], terms: set[str]) -> None:
    if isinstance(term, Literal):
        if len(term.value) > MAX_LITERAL_CHARS:
            raise ImportRefused(file, f"a literal of {len(term.value)} characters ({position} of a statement about "
                                      f"{_short_term(s)}) is over the limit of {MAX_LITERAL_CHARS}; "
                                      "link to long texts instead")
        iris = [term.datatype.value]
    elif isinstance(term, NamedNode):
        iris = [term.value]
    else:
        return
    for iri in iris:
        scheme = iri.split(":", 1)[0].lower()
        if scheme not in ALLOWED_SCHEMES:
            raise ImportRefused(file, f"IRI outside the allowed schemes ({', '.join(ALLOWED_SCHEMES)}): "
                                      f"<{_short_term(iri)}> ({position} of {_short_term(s)} {p} {_short_term(o)})")
        if position == "subject" and (iri.startswith(BASE) or iri in terms):
            if iri.startswith(OUR_IDS) and iri in curated:
                raise ImportRefused(file, f"statements about our curated record <{iri}> are refused: "
                                          "a partner file may point at our records, not change them "
                                          "(write <your node> ... <our record>)")
            if iri in terms or iri.startswith(OUR_TERMS) or iri == OUR_TERMS.rstrip("#"):
                raise ImportRefused(file, f"statements about our ontology's term <{iri}> are refused "
                                          f"({_short_term(s)} {p} {_short_term(o)}): a partner file may use our "
                                          "classes and properties, not change them")
        if not iri.startswith(BASE):
            continue
        if iri.startswith(OUR_TERMS):
            if iri not in terms:
                raise ImportRefused(file, f"<{iri}> is not a term of the cgt-graph ontology ({position})")
            if position == "object" and p.value in REDEFINING:
                raise ImportRefused(file, f"{_short_term(s)} {p} <{iri}>: statements that equate or extend our "
                                          "ontology's terms are refused")
        elif iri.startswith(OUR_IDS) and iri in curated:
            if position == "object" and p.value == OWL + "sameAs":
                raise ImportRefused(file, f"{_short_term(s)} owl:sameAs <{iri}>: a partner node may not be "
                                          "declared the same as our curated record (link it with rdfs:seeAlso)")
        else:
            raise ImportRefused(file, f"<{iri}> is in the cgt-graph namespace but names nothing we "
                                      f"published ({position}); mint IRIs in your own namespace")


def _parse_checked(file: Path, data: bytes, fmt: str, curated: set[str], terms: set[str]) -> list[tuple]:
    """Parse in a stream, checking every statement as it arrives; the distinct triples, in file order."""
    seen: dict[tuple, None] = {}
    try:
        for q in parse(input=data, format=RDF_FORMATS[fmt]):
            if not isinstance(q.graph_name, DefaultGraph):
                raise ImportRefused(file, "the file has named graphs; send one graph per file")
            s, p, o = q.subject, q.predicate, q.object
            for position, term in (("subject", s), ("predicate", p), ("object", o)):
                _check_term(file, position, term, s, p, o, curated, terms)
            seen[(s, p, o)] = None
            if len(seen) > MAX_TRIPLES:
                raise ImportRefused(file, f"more than {MAX_TRIPLES} statements: split the file")
    except (SyntaxError, ValueError) as exc:
        raise ImportRefused(file, f"not valid {fmt}: {str(exc)[:300]}") from None
    if not seen:
        raise ImportRefused(file, "the file holds no triples")
    return list(seen)


