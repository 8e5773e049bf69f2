"""The import itself: `import_file`, `remove`, `partner_graphs`, and republishing the store with
the partner graphs (new build directory, atomic switch, under the build lock)."""

from __future__ import annotations

import datetime
import hashlib
import os
import shutil
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, serialize

from cgt_graph import paths
from cgt_graph.sparql.tables import write_tables
from cgt_graph.curation.checks import SLUG
from cgt_graph.graph import store as st
from cgt_graph.graph.vocab import ONTOLOGY_GRAPH
from cgt_graph.publish.partner_import.common import (_CHECKSUM_LINE, DEFAULT_MAX_BYTES, FORMATS, OUR_IDS,
                                                     PARTNER_GRAPH, PROV, RDF_FORMATS, RDF_TYPE, SPDX, ImportRefused,
                                                     ImportReport, graph_name, imports_dir)
from cgt_graph.publish.partner_import.screen import _parse_checked, _read, _screen_jsonld, _screen_rdfxml
from cgt_graph.publish.partner_import.validate import _shacl

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
