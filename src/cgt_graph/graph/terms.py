"""The one place RDF terms become text.

Three spellings, each for its reader:

* `text(term)`: the plain value: an IRI's address, a literal's lexical form, `_:id` for a
  blank node (None stays None). What tables, CSV, JSON results and the explorer show.
* `ntriples(term)`: the term as N-Triples writes it (`<iri>`, `"lexical"`, `"lexical"@lang`,
  `"lexical"^^<datatype>`, `_:id`), for pyoxigraph and rdflib terms alike, so that reports
  made from either library compare equal. For pyoxigraph terms it is their `str()`.
* `turtle(term)` / `short_iri(iri)`: Turtle's short form with our prefixes
  (`product:tisagenlecleucel`, else `<full IRI>`); `compact_iri(iri)` is JSON-LD's, which
  allows more characters in a local part and leaves an IRI that fits no prefix as it is.

`sort_key(term)` orders terms for the deterministic writers: an IRI by its text (so a record
comes before the nodes below it), anything else by its N-Triples form.
"""

from __future__ import annotations

import re
from typing import Any

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode

from cgt_graph.graph.vocab import PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: a Turtle local name we write as prefix:local (letters, digits, `_`, `-`, inner `.`)
TURTLE_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$")
#: a JSON-LD compact IRI's suffix: anything without whitespace or `:`
JSONLD_LOCAL = re.compile(r"^[A-Za-z0-9_][^\s:]*$")

Prefixes = list[tuple[str, str]]


def by_length(prefixes: dict[str, str] | None = None) -> Prefixes:
    """(prefix, namespace) pairs, longest namespace first (so id/product/x becomes product:x,
    not id:...); `prefixes` adds to the fixed set of `emit.PREFIXES`."""
    return sorted({**PREFIXES, **(prefixes or {})}.items(), key=lambda kv: (-len(kv[1]), kv[0]))


OUR_PREFIXES = by_length()


def text(term: Any) -> str | None:
    """The plain value of a pyoxigraph or rdflib term; None for an unbound value."""
    if term is None:
        return None
    if isinstance(term, (NamedNode, Literal)):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term)  # rdflib IRIs and literals: their value


_NT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NT_SPECIAL = re.compile(r'[\\"\x00-\x1f\x7f]')


def _nt_escape(lexical: str) -> str:
    """Escape a lexical form as pyoxigraph's N-Triples writer does."""
    return _NT_SPECIAL.sub(lambda m: _NT_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04X}"), lexical)


def ntriples(term: Any) -> str | None:
    """The N-Triples form of a pyoxigraph or rdflib term; None for an unbound value."""
    if term is None:
        return None
    if isinstance(term, (NamedNode, BlankNode, Literal)):
        return str(term)
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    if isinstance(term, rdflib.Literal):
        quoted = f'"{_nt_escape(str(term))}"'
        if term.language:
            return f"{quoted}@{term.language}"
        if term.datatype is not None and str(term.datatype) != XSD_STRING:
            return f"{quoted}^^<{term.datatype}>"
        return quoted
    return str(term)


def sort_key(term: Any) -> str:
    """Sort key of the deterministic writers: an IRI by its text, else its N-Triples form."""
    return term.value if isinstance(term, NamedNode) else str(term)


def short_iri(iri: str, prefixes: Prefixes = OUR_PREFIXES) -> str:
    """Turtle: `product:tisagenlecleucel` where a prefix fits, else `<full IRI>`."""
    for prefix, ns in prefixes:
        if iri.startswith(ns) and TURTLE_LOCAL.match(iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def compact_iri(iri: str, prefixes: Prefixes = OUR_PREFIXES) -> str:
    """JSON-LD: `product:tisagenlecleucel` where a prefix fits, else the IRI as it is."""
    for prefix, ns in prefixes:
        if iri.startswith(ns) and JSONLD_LOCAL.match(iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def turtle(term: Any, prefixes: Prefixes = OUR_PREFIXES) -> str:
    """A pyoxigraph term in Turtle: IRIs and datatypes shortened with `prefixes`."""
    if isinstance(term, NamedNode):
        return short_iri(term.value, prefixes)
    if isinstance(term, Literal):
        if term.language or term.datatype.value == XSD_STRING:
            return str(term)
        return f"{Literal(term.value)}^^{short_iri(term.datatype.value, prefixes)}"
    if isinstance(term, BlankNode):
        return str(term)
    raise TypeError(f"cannot write {term!r} in Turtle")
