"""The N-Quads writer behind the emitter: record fields to N-Quads lines in one file's named
graph, citations as qualified derivations, dates with their sort date and precision."""

from __future__ import annotations

from typing import Any

from rdflib import URIRef

from cgt_graph.curation.checks import Index, parse_date
from cgt_graph.graph.vocab import CGT, PROV, RDF, _DATE_TYPES, _PRECISION, _SORT_DATE, _XSD_DATE, iri, nt_term


class Emitter:
    """Turns record fields into N-Quads lines in one file's named graph (no rdflib graph is made).

    Lines are kept in insertion order without duplicates, as a graph would hold them.
    """

    def __init__(self, idx: Index, graph: str):
        self.idx = idx
        self.suffix = f" <{graph}> .\n"
        self.lines: dict[str, None] = {}

    def add(self, s: Any, p: Any, o: Any) -> None:
        if o is None or o == "":
            return
        self.lines[f"<{s}> <{p}> {nt_term(o)}{self.suffix}"] = None

    def date(self, s: URIRef, p: URIRef, value: Any, sort: bool = False) -> None:
        """A date with the datatype of its precision; with sort, also cgt:sortDate (its period's
        first day) and cgt:datePrecision."""
        if value is None:
            return
        text = str(value)
        parsed = parse_date(text)
        if parsed is None:  # pragma: no cover - checked before
            raise ValueError(text)
        lines, suffix = self.lines, self.suffix
        lines[f'<{s}> <{p}> "{text}"^^<{_DATE_TYPES[parsed[1]]}>{suffix}'] = None
        if sort:
            lines[f'<{s}> <{_SORT_DATE}> "{parsed[0].isoformat()}"^^<{_XSD_DATE}>{suffix}'] = None
            lines[f'<{s}> <{_PRECISION}> "{parsed[1]}"{suffix}'] = None

    def citations(self, subject: URIRef, cites: Any, slot: str = "citation") -> None:
        seen: dict[str, int] = {}
        for c in cites or []:
            src = iri("source", str(c["source"]))
            n = seen[c["source"]] = seen.get(c["source"], 0) + 1
            node = URIRef(f"{subject}/{slot}/{c['source']}" + (f"-{n}" if n > 1 else ""))
            self.add(subject, PROV.wasDerivedFrom, src)
            self.add(subject, PROV.qualifiedDerivation, node)
            self.add(node, RDF.type, CGT.Citation)
            self.add(node, PROV.entity, src)
            self.add(node, CGT.quote, str(c["quote"]).strip())
            conf = c.get("confidence") or self._default_confidence(str(c["source"]))
            self.add(node, CGT.confidence, CGT[conf])

    def _default_confidence(self, source_id: str) -> str:
        src = self.idx.get("source", source_id)
        ev = src.data.get("evidence") if src else None
        return "high" if ev in ("official", "peer-reviewed") else "low"
