"""`cgt-graph import`: a partner's RDF into its own named graph, checked before anything is written.

A partner file (Turtle, N-Triples, JSON-LD or RDF/XML) goes through, in this order:

1. size: refused over `max_bytes` (default 50 MB) before it is read;
2. encoding: UTF-8 only;
3. screening: RDF/XML with `<!DOCTYPE` or `<!ENTITY` (entity expansion, "billion laughs") and
   JSON-LD with any `@context` that is not an inline object (a URL, a list with a URL, `@import`)
   are refused before any RDF parser sees the bytes; JSON-LD is only ever parsed with inline contexts;
4. parsing (pyoxigraph): syntax errors with their line; named graphs are refused (one file, one graph);
5. IRIs: only http, https and urn schemes; in our namespace `https://w3id.org/cgt-graph/` a partner
   may use ontology terms that exist and point at curated records that exist (as objects), but may not
   make statements about a curated record (no subject under `/id/`) nor mint IRIs there;
6. SHACL: the partner's triples together with the current graph (so references resolve) against
   ontology/shapes.ttl; violations on the partner's nodes refuse the file.

Exit codes (cli): 2 for unreadable or unsafe input (1-5), 1 for shape violations (6).

Accepted triples go into `https://w3id.org/cgt-graph/graph/partner/<partner>/<name>` (name: the
file's stem as a slug) with provenance in the same graph: prov:wasAttributedTo the partner,
prov:generatedAtTime, dct:source (the file name), spdx:checksum (sha256). The graph is kept as
canonical N-Quads in `<store>.imports/<partner>/<name>.nq`, so `cgt-graph build` includes it again;
the store is republished the way a build publishes it (new directory, atomic switch, under the build
lock). Importing the same bytes again changes nothing; a changed file under the same name replaces
its graph; `remove(partner)` takes all of a partner's graphs out.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import (BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, parse,
                        serialize)

from cgt_graph import paths
from cgt_graph.errors import CgtError
from cgt_graph.graph import store as st
from cgt_graph.curation.checks import SLUG
from cgt_graph.graph.emit import BASE, GRAPH, ONTOLOGY_GRAPH
from cgt_graph.sparql.tables import write_tables

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
ALLOWED_SCHEMES = ("http", "https", "urn")
FORMATS = {".ttl": "turtle", ".nt": "ntriples", ".jsonld": "jsonld", ".json": "jsonld",
           ".rdf": "rdfxml", ".xml": "rdfxml", ".owl": "rdfxml"}
RDF_FORMATS = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES, "jsonld": RdfFormat.JSON_LD,
               "rdfxml": RdfFormat.RDF_XML}
PARTNER_GRAPH = str(GRAPH) + "partner/"
OUR_IDS = BASE + "id/"
OUR_TERMS = BASE + "ontology#"
PROV = "http://www.w3.org/ns/prov#"
SPDX = "http://spdx.org/rdf/terms#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_CHECKSUM_LINE = re.compile(rb'<' + re.escape(SPDX.encode()) + rb'checksumValue> "([0-9a-f]{64})"')


class ImportRefused(CgtError):
    """The file was refused; nothing was written. `code`: 2 unreadable/unsafe, 1 shape violations."""

    def __init__(self, file: Path | str, reason: str, code: int = 2, details: list[str] | None = None):
        self.file, self.reason = str(file), reason
        super().__init__(f"refused {file}: {reason}", code, details or [], note="nothing was written.")


@dataclass
class ImportReport:
    graph: str
    triples: int
    sha256: str
    changed: bool
    stored: Path | None


def imports_dir(store_path: Path) -> Path:
    """Accepted partner graphs, beside the store (like `<store>.builds`)."""
    return store_path.with_name(store_path.name + ".imports")


def stored_nquads(store_path: Path) -> bytes:
    """Every accepted partner graph as N-Quads: the build hook that keeps imports across rebuilds."""
    root = imports_dir(store_path)
    if not root.is_dir():
        return b""
    return b"".join(p.read_bytes() for p in sorted(root.glob("*/*.nq")))


def graph_name(partner: str, file: Path) -> tuple[str, str]:
    name = re.sub(r"[^a-z0-9]+", "-", file.stem.lower()).strip("-") or "data"
    return name, f"{PARTNER_GRAPH}{partner}/{name}"


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

def _parse(file: Path, data: bytes, fmt: str) -> list[tuple]:
    try:
        quads = list(parse(input=data, format=RDF_FORMATS[fmt]))
    except SyntaxError as exc:
        raise ImportRefused(file, f"not valid {fmt}: {exc}") from None
    except ValueError as exc:
        raise ImportRefused(file, f"not valid {fmt}: {exc}") from None
    if any(not isinstance(q.graph_name, DefaultGraph) for q in quads):
        raise ImportRefused(file, "the file has named graphs; send one graph per file")
    if not quads:
        raise ImportRefused(file, "the file holds no triples")
    return sorted({(q.subject, q.predicate, q.object) for q in quads},
                  key=lambda t: (str(t[0]), str(t[1]), str(t[2])))


def _iris(term) -> list[str]:
    if isinstance(term, NamedNode):
        return [term.value]
    if isinstance(term, Literal):
        return [term.datatype.value]
    return []


def _check_iris(file: Path, triples: list[tuple], curated: set[str], terms: set[str]) -> None:
    for s, p, o in triples:
        for position, term in (("subject", s), ("predicate", p), ("object", o)):
            for iri in _iris(term):
                scheme = iri.split(":", 1)[0].lower()
                if scheme not in ALLOWED_SCHEMES:
                    raise ImportRefused(file, f"IRI outside the allowed schemes ({', '.join(ALLOWED_SCHEMES)}): "
                                              f"<{iri}> ({position} of {s} {p} {o})")
                if not iri.startswith(BASE):
                    continue
                if iri.startswith(OUR_TERMS):
                    if iri not in terms:
                        raise ImportRefused(file, f"<{iri}> is not a term of the cgt-graph ontology ({position})")
                elif iri.startswith(OUR_IDS) and iri in curated:
                    if position == "subject":
                        raise ImportRefused(file, f"statements about our curated record <{iri}> are refused: "
                                                  "a partner file may point at our records, not change them "
                                                  "(write <your node> ... <our record>)")
                else:
                    raise ImportRefused(file, f"<{iri}> is in the cgt-graph namespace but names nothing we "
                                              f"published ({position}); mint IRIs in your own namespace")


def _line_hint(text: str, node: object) -> str:
    """' (line N)': where the node first appears in the file, written in full or as prefix:local."""
    iri = str(node)
    local = re.split(r"[/#]", iri)[-1]
    patterns = [re.escape(f"<{iri}>"), re.escape(f'"{iri}"')]
    if local:
        patterns.append(r"[A-Za-z0-9_-]*:" + re.escape(local) + r"(?![\w.-])")
    for pattern in patterns:
        m = re.search(pattern, text)
        if m:
            return f" (line {_line_of(text, m.start())})"
    return ""


def _shacl(file: Path, triples: list[tuple], context: list[Quad], ontology_dir: Path, text: str = "") -> None:
    """Partner triples + the current graph (data and ontology) against our shapes; focus on the partner's nodes."""
    from pyshacl import validate
    from rdflib import RDF, BNode, Graph
    from rdflib import Literal as RLiteral
    from rdflib import URIRef

    from cgt_graph.graph.validate import SH, _short, load_shapes

    def conv(term):
        if isinstance(term, NamedNode):
            return URIRef(term.value)
        if isinstance(term, BlankNode):
            return BNode(term.value)
        if term.language:
            return RLiteral(term.value, lang=term.language)
        if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            return RLiteral(term.value)  # rdflib's plain literal, as our own build makes them (sh:in compares terms)
        return RLiteral(term.value, datatype=URIRef(term.datatype.value))

    g = Graph()
    for q in context:
        g.add((conv(q.subject), conv(q.predicate), conv(q.object)))
    focus = set()
    for s, p, o in triples:
        g.add((conv(s), conv(p), conv(o)))
        focus.add(conv(s))
    conforms, report, _ = validate(g, shacl_graph=load_shapes(ontology_dir), inference="none", advanced=True,
                                   allow_warnings=True, focus_nodes=sorted(focus))
    if conforms:
        return
    details = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        node, path = report.value(result, SH.focusNode), report.value(result, SH.resultPath)
        msg, value = report.value(result, SH.resultMessage), report.value(result, SH.value)
        line = f"{_short(node)}{_line_hint(text, node)}" + (f" {_short(path)}" if path is not None else "")
        line += f": {msg}" if msg else ""
        details.append(line + (f" (value {_short(value)})" if value is not None else ""))
    details.sort()
    raise ImportRefused(file, f"{len(details)} SHACL violation{'s' if len(details) != 1 else ''} against our shapes",
                        code=1, details=details)


# ---------------------------------------------------------------- the import

def _provenance(graph: str, partner: str, file: Path, sha: str, n: int, now: str) -> list[tuple]:
    g, agent = NamedNode(graph), NamedNode(f"{OUR_IDS}partner/{partner}")
    checksum = NamedNode(f"{graph}/checksum")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    return [
        (g, NamedNode(RDF_TYPE), NamedNode(PROV + "Entity")),
        (g, NamedNode(PROV + "wasAttributedTo"), agent),
        (g, NamedNode(PROV + "generatedAtTime"), Literal(now, datatype=NamedNode(xsd + "dateTime"))),
        (g, NamedNode("http://purl.org/dc/terms/source"), Literal(file.name)),
        (g, NamedNode("http://rdfs.org/ns/void#triples"), Literal(str(n), datatype=NamedNode(xsd + "integer"))),
        (g, NamedNode(SPDX + "checksum"), checksum),
        (checksum, NamedNode(RDF_TYPE), NamedNode(SPDX + "Checksum")),
        (checksum, NamedNode(SPDX + "algorithm"), NamedNode(SPDX + "checksumAlgorithm_sha256")),
        (checksum, NamedNode(SPDX + "checksumValue"), Literal(sha)),
        (agent, NamedNode(RDF_TYPE), NamedNode(PROV + "Agent")),
        (agent, NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), Literal(partner)),
    ]


def import_file(file: Path, partner: str, store_path: Path | None = None, fmt: str | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES, now: str | None = None,
                ontology_dir: Path | None = None) -> ImportReport:
    """Check `file` and publish a store with it as the partner's graph. Raises ImportRefused (nothing written)."""
    store_path = store_path or paths.store_dir()
    ontology_dir = ontology_dir or paths.ontology_dir()
    if not SLUG.match(partner):
        raise ImportRefused(file, f"partner must be a lowercase slug (a-z, 0-9, -), got {partner!r}")
    fmt = fmt or FORMATS.get(file.suffix.lower())
    if fmt not in RDF_FORMATS:
        raise ImportRefused(file, f"unknown format; give --format ({', '.join(RDF_FORMATS)}) or use one of the "
                                  f"extensions {', '.join(sorted(FORMATS))}")
    data = _read(file, max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportRefused(file, f"not UTF-8 (byte {exc.start})") from None
    try:
        if fmt == "rdfxml":
            _screen_rdfxml(file, text)
        if fmt == "jsonld":
            _screen_jsonld(file, text)
        triples = _parse(file, data, fmt)
    except RecursionError:
        raise ImportRefused(file, "the document is nested too deeply to read safely") from None
    current = st.open_read_only(store_path)  # StoreError when there is none
    name, graph = graph_name(partner, file)
    sha = hashlib.sha256(data).hexdigest()
    stored = imports_dir(store_path) / partner / f"{name}.nq"
    if stored.is_file() and _stored_checksum(stored) == sha and any(
            True for _ in current.quads_for_pattern(None, None, None, NamedNode(graph))):
        return ImportReport(graph, len(triples), sha, False, stored)
    curated, terms, context = _current(current, graph)
    _check_iris(file, triples, curated, terms)
    _shacl(file, triples, context, ontology_dir, text)
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    g = NamedNode(graph)
    partner_quads = [Quad(s, p, o, g) for s, p, o in triples + _provenance(graph, partner, file, sha, len(triples), now)]
    content = serialize(sorted(partner_quads, key=str), format=RdfFormat.N_QUADS)
    _publish(store_path, drop=lambda gname: gname == graph, add=partner_quads,
             write={stored: content})
    return ImportReport(graph, len(triples), sha, True, stored)


def remove(partner: str, store_path: Path | None = None) -> int:
    """Take every graph of `partner` out of the store and out of the kept imports. Returns quads removed."""
    store_path = store_path or paths.store_dir()
    if not SLUG.match(partner):
        raise ImportRefused(partner, f"partner must be a lowercase slug, got {partner!r}")
    prefix = f"{PARTNER_GRAPH}{partner}/"
    current = st.open_read_only(store_path)
    n = sum(1 for g in current.named_graphs() if isinstance(g, NamedNode) and g.value.startswith(prefix)
            for _ in current.quads_for_pattern(None, None, None, g))
    folder = imports_dir(store_path) / partner
    if n == 0 and not folder.exists():
        raise ImportRefused(partner, f"no graphs of partner {partner!r} to remove")
    _publish(store_path, drop=lambda gname: gname.startswith(prefix), add=[],
             write={p: None for p in sorted(folder.glob("*.nq"))} if folder.is_dir() else {})
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
    return n


def partner_graphs(store: Store) -> list[tuple[str, int]]:
    out = []
    for g in store.named_graphs():
        if isinstance(g, NamedNode) and g.value.startswith(PARTNER_GRAPH):
            out.append((g.value, sum(1 for _ in store.quads_for_pattern(None, None, None, g))))
    return sorted(out)


def _stored_checksum(path: Path) -> str | None:
    m = _CHECKSUM_LINE.search(path.read_bytes())
    return m.group(1).decode() if m else None


def _current(store: Store, replacing: str) -> tuple[set[str], set[str], list[Quad]]:
    """Curated IRIs, ontology terms, and the quads validation sees (all but the graph being replaced)."""
    curated: set[str] = set()
    terms: set[str] = set()
    context = []
    for q in store.quads_for_pattern(None, None, None, None):
        gname = q.graph_name.value if isinstance(q.graph_name, NamedNode) else ""
        if gname == replacing:
            continue
        context.append(q)
        if gname == str(ONTOLOGY_GRAPH):
            if isinstance(q.subject, NamedNode):
                terms.add(q.subject.value)
        elif not gname.startswith(PARTNER_GRAPH) and isinstance(q.subject, NamedNode):
            curated.add(q.subject.value)
    return curated, terms, context


def _publish(store_path: Path, drop, add: list[Quad], write: dict[Path, bytes | None]) -> None:
    """New store = current minus dropped graphs plus `add`; kept files written/removed; atomic switch."""
    with st.build_lock(store_path):
        current = st.open_read_only(store_path)
        keep = [q for q in current.quads_for_pattern(None, None, None, None)
                if not (isinstance(q.graph_name, NamedNode) and drop(q.graph_name.value))]
        del current
        nquads = serialize(keep + add, format=RdfFormat.N_QUADS)
        assert nquads is not None  # serialize returns the bytes when given no output
        build_dir = st.new_build_dir(store_path)
        loaded = st.bulk_load(build_dir, nquads)
        write_tables(loaded, build_dir)  # the tables answer with the partner graphs too
        del loaded
        for path, content in write.items():
            if content is None:
                path.unlink(missing_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        st.publish(store_path, build_dir)
