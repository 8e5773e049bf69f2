"""`cgt-graph import`: a partner's RDF into its own named graph, checked before anything is written.

A partner file (Turtle, N-Triples, JSON-LD or RDF/XML) goes through, in this order:

1. size: refused over `max_bytes` (default 50 MB) before it is read;
2. encoding: UTF-8 only;
3. screening: RDF/XML with `<!DOCTYPE` or `<!ENTITY` (entity expansion, "billion laughs") and
   JSON-LD with any `@context` that is not an inline object (a URL, a list with a URL, `@import`)
   are refused before any RDF parser sees the bytes; JSON-LD is only ever parsed with inline contexts;
4. parsing (pyoxigraph's streaming parser, never rdflib): each statement is checked as it is read
   and the file refused at the first problem: syntax errors with their line; named graphs (one file,
   one graph); literals over `MAX_LITERAL_CHARS`; more than `MAX_TRIPLES` statements;
5. IRIs: only http, https and urn schemes; in our namespace `https://w3id.org/cgt-graph/` a partner
   may use ontology terms that exist and point at curated records that exist (as objects), but may not
   make statements about anything of ours: no subject in our namespace (ontology terms: classes,
   properties, concept schemes, the ontology itself; curated records under `/id/`), no subject the
   ontology describes, no statement that equates or extends our terms (owl:sameAs,
   owl:equivalentClass/Property, rdfs:subClassOf/subPropertyOf, owl:inverseOf with one of ours as
   object), and no new IRIs minted there. (Two triples about ontology terms were enough to double
   every authorisation row in the library's queries.)
6. SHACL: the partner's nodes typed with our classes (at most `MAX_VALIDATED_NODES`, else refused),
   with the partner statements reachable from them and the current graph (so references resolve),
   against ontology/shapes.ttl; violations refuse the file (the first `MAX_DETAILS` are listed).
   Blank nodes are validated under stand-in IRIs and reported as `_:id`.

Time and memory are bounded for any file under the size limit: a 50 MB file is read once into
memory, parsed in a stream, and only the nodes our shapes apply to go through pyshacl
(benchmarks/partner_import.py measures it).

Exit codes (cli): 2 for unreadable or unsafe input (1-5), 1 for shape violations (6), 3 when the store
cannot be written (read-only location, disk full): one line naming the cause, nothing changed.

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
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import (BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, parse,
                        serialize)

from cgt_graph import paths
from cgt_graph.errors import CgtError
from cgt_graph.graph import store as st
from cgt_graph.curation.checks import SLUG
from cgt_graph.graph.vocab import BASE, GRAPH, ONTOLOGY_GRAPH
from cgt_graph.sparql.tables import write_tables

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_TRIPLES = 2_000_000           # more statements than a 50 MB N-Triples file of short triples holds
MAX_LITERAL_CHARS = 100_000
MAX_VALIDATED_NODES = 5_000       # partner nodes typed with our classes (pyshacl: 3,000 took 12-24 s on 2 busy cores)
MAX_DETAILS = 50
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
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
REDEFINING = {OWL + "sameAs", OWL + "equivalentClass", OWL + "equivalentProperty", OWL + "inverseOf",
              RDFS + "subClassOf", RDFS + "subPropertyOf"}
SKOLEM = "https://partner.invalid/.well-known/genid/"  # blank nodes under validation only, never stored
_CHECKSUM_LINE = re.compile(rb'<' + re.escape(SPDX.encode()) + rb'checksumValue> "([0-9a-f]{64})"')


class ImportRefused(CgtError):
    """The file was refused; nothing was written. `code`: 2 unreadable/unsafe, 1 shape violations,
    3 the store cannot be written."""

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
    from rdflib import RDF, BNode, Graph
    from rdflib import Literal as RLiteral
    from rdflib import URIRef

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
    except RecursionError:
        raise ImportRefused(file, "the document is nested too deeply to read safely") from None
    current = st.open_read_only(store_path)  # StoreError when there is none
    name, graph = graph_name(partner, file)
    sha = hashlib.sha256(data).hexdigest()
    stored = imports_dir(store_path) / partner / f"{name}.nq"
    if stored.is_file() and _stored_checksum(stored) == sha:
        count = [int(q.object.value) for q in current.quads_for_pattern(
            NamedNode(graph), NamedNode("http://rdfs.org/ns/void#triples"), None, NamedNode(graph))
            if isinstance(q.object, Literal)]
        if count:
            return ImportReport(graph, count[0], sha, False, stored)
    curated, terms, context = _current(current, graph)
    del current
    try:
        triples = _parse_checked(file, data, fmt, curated, terms)
    except RecursionError:
        raise ImportRefused(file, "the document is nested too deeply to read safely") from None
    del data
    _shacl(file, triples, context, ontology_dir, text)
    del context, text
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    g = NamedNode(graph)
    partner_quads = [Quad(s, p, o, g) for s, p, o in triples + _provenance(graph, partner, file, sha, len(triples), now)]
    content = serialize(sorted(partner_quads, key=str), format=RdfFormat.N_QUADS)
    try:
        _publish(store_path, drop=lambda gname: gname == graph, add=partner_quads, write={stored: content})
    except StoreWriteError as exc:
        raise ImportRefused(file, str(exc), code=3) from None
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
    try:
        _publish(store_path, drop=lambda gname: gname.startswith(prefix), add=[],
                 write={p: None for p in sorted(folder.glob("*.nq"))} if folder.is_dir() else {})
    except StoreWriteError as exc:
        raise ImportRefused(partner, str(exc), code=3) from None
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


class StoreWriteError(Exception):
    """The store (or the kept imports beside it) could not be written; nothing was changed."""


def _why(exc: OSError) -> str:
    import errno

    reasons = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
               errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
               errno.EPERM: "permission denied"}
    reason = reasons.get(exc.errno or 0) or (exc.strerror or str(exc)[:200])
    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    return reason + where


def _publish(store_path: Path, drop, add: list[Quad], write: dict[Path, bytes | None]) -> None:
    """New store = current minus dropped graphs plus `add`; kept files written/removed; atomic switch.
    Kept files are written under temporary names first and put in place only once the store is
    published, so a failure (disk full, read-only) leaves both as they were: StoreWriteError."""
    build_dir: Path | None = None
    temps: dict[Path, Path] = {}
    made: list[Path] = []
    published = False
    try:
        with st.build_lock(store_path):
            current = st.open_read_only(store_path)
            keep = [q for q in current.quads_for_pattern(None, None, None, None)
                    if not (isinstance(q.graph_name, NamedNode) and drop(q.graph_name.value))]
            del current
            nquads = serialize(keep + add, format=RdfFormat.N_QUADS)
            assert nquads is not None  # serialize returns the bytes when given no output
            del keep
            for path, content in write.items():
                if content is None:
                    continue
                for folder in reversed([path.parent, *path.parent.parents]):
                    if not folder.exists():
                        folder.mkdir()
                        made.append(folder)
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                temps[path] = tmp
                with open(tmp, "wb") as fh:
                    fh.write(content)
                    fh.flush()
                    os.fsync(fh.fileno())
            build_dir = st.new_build_dir(store_path)
            loaded = st.bulk_load(build_dir, nquads)
            write_tables(loaded, build_dir)  # the tables answer with the partner graphs too
            del loaded
            st.publish(store_path, build_dir)
            published = True
            for path, content in write.items():
                if content is None:
                    path.unlink(missing_ok=True)
                else:
                    os.replace(temps.pop(path), path)
    except OSError as exc:
        if build_dir is not None and not published:
            shutil.rmtree(build_dir, ignore_errors=True)
        for tmp in temps.values():
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
        temps.clear()
        for folder in reversed(made):
            try:
                folder.rmdir()
            except OSError:
                pass
        raise StoreWriteError(f"cannot write the store at {store_path}: {_why(exc)}") from None
    finally:
        for tmp in temps.values():
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
