"""`cgt-graph release`: a versioned folder partners can download, check and diff.

    <out>/<version>/
      cgt-graph.ttl  .nt  .nq  .trig  .jsonld    every RDF export (N-Quads/TriG: one named graph per data file)
      context.jsonld                             the published JSON-LD context (also inline in cgt-graph.jsonld)
      tables/{authorisations,products,pathways,classes,sources}.csv
      fhir/regulated-authorizations.json         FHIR R5 Bundle (collection) of RegulatedAuthorization
      ontology/cgt.ttl, ontology/shapes.ttl, ontology/index.html (pyLODE)
      void.ttl                                   VoID + DCAT description: version, date, licence, counts, sources
      SHA256SUMS                                 sha256sum -c format, every file above

The folder is written under a temporary name beside the target and renamed into
place: a release is there complete or not at all. Every byte depends only on the
data, the version and the date, so two releases of the same data with the same
version and date are identical.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections import Counter
from functools import partial
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pyoxigraph import Literal, NamedNode, Quad, Store

from cgt_graph import paths
from cgt_graph.errors import CgtError, missing_extra, require_extra
from cgt_graph.publish import canonical, jsonld, tables
from cgt_graph.graph import store as st
from cgt_graph.graph.vocab import BASE, GRAPH, ONTOLOGY_GRAPH
from cgt_graph.graph.terms import RDF_TYPE
from cgt_graph.progress import ticker

VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
ONTOLOGY = BASE + "ontology"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
MEDIA = {".ttl": "text/turtle", ".nt": "application/n-triples", ".nq": "application/n-quads",
         ".trig": "application/trig", ".jsonld": "application/ld+json", ".csv": "text/csv",
         ".json": "application/fhir+json", ".html": "text/html"}


class ReleaseError(CgtError):
    """The release cannot be written (bad version or date, already exists): exit code 2."""


@dataclass
class ReleaseReport:
    path: Path
    triples: int
    quads: int
    entities: int
    files: dict[str, int]


def render(store: Store, version: str, date: str, ontology_dir: Path | None = None,
           progress: Callable[[str], None] | None = None) -> tuple[dict[str, bytes], dict]:
    """Every file of the release as bytes (relative path -> content), and the counts."""
    from cgt_graph.publish.fhir import fhir_json  # the release extra (fhir.resources)

    ontology_dir = ontology_dir or paths.ontology_dir()
    build = st.build_of(store)
    partners = any(isinstance(g, NamedNode) and g.value.startswith(str(GRAPH) + "partner/")
                   for g in store.named_graphs())
    store = canonical.curated_store(store)  # partner graphs stay out of releases
    if build is not None and not partners:  # the same graphs: the build's materialised tables answer
        st.remember(store, build)
    quads = canonical.data_quads(store)
    makers: dict[str, Callable[[], bytes]] = {
        "cgt-graph.nt": lambda: canonical.ntriples(quads),
        "cgt-graph.nq": lambda: canonical.nquads(quads),
        "cgt-graph.ttl": lambda: canonical.turtle(quads),
        "cgt-graph.trig": lambda: canonical.trig(quads),
        "cgt-graph.jsonld": lambda: jsonld.jsonld(quads),
        "context.jsonld": jsonld.context_document,
        "fhir/regulated-authorizations.json": lambda: fhir_json(store),
        "ontology/cgt.ttl": (ontology_dir / "cgt.ttl").read_bytes,
        "ontology/shapes.ttl": (ontology_dir / "shapes.ttl").read_bytes,
        "ontology/index.html": lambda: ontology_html(ontology_dir / "cgt.ttl"),
    }
    for t in tables.TABLES:
        makers[f"tables/{t}.csv"] = partial(tables.table_csv, store, t)
    tick = ticker(progress, "release", len(makers) + 1, "file")
    files: dict[str, bytes] = {}
    for name, make in makers.items():
        files[name] = make()
        tick()
    counts = statistics(quads)
    files["void.ttl"] = void(store, quads, counts, version, date, files)
    tick()
    files["SHA256SUMS"] = "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n"
                                  for name in sorted(files)).encode()
    return files, counts


def release(store: Store, out: Path, version: str, date: str, ontology_dir: Path | None = None,
            progress: Callable[[str], None] | None = None) -> ReleaseReport:
    require_extra("release", "a release", "pylode", "fhir.resources")
    if not VERSION.match(version):
        raise ReleaseError(f"version must be letters, digits, '.', '_' or '-' (got {version!r})")
    if not DATE.match(date):
        raise ReleaseError(f"date must be YYYY-MM-DD (got {date!r})")
    target = out / version
    if target.exists():
        raise ReleaseError(f"{target} already exists; releases are never overwritten (choose another --version)")
    files, counts = render(store, version, date, ontology_dir, progress)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{version}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        for name, content in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ReleaseReport(target, counts["triples"], counts["quads"], counts["entities"],
                         {n: len(c) for n, c in sorted(files.items())})


def statistics(quads: list[Quad]) -> dict:
    triples = canonical.triples_of(quads)
    classes: Counter[str] = Counter()
    typed: set[str] = set()
    for s, p, o in triples:
        if p.value == RDF_TYPE and isinstance(s, NamedNode) and isinstance(o, NamedNode):
            classes[o.value] += 1
            typed.add(s.value)
    graphs = Counter(q.graph_name.value for q in quads if isinstance(q.graph_name, NamedNode))
    return {"triples": len(triples), "quads": len(quads), "entities": len(typed),
            "subjects": len({t[0] for t in triples}), "properties": len({t[1] for t in triples}),
            "classes": dict(sorted(classes.items())), "graphs": dict(sorted(graphs.items()))}


def void(store: Store, quads: list[Quad], counts: dict, version: str, date: str, files: dict[str, bytes]) -> bytes:
    """The VoID/DCAT description of the release."""
    ds = NamedNode(f"{BASE}release/{version}")
    out: list[tuple] = []

    def add(s, p: str, o) -> None:
        out.append((s, NamedNode(p), o))

    def lit(v: object, dtype: str | None = None) -> Literal:
        return Literal(str(v), datatype=NamedNode(dtype)) if dtype else Literal(str(v))

    integer = XSD + "integer"
    add(ds, RDF_TYPE, NamedNode(VOID + "Dataset"))
    add(ds, RDF_TYPE, NamedNode(DCAT + "Dataset"))
    add(ds, DCT + "title", Literal("cgt-graph: the cell and gene therapy regulatory landscape", language="en"))
    add(ds, DCT + "description", Literal(
        "Marketing authorisations, products, pathways, designations, classifications, policies and claims in "
        "cell and gene therapy regulation, every fact with its source (PROV-O).", language="en"))
    add(ds, OWL + "versionInfo", lit(version))
    add(ds, DCAT + "version", lit(version))
    add(ds, DCT + "issued", lit(date, XSD + "date"))
    add(ds, DCT + "license", NamedNode(LICENCE))
    add(ds, DCT + "conformsTo", NamedNode(ONTOLOGY))
    add(ds, VOID + "vocabulary", NamedNode(BASE + "ontology#"))
    add(ds, VOID + "uriSpace", lit(BASE + "id/"))
    add(ds, VOID + "triples", lit(counts["triples"], integer))
    add(ds, VOID + "entities", lit(counts["entities"], integer))
    add(ds, VOID + "distinctSubjects", lit(counts["subjects"], integer))
    add(ds, VOID + "properties", lit(counts["properties"], integer))
    add(ds, VOID + "classes", lit(len(counts["classes"]), integer))
    add(ds, VOID + "dataDump", NamedNode(f"{BASE}release/{version}/cgt-graph.nt"))
    for cls, n in counts["classes"].items():
        part = NamedNode(f"{ds.value}/class/{cls.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}")
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", NamedNode(cls))
        add(part, VOID + "entities", lit(n, integer))
    for graph, n in counts["graphs"].items():
        sub = NamedNode(f"{ds.value}/{graph[len(BASE):]}")
        add(ds, VOID + "subset", sub)
        add(sub, RDF_TYPE, NamedNode(VOID + "Dataset"))
        add(sub, DCT + "identifier", NamedNode(graph))
        add(sub, VOID + "triples", lit(n, integer))
    # the sources used: every cited source record
    entity = NamedNode("http://www.w3.org/ns/prov#entity")
    for src in sorted({q.object.value for q in quads if q.predicate == entity and isinstance(q.object, NamedNode)}):
        add(ds, DCT + "source", NamedNode(src))
    for name in sorted(files):
        if name in ("void.ttl", "SHA256SUMS"):
            continue
        dist = NamedNode(f"{ds.value}/{name}")
        add(ds, DCAT + "distribution", dist)
        add(dist, RDF_TYPE, NamedNode(DCAT + "Distribution"))
        add(dist, DCAT + "downloadURL", dist)
        add(dist, DCAT + "mediaType", NamedNode("https://www.iana.org/assignments/media-types/"
                                                 + MEDIA[Path(name).suffix]))
        add(dist, DCAT + "byteSize", lit(len(files[name]), integer))
    # the ontology version the data was built with (from the store's ontology graph)
    onto = NamedNode(ONTOLOGY)
    for pred in (OWL + "versionInfo", OWL + "versionIRI"):
        for q in store.quads_for_pattern(onto, NamedNode(pred), None, NamedNode(str(ONTOLOGY_GRAPH))):
            add(onto, pred, q.object)
    add(onto, RDF_TYPE, NamedNode(OWL + "Ontology"))
    graph = NamedNode(f"{BASE}graph/void")
    return canonical.turtle([Quad(s, p, o, graph) for s, p, o in out],
                            {"void": VOID, "dcat": DCAT})


def ontology_html(path: Path) -> bytes:
    """Ontology documentation as one self-contained HTML page (pyLODE, offline)."""
    import logging

    try:
        from pylode import OntPub
    except ImportError:
        raise missing_extra("pylode", "release", "a release") from None

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))
    return OntPub(ontology=str(path)).make_html().encode("utf-8")
