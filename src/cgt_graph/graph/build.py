"""The pipeline: data files -> records -> checks -> RDF -> derived facts -> SHACL -> Oxigraph.

`compile_data` stops at validated RDF (what `cgt-graph validate` runs);
`build` also loads a new store and publishes it atomically.

Where each record came from (file, line, id) is kept beside the RDF, in
`Compiled.locations` (record IRI -> location), for error messages only.
"""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Protocol

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, parse, serialize
from rdflib import Dataset, Graph

from cgt_graph import paths
from cgt_graph.graph import store as st
from cgt_graph.curation.checks import Index, check
from cgt_graph.curation.load import DataError, Problem, count_files, load_records
from cgt_graph.progress import bar, ticker
from cgt_graph.graph.derive import derive, derived_nquads
from cgt_graph.graph.emit import Location, record_field_lines, record_locations, record_nquads
from cgt_graph.graph.vocab import ONTOLOGY_GRAPH
from cgt_graph.graph.rules import violations
from cgt_graph.graph.validate import compiled_checks, load_shapes, problems_from, pyshacl_violations

Progress = Callable[[str], None]


class Materialise(Protocol):
    """The tables hook: writes under the build directory; gives up before its next table if `stop()`."""

    def __call__(self, store: Store, build: Path, progress: Progress, *, stop: Callable[[], bool]) -> object: ...


VALIDATORS = ("auto", "fast", "pyshacl")
"""`fast` (and `auto`, the default, the same): the shapes as SPARQL inside Oxigraph
(shacl_sparql.py), the production validator; `pyshacl`: the test oracle, run only when asked
for, to compare. A shape the SPARQL compiler cannot translate is an error, never a silent
switch to pyshacl."""


@dataclass
class Compiled:
    nquads_path: Path  # data graphs, the ontology graph and the derived graph, N-Quads, in a temporary file
    triples: int  # data triples (without the ontology and the derived facts)
    timings: dict[str, float] = field(default_factory=dict)
    validator: str | None = None  # which validator ran (None: SHACL skipped)
    locations: dict[str, Location] = field(default_factory=dict)  # record IRI -> (file, line, id)
    derived: dict[str, int] = field(default_factory=dict)  # triples made by each derive rule
    store: Store | None = None  # the validated graph in memory (data, ontology, derived facts)
    workdir: tempfile.TemporaryDirectory[str] | None = None  # holds nquads_path; removed with this object
    field_lines: dict[str, dict[str, int]] = field(default_factory=dict)  # record IRI -> line of each key

    @property
    def nquads(self) -> bytes:
        return self.nquads_path.read_bytes()

    @property
    def dataset(self) -> Dataset:
        """The same quads as an rdflib Dataset (parsed on demand: slow at scale)."""
        ds = Dataset()
        ds.parse(data=self.nquads, format="nquads")
        return ds


def _quiet(_: str) -> None:
    pass


def ontology_nquads(ontology_dir: Path) -> bytes:
    """ontology/cgt.ttl in the ontology named graph, as N-Quads."""
    g = NamedNode(str(ONTOLOGY_GRAPH))
    triples = parse(path=str(ontology_dir / "cgt.ttl"), format=RdfFormat.TURTLE)
    return serialize((Quad(t.subject, t.predicate, t.object, g) for t in triples), format=RdfFormat.N_QUADS) or b""


def compile_data(data_dir: Path | None = None, ontology_dir: Path | None = None,
                 progress: Progress = _quiet, shacl: bool = True, validator: str = "auto") -> Compiled:
    """Parse, check, make RDF (N-Quads), derive and validate. Raises DataError with every problem.

    The files are read fast first (curation/fastyaml.py: no line numbers); if anything is wrong,
    everything is read again exactly (PyYAML, every mapping knowing its lines) and the problems of
    that reading are raised, so each message names its file and line. The exact reading is the
    authority: if it finds nothing wrong, its result is the one returned."""
    data_dir, ontology_dir = _dirs(data_dir, ontology_dir, validator)
    try:
        compiled = _prepare(data_dir, ontology_dir, progress, exact=False)
        _check(compiled, data_dir, ontology_dir, progress, shacl, validator)
        return compiled
    except DataError:
        progress("problems found: reading the data again with line numbers to report them")
    return _exact(data_dir, ontology_dir, progress, shacl, validator)


def _dirs(data_dir: Path | None, ontology_dir: Path | None, validator: str) -> tuple[Path, Path]:
    if validator not in VALIDATORS:
        raise ValueError(f"validator must be one of {VALIDATORS}")
    return data_dir or paths.data_dir(), ontology_dir or paths.ontology_dir()


def _exact(data_dir: Path, ontology_dir: Path, progress: Progress, shacl: bool, validator: str) -> Compiled:
    compiled = _prepare(data_dir, ontology_dir, progress, exact=True)
    _check(compiled, data_dir, ontology_dir, progress, shacl, validator)
    return compiled


def _prepare(data_dir: Path, ontology_dir: Path, progress: Progress, exact: bool,
             loader: _Loader | None = None) -> Compiled:
    """Read, check the records, write the N-Quads file, load it into memory and add the derived
    facts (to the store and to the file): everything but the rules and the shapes. A build's
    `loader` gets each part of the file as soon as it is written."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    progress(f"reading {data_dir}")
    try:
        records, problems = load_records(data_dir, on_file=ticker(progress, "reading", count_files(data_dir), "file"),
                                         exact=exact)
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
    # where each record was read: only an exact reading knows lines, and only it reports problems
    locations = record_locations(records) if exact else {}
    field_lines = record_field_lines(records) if exact else {}
    # N-Quads go to a file, file by file (never the whole graph as strings, or as one bytes object
    # in memory beside the store: at 100x that was 500 MB, twice while it was joined)
    workdir = _workdir()
    path = Path(workdir.name) / "graph.nq"
    data_triples = 0
    with path.open("wb") as out:
        for _file, lines in record_nquads(records, idx):
            data_triples += len(lines)
            out.write("".join(lines).encode("utf-8"))
        del records, idx
        out.write(ontology_nquads(ontology_dir))
    timings["rdf"] = time.perf_counter() - t1
    written = path.stat().st_size
    if loader is not None:  # the new store starts loading while the graph is loaded in memory
        loader.add(path, 0, written)
    if data_triples > 200_000:  # the records' memory back to the system before the store takes its own
        _release_memory()
    t2 = time.perf_counter()
    store = Store()  # in memory: Oxigraph answers the rules and the checks 3-5x faster than from disk
    store.bulk_load(path=str(path), format=RdfFormat.N_QUADS)
    counts = derive(store)
    with path.open("ab") as out:
        out.write(derived_nquads(store))
    if loader is not None:
        loader.add(path, written, path.stat().st_size)
    timings["derive"] = time.perf_counter() - t2
    progress(f"derived {sum(counts.values())} triples ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    return Compiled(path, data_triples, timings, None, locations, counts, store, workdir, field_lines)


def _check(compiled: Compiled, data_dir: Path, ontology_dir: Path, progress: Progress, shacl: bool,
           validator: str) -> None:
    """The cross-record rules (queries/checks) and the SHACL shapes on the compiled store; raises DataError."""
    store = compiled.store
    assert store is not None
    t_rules = time.perf_counter()
    problems = violations(store, compiled.locations, compiled.field_lines)
    compiled.timings["rules"] = time.perf_counter() - t_rules
    if problems:
        raise DataError(_relocate(problems, data_dir))
    if shacl:
        t3 = time.perf_counter()
        problems, compiled.validator = _validate(store, compiled.nquads_path, ontology_dir, validator, progress,
                                                 compiled.locations, compiled.triples)
        compiled.timings["shacl"] = time.perf_counter() - t3
        if problems:
            raise DataError(_relocate(problems, data_dir))


def _validate(store: Store, nquads: Path, ontology_dir: Path, validator: str, progress: Progress,
              locations: dict[str, Location], triples: int) -> tuple[list[Problem], str]:
    """Validate data, ontology and derived facts against the shapes; (problems, validator used)."""
    from cgt_graph.graph.shacl_sparql import Unsupported, sparql_violations

    used = "pyshacl" if validator == "pyshacl" else "fast"
    progress(f"validating {triples} data triples and the derived facts against the SHACL shapes ({used})")
    if used == "fast":
        try:
            checks = compiled_checks(ontology_dir)  # once: the count for the progress bar, then the run
            violations = sparql_violations(store, checks, ticker(progress, "validating", len(checks), "check"))
        except Unsupported as exc:
            return [Problem(str(ontology_dir / "shapes.ttl"), None, None, "shacl:unsupported",
                            f"the shapes use {exc}, which the SPARQL validator does not translate; "
                            "extend graph/shacl_sparql.py (or compare with --validator pyshacl)")], used
        return problems_from(violations, locations.get), used
    ds = Dataset()  # pyshacl, asked for by name: the reference the tests hold the SPARQL validator to
    ds.parse(source=str(nquads), format="nquads")
    flat = Graph()  # data and ontology: the fixed vocabularies live in the ontology
    for g in ds.graphs():
        for t in g:
            flat.add(t)
    del ds
    return problems_from(pyshacl_violations(flat, load_shapes(ontology_dir)), locations.get), used


_WORKDIR_PREFIX = "cgt-graph-compile-"


def _workdir() -> tempfile.TemporaryDirectory[str]:
    """A temporary directory for the compile step's N-Quads, named after this process.

    It goes when the Compiled object (or the process) ends normally; a process killed meanwhile
    (a stopped server or explorer in the middle of its first build) leaves it behind, so every
    compile first removes those of processes that no longer run (at 100x each holds ~500 MB)."""
    root = Path(tempfile.gettempdir())
    for old in root.glob(_WORKDIR_PREFIX + "*-*"):
        pid = old.name[len(_WORKDIR_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return tempfile.TemporaryDirectory(prefix=f"{_WORKDIR_PREFIX}{os.getpid()}-")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _release_memory() -> None:
    """Give the memory of the records and the in-memory store back to the system before the bulk
    load, whose own buffers would otherwise sit on top of it (100x: peak 2.49 GB without, see
    docs/scale.md). glibc keeps freed heap for reuse unless asked; elsewhere this is a no-op."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


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
    validator: str | None = None


def build(store_path: Path | None = None, data_dir: Path | None = None,
          ontology_dir: Path | None = None, progress: Progress = _quiet, shacl: bool = True,
          validator: str = "auto", materialise: Materialise | None = None) -> BuildReport:
    """Compile, load into a new directory, check, publish atomically.

    The new store is loaded in a second thread (pyoxigraph's `bulk_load` releases the GIL) from
    the moment the data's N-Quads are written: while the graph is loaded in memory, the facts are
    derived, and the rules, the shapes and the tables run on the in-memory store; the derived
    facts follow when they are made (docs/scale.md). It is published only if every check passes;
    otherwise the load stops, the build directory is removed and the problems are reported as
    `compile_data` reports them (read again exactly, with lines).

    `materialise(store, build_dir, progress)` runs on the validated in-memory store of the compile
    step (data, ontology, derived facts and any accepted partner graphs: the quads the new store
    gets), and what it writes into the build directory is published with the store: the commands
    pass `sparql.tables.materialise` (the whole-graph tables; a layer above this one, hence a hook).
    """
    store_path = store_path or paths.store_dir()
    data_dir, ontology_dir = _dirs(data_dir, ontology_dir, validator)
    with st.build_lock(store_path):
        st.prune(store_path, {p for p in [st.current_build(store_path)] if p is not None})
        partners = st.stored_nquads(store_path)  # accepted partner graphs survive rebuilds (publish/partner_import/)
        args = (store_path, data_dir, ontology_dir, progress, shacl, validator, materialise, partners)
        try:
            report = _build(*args, exact=False)
        except DataError:
            progress("problems found: reading the data again with line numbers to report them")
            report = _build(*args, exact=True)
    progress(f"published {store_path} -> {report.build.name}")
    return report


class _Loader(threading.Thread):
    """`store.bulk_load` into the new build directory, in a second thread, of what it is given
    (`add`: bytes, or a range of a file), in that order; `finish` flushes and waits for it,
    `cancel` stops it between blocks."""

    def __init__(self, build_dir: Path, partners: bytes, progress: Progress = _quiet):
        super().__init__(name="cgt-graph-load", daemon=True)
        self.build_dir = build_dir
        self.bar = bar(progress, "loading", 0, "B")  # its total grows as parts are added
        self.todo: queue.SimpleQueue[tuple[bytes | Path, int, int | None] | None] = queue.SimpleQueue()
        self.stopped = threading.Event()
        self.quads = 0
        self.seconds = 0.0  # time spent loading (not waiting for the next part)
        self.error: BaseException | None = None
        if partners:
            self.add(partners)
        self.start()

    def add(self, source: bytes | Path, start: int = 0, end: int | None = None) -> None:
        self.bar.total += (len(source) if isinstance(source, bytes) else
                           (end if end is not None else source.stat().st_size) - start)
        self.bar.refresh()
        self.todo.put((source, start, end))

    def run(self) -> None:
        try:
            store = Store(str(self.build_dir))
            while (part := self.todo.get()) is not None:
                t0 = time.perf_counter()
                done = st.load_into(store, *part, stop=self.stopped.is_set, done=self.bar.update)
                self.seconds += time.perf_counter() - t0
                if not done:
                    return
            t0 = time.perf_counter()
            store.flush()
            store.optimize()
            self.quads = len(store)
            self.seconds += time.perf_counter() - t0
            del store  # closed before publishing
        except BaseException as exc:  # re-raised by the main thread
            self.error = exc
        finally:
            self.bar.close()

    def finish(self) -> int:
        self.todo.put(None)
        self.join()
        if self.error is not None:
            raise self.error
        return self.quads

    def cancel(self, wait: bool = True) -> None:
        self.stopped.set()
        self.todo.put(None)
        if wait:
            self.join()


class _Tables(threading.Thread):
    """The tables hook on the in-memory store, in a third thread, beside the rules and the shapes
    (Oxigraph's queries release the GIL); `cancel` makes it stop before its next table."""

    def __init__(self, materialise: Materialise, store: Store, build_dir: Path, progress: Progress):
        super().__init__(name="cgt-graph-tables", daemon=True)
        self.materialise, self.build_dir, self.progress = materialise, build_dir, progress
        self.store: Store | None = store
        self.stopped = threading.Event()
        self.seconds = 0.0
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        t0 = time.perf_counter()
        try:
            assert self.store is not None
            self.materialise(self.store, self.build_dir, self.progress, stop=self.stopped.is_set)
        except BaseException as exc:  # re-raised by the main thread
            self.error = exc
        finally:
            self.store = None  # (the in-memory graph goes when the build lets it go)
            self.seconds = time.perf_counter() - t0

    def finish(self) -> None:
        self.join()
        if self.error is not None:
            raise self.error

    def cancel(self, wait: bool = True) -> None:
        self.stopped.set()
        if wait:
            self.join()


def _build(store_path: Path, data_dir: Path, ontology_dir: Path, progress: Progress, shacl: bool, validator: str,
           materialise: Materialise | None, partners: bytes, exact: bool) -> BuildReport:
    """One attempt: the three threads of a build (this one: read, RDF, in-memory graph, derived facts,
    rules, shapes; the loader from the moment the N-Quads are written; the tables beside the checks),
    then the switch."""
    build_dir = st.new_build_dir(store_path)
    loader = _Loader(build_dir, partners, progress)
    compiled: Compiled | None = None
    tables: _Tables | None = None
    progress(f"the new store loads into {build_dir} beside the rest of the build")
    try:
        compiled = _prepare(data_dir, ontology_dir, progress, exact, loader)
        mem = compiled.store
        assert mem is not None
        if materialise is not None and not partners:  # (partner graphs join the tables after the checks)
            progress("materialising the whole-graph tables beside the checks")
            tables = _Tables(materialise, mem, build_dir, progress)
        _check(compiled, data_dir, ontology_dir, progress, shacl, validator)
        if materialise is not None:  # published with the store, in its build directory
            if tables is None:
                mem.load(partners, format=RdfFormat.N_QUADS)
                progress("materialising the whole-graph tables")
                tables = _Tables(materialise, mem, build_dir, progress)
            t1 = time.perf_counter()
            tables.finish()
            compiled.timings["tables"] = tables.seconds
            compiled.timings["tables wait"] = time.perf_counter() - t1
        del mem
        compiled.store = None  # the in-memory copy goes before the wait (peak memory)
        t0 = time.perf_counter()
        quads = loader.finish()
        compiled.timings["load"] = loader.seconds
        compiled.timings["load wait"] = time.perf_counter() - t0
    except BaseException as exc:
        # a half-loaded store is never published: the load stops at its next block, the tables
        # before their next table, and the directory goes (on Ctrl-C no wait: the next build prunes it)
        wait = isinstance(exc, Exception)
        for worker in (tables, loader):
            if worker is not None:
                worker.cancel(wait)
        if wait:
            shutil.rmtree(build_dir, ignore_errors=True)
        raise
    finally:
        if compiled is not None:
            compiled.workdir = None  # the N-Quads file goes
    st.publish(store_path, build_dir)
    return BuildReport(store_path, build_dir, compiled.triples, quads, compiled.timings, compiled.validator)
