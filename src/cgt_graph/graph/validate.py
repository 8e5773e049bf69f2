"""SHACL violations as curator messages, and pyshacl as the reference the SPARQL validator is held to.

The build validates with the shapes compiled to SPARQL in Oxigraph (shacl_sparql.py).
Violations are mapped back to the data file and line of the record whose node broke
the shape through the side map the compile step builds (emit.record_locations: record
IRI -> file, line, id; nothing of it is in the RDF), so a curator sees the same kind of
message as for the Python checks. pyshacl runs only when asked (`--validator pyshacl`,
for comparison) and in the tests that prove both report the same violations.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from rdflib import RDF, Graph, Namespace, URIRef

from cgt_graph.curation.load import Problem
from cgt_graph.graph.emit import Location
from cgt_graph.graph.vocab import CGT
from cgt_graph.graph.shacl_sparql import Violation, rdflib_text

SH = Namespace("http://www.w3.org/ns/shacl#")

Lookup = Callable[[str], "Location | None"]
"""Record IRI -> (file, line, record id), e.g. `record_locations(records).get`."""


def load_shapes(ontology_dir: Path) -> Graph:
    g = Graph()
    for path in sorted(ontology_dir.glob("*shapes*.ttl")):
        g.parse(path, format="turtle")
    return g


def pyshacl_violations(data: Graph, shapes: Graph) -> list[Violation]:
    """Run pyshacl (inference off); one Violation per validation result."""
    from pyshacl import validate  # imported here: it is slow to import

    conforms, report, _text = validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
    )
    if conforms:
        return []
    assert isinstance(report, Graph)
    out: set[Violation] = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        if path is not None and not isinstance(path, URIRef):
            inv = report.value(path, SH.inversePath)
            shown = f"^<{inv}>" if inv is not None else str(path)
        else:
            shown = f"<{path}>" if path is not None else ""
        msg = report.value(result, SH.resultMessage)
        comp = report.value(result, SH.sourceConstraintComponent)
        value = report.value(result, SH.value)
        out.add(Violation(rdflib_text(focus) or "", shown,
                          str(comp).rsplit("#", 1)[-1] if comp else "violation",
                          rdflib_text(value), str(msg) if msg else ""))
    return sorted(out, key=lambda v: (v.focus, v.path, v.component, v.value or ""))


def shacl_problems(data: Graph, shapes: Graph, lookup: Lookup = lambda _iri: None) -> list[Problem]:
    """Run pyshacl; return one Problem per violation, located by record through `lookup`."""
    return problems_from(pyshacl_violations(data, shapes), lookup)


def problems_from(violations: list[Violation], lookup: Lookup) -> list[Problem]:
    """`file:line (record): [shacl:Component] focus path: message (value ...)` per violation."""
    out: list[Problem] = []
    for v in violations:
        file, line, record = _locate(lookup, v.focus)
        text = _short(v.focus)
        if v.path:
            text += f" {_short(v.path)}"
        text += f": {v.message}" if v.message else ""
        if v.value is not None:
            text += f" (value {_short(v.value)})"
        out.append(Problem(file, line, record, f"shacl:{v.component}", text))
    return sorted(out, key=lambda p: (p.file, p.line or 0, p.message))


def _short(node: str) -> str:
    s = node
    inverse = s.startswith("^")
    s = s.lstrip("^")
    if s.startswith("<") and s.endswith(">"):
        s = s[1:-1]
    for prefix, ns in (("cgt:", str(CGT)), ("id:", "https://w3id.org/cgt-graph/id/")):
        if s.startswith(ns):
            s = prefix + s[len(ns):]
            break
    s = ("^" if inverse else "") + s
    return s if len(s) < 80 else s[:77] + "..."


def _locate(lookup: Lookup, focus: str) -> tuple[str, int | None, str | None]:
    """The record (file, line, id) a focus node belongs to: the node itself, or the record whose
    IRI its IRI extends (citations, events, classification assignments, derived lag nodes)."""
    if focus.startswith("<") and focus.endswith(">"):
        candidate = focus[1:-1]
        while True:
            found = lookup(candidate)
            if found is not None:
                return found[0], found[1] or None, found[2] or None
            if "/" not in candidate.split("/id/", 1)[-1]:
                break
            candidate = candidate.rsplit("/", 1)[0]
    return ("<graph>", None, _short(focus))


def compiled_checks(ontology_dir: Path) -> list:
    """The shapes compiled to SPARQL checks (shacl_sparql.compile_shapes), kept between runs.

    Parsing shapes.ttl with rdflib and compiling it cost every `validate` and `build` about 0.1 CPU s
    (a fifth of the real graph's whole `validate`); the result depends only on the shapes files and
    the compiler's code, so it is cached under `$CGT_GRAPH_HOME/cache`, keyed by a hash of both
    (any change to either compiles again). A cache that cannot be read or written is ignored."""
    import hashlib
    import pickle

    from cgt_graph import paths
    from cgt_graph.graph import shacl_screen, shacl_sparql

    digest = hashlib.sha256()
    for path in [*sorted(ontology_dir.glob("*shapes*.ttl")), Path(shacl_sparql.__file__), Path(shacl_screen.__file__)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    cache = paths.home_dir() / "cache" / f"shapes-{digest.hexdigest()[:40]}.pickle"
    try:
        checks = pickle.loads(cache.read_bytes())  # noqa: S301 - written by this function, in the user's own home
        if isinstance(checks, list):
            return checks
    except Exception:  # noqa: BLE001 - absent, unreadable or from another version: compile again
        pass
    checks = shacl_sparql.compile_shapes(load_shapes(ontology_dir))
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(checks))
        os.replace(tmp, cache)
    except OSError:
        pass
    return checks
