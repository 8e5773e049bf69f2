"""The pipeline: data files -> records -> checks -> RDF -> SHACL -> Oxigraph.

`compile_data` stops at validated RDF (what `cgt-graph validate` runs);
`build` also loads a new store and publishes it atomically.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from rdflib import Dataset, Graph

from . import paths
from . import store as st
from .checks import Index, check
from .load import DataError, Problem, load_records
from .partner_import import stored_nquads
from .rdf import ONTOLOGY_GRAPH, to_dataset
from .validate import load_shapes, shacl_problems

Progress = Callable[[str], None]


@dataclass
class Compiled:
    dataset: Dataset
    triples: int
    timings: dict[str, float] = field(default_factory=dict)


def _quiet(_: str) -> None:
    pass


def compile_data(data_dir: Path | None = None, ontology_dir: Path | None = None,
                 progress: Progress = _quiet, shacl: bool = True) -> Compiled:
    """Parse, check, make RDF and validate. Raises DataError with every problem."""
    data_dir = data_dir or paths.data_dir()
    ontology_dir = ontology_dir or paths.ontology_dir()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    progress(f"reading {data_dir}")
    try:
        records, problems = load_records(data_dir)
    except DataError as exc:
        raise DataError(_relocate(exc.problems, data_dir)) from None
    if problems:
        raise DataError(_relocate(problems, data_dir))
    problems = check(records)
    timings["parse"] = time.perf_counter() - t0
    if problems:
        raise DataError(_relocate(problems, data_dir))
    progress(f"{len(records)} records checked; making RDF")
    t1 = time.perf_counter()
    idx = Index(records)
    ontology = Graph()
    ontology.parse(ontology_dir / "cgt.ttl", format="turtle")
    shapes = load_shapes(ontology_dir)
    ds = to_dataset(records, idx, ontology)
    timings["rdf"] = time.perf_counter() - t1
    data_triples = sum(len(g) for g in ds.graphs() if g.identifier != ONTOLOGY_GRAPH)
    if shacl:
        progress(f"validating {data_triples} triples against SHACL shapes")
        t2 = time.perf_counter()
        flat = Graph()  # data and ontology: the fixed vocabularies live in the ontology
        for g in ds.graphs():
            for t in g:
                flat.add(t)
        problems = shacl_problems(flat, shapes)
        timings["shacl"] = time.perf_counter() - t2
        if problems:
            raise DataError(_relocate(problems, data_dir))
    return Compiled(ds, data_triples, timings)


def _relocate(problems: list[Problem], data_dir: Path) -> list[Problem]:
    """Show files as the user can open them: relative to the working directory."""
    try:
        shown = data_dir.resolve().relative_to(Path.cwd())
    except ValueError:
        shown = data_dir.resolve()
    prefix = data_dir.resolve().name + "/"
    return [replace(p, file=str(shown / p.file[len(prefix):])) if p.file.startswith(prefix) else p
            for p in problems]


@dataclass
class BuildReport:
    store: Path
    build: Path
    triples: int
    quads: int
    timings: dict[str, float]


def build(store_path: Path | None = None, data_dir: Path | None = None,
          ontology_dir: Path | None = None, progress: Progress = _quiet, shacl: bool = True) -> BuildReport:
    """Compile, load into a new directory, publish atomically."""
    store_path = store_path or paths.store_dir()
    compiled = compile_data(data_dir, ontology_dir, progress, shacl=shacl)
    timings = dict(compiled.timings)
    with st.build_lock(store_path):
        st.prune(store_path, {p for p in [st.current_build(store_path)] if p is not None})
        t0 = time.perf_counter()
        nquads = compiled.dataset.serialize(format="nquads", encoding="utf-8")
        nquads += stored_nquads(store_path)  # accepted partner graphs survive rebuilds (partner_import.py)
        build_dir = st.new_build_dir(store_path)
        progress(f"loading into {build_dir}")
        store = st.bulk_load(build_dir, nquads)
        quads = len(store)
        del store  # close before publishing
        timings["load"] = time.perf_counter() - t0
        st.publish(store_path, build_dir)
    progress(f"published {store_path} -> {build_dir.name}")
    return BuildReport(store_path, build_dir, compiled.triples, quads, timings)
