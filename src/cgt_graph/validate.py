"""SHACL validation of the built RDF with pyshacl (inference off).

Violations are mapped back to the data file and line of the record whose node
broke the shape, so a curator sees the same kind of message as for the
Python checks.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import RDF, Graph, Namespace, URIRef

from .load import Problem
from .rdf import CGT

SH = Namespace("http://www.w3.org/ns/shacl#")


def load_shapes(ontology_dir: Path) -> Graph:
    g = Graph()
    for path in sorted(ontology_dir.glob("*shapes*.ttl")):
        g.parse(path, format="turtle")
    return g


def shacl_problems(data: Graph, shapes: Graph) -> list[Problem]:
    """Run pyshacl; return one Problem per violation, located by record."""
    from pyshacl import validate  # imported here: it is slow to import

    conforms, report, _text = validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
    )
    if conforms:
        return []
    assert isinstance(report, Graph)
    out: list[Problem] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        msg = report.value(result, SH.resultMessage)
        comp = report.value(result, SH.sourceConstraintComponent)
        value = report.value(result, SH.value)
        file, line, record = _locate(data, focus)
        rule = "shacl:" + (str(comp).rsplit("#", 1)[-1] if comp else "violation")
        text = f"{_short(focus)}"
        if path is not None:
            text += f" {_short(path)}"
        text += f": {msg}" if msg else ""
        if value is not None:
            text += f" (value {_short(value)})"
        out.append(Problem(file, line, record, rule, text))
    return sorted(out, key=lambda p: (p.file, p.line or 0, p.message))


def _short(node: object) -> str:
    s = str(node)
    for prefix, ns in (("cgt:", str(CGT)), ("id:", "https://w3id.org/cgt-graph/id/")):
        if s.startswith(ns):
            return prefix + s[len(ns):]
    return s if len(s) < 80 else s[:77] + "..."


def _locate(data: Graph, focus: object) -> tuple[str, int | None, str | None]:
    """The record (file, line, id) a focus node belongs to."""
    if isinstance(focus, URIRef):
        candidate = str(focus)
        while True:
            loc = data.value(URIRef(candidate), CGT.recordLocation)
            if loc is not None:
                file, _, line = str(loc).rpartition(":")
                code = data.value(URIRef(candidate), CGT.code)
                return file, int(line) if line.isdigit() else None, str(code) if code else None
            if "/" not in candidate.split("/id/", 1)[-1]:
                break
            candidate = candidate.rsplit("/", 1)[0]
            if candidate.endswith("/citation") or candidate.endswith("/event"):
                candidate = candidate.rsplit("/", 1)[0]
    return ("<graph>", None, _short(focus))
