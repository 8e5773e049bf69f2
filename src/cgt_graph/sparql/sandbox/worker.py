"""The worker process (its entry point `worker_main`, answering a `Job` against the published
snapshot) and `Worker`, the pool's handle on one such process."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from cgt_graph.sparql.sandbox.formats import CONTENT_TYPE, GRAPH_TYPES, SELECT_TYPES, negotiate
from cgt_graph.sparql.sandbox.limits import SLOW, SLOW_NICE, Job, Limits, Reply

_UNKNOWN_FUNCTION = re.compile(r"The custom function <([^>]+)> is not supported")
MAX_UNKNOWN_FUNCTIONS = 32


def _unsupported(*_args: Any) -> None:
    """An extension function this endpoint does not have: an evaluation error, as SPARQL 1.1
    section 17.6 says (a FILTER on it is false, a BIND leaves its variable unbound)."""
    return None


def _query(store: Any, text: str, kwargs: dict[str, Any]) -> Any:
    """Store.query, with SPARQL's semantics for extension functions the engine does not know.

    Oxigraph raises on the first unknown function IRI; each is then bound to `_unsupported`
    and the query run again (at most MAX_UNKNOWN_FUNCTIONS times).
    """
    from pyoxigraph import NamedNode

    functions: dict[Any, Any] = {}
    while True:
        try:
            return store.query(text, custom_functions=functions or None, **kwargs)
        except RuntimeError as exc:
            m = _UNKNOWN_FUNCTION.search(str(exc))
            if not m or len(functions) >= MAX_UNKNOWN_FUNCTIONS:
                raise
            functions[NamedNode(m.group(1))] = _unsupported


def _answer(store: Any, job: Job, limit: int) -> Reply:
    from pyoxigraph import NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat

    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graph is not None or job.named_graphs is not None:
        kwargs["default_graph"] = [NamedNode(g) for g in job.default_graph or []]
        kwargs["named_graphs"] = [NamedNode(g) for g in job.named_graphs or []]
    elif job.union:
        kwargs["use_default_graph_as_union"] = True
    try:
        result = _query(store, job.query, kwargs)
        if isinstance(result, (QuerySolutions, QueryBoolean)):
            fmt = negotiate(job.accept, SELECT_TYPES, "JSON")
            if fmt is None:
                return 406, "text/plain", b"Accept: use application/sparql-results+json, +xml, text/csv or text/tab-separated-values"
            body = result.serialize(format=getattr(QueryResultsFormat, fmt))
        else:
            fmt = negotiate(job.accept, GRAPH_TYPES, "TURTLE")
            if fmt is None:
                return 406, "text/plain", b"Accept: use text/turtle, application/n-triples, application/ld+json or application/rdf+xml"
            body = result.serialize(format=getattr(RdfFormat, fmt))
    except SyntaxError as exc:
        return 400, "text/plain", f"SPARQL syntax error: {exc}".encode()
    except ValueError as exc:  # e.g. an IRI given as default-graph-uri that is not an IRI
        return 400, "text/plain", f"bad request: {exc}".encode()
    except RuntimeError as exc:  # evaluation errors the query causes
        return 400, "text/plain", f"query cannot be evaluated: {exc}".encode()
    body = body or b""
    if len(body) > limit:
        return 413, "text/plain", f"result over {limit} bytes: add a LIMIT".encode()
    return 200, CONTENT_TYPE[fmt], body


def _canned(build: Path, job: Job, limit: int) -> Reply | None:
    """The build-time answer to a counting library query sent as is (sparql/tables.py), else None."""
    from cgt_graph.sparql.tables import precomputed

    if not job.union or job.default_graph is not None or job.named_graphs is not None:
        return None
    fmt = negotiate(job.accept, SELECT_TYPES, "JSON")
    body = precomputed(build, job.query, fmt)
    if fmt is None or body is None or len(body) > limit:
        return None
    return 200, CONTENT_TYPE[fmt], body


def worker_main() -> None:
    """Entry point of a worker process: argv = fd store_path memory_bytes nice."""
    fd, store_path, memory, nice = int(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    conn = Connection(fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    from cgt_graph.sparql.nonet import NetworkSandboxError, deny_network

    try:  # before anything else: this process runs user text and must never reach the network
        deny_network()
    except NetworkSandboxError as exc:
        conn.send(("refused", f"cannot sandbox the SPARQL worker: {exc}"))
        return
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ValueError, OSError):
        pass
    if nice:
        os.nice(nice)

    from cgt_graph.graph.store import current_build

    opened: tuple[Path | None, Any] = (None, None)
    build = current_build(store_path)
    if build is not None:  # load the snapshot now, not on the first client's time
        opened = _open_current(store_path)
    conn.send(("ready",))
    while True:
        try:
            job, limit = conn.recv()
        except (EOFError, OSError):
            return
        try:
            build = current_build(store_path)
            if build is None:
                conn.send((503, "text/plain", b"no store: run `cgt-graph build`"))
                continue
            if opened[0] != build:
                opened = (None, None)
                opened = _open_current(store_path)
            conn.send(_canned(build, job, limit) or _answer(opened[1], job, limit))
        except MemoryError:
            opened = (None, None)
            conn.send((503, "text/plain", b"query needed more memory than a worker may use"))
        except Exception as exc:  # noqa: BLE001 - a fault of the server (e.g. the store), reported; worker goes on
            conn.send((500, "text/plain", f"query failed: {type(exc).__name__}: {exc}".encode()))


def _open_current(store_path: Path) -> tuple[Path | None, Any]:
    """(build, snapshot) of the published build. A build is pruned two rebuilds later (graph/store.py
    keeps the current and the previous one), so while rebuilds come fast it can vanish during the
    copy: then the newer build is opened instead of failing the query (tests/test_server.py)."""
    from cgt_graph.graph.store import current_build, open_snapshot

    for attempt in range(3):
        build = current_build(store_path)
        try:
            return build, open_snapshot(store_path)
        except Exception:
            if attempt == 2 or current_build(store_path) == build:
                raise
    raise AssertionError("unreachable")


_ENTRY = "from cgt_graph.sparql.sandbox.worker import worker_main; worker_main()"


class WorkerFailed(RuntimeError):
    """A worker could not start (or refused to run without its sandbox)."""


class Worker:
    """One worker process; `lane` is where the pool counts it."""

    def __init__(self, store_path: Path, limits: Limits, lane: str):
        self.lane = lane
        parent, child = socket.socketpair()
        pkg_root = str(Path(__file__).resolve().parents[3])  # the directory holding cgt_graph/
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([pkg_root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _ENTRY, str(child.fileno()), str(store_path),
                 str(limits.worker_memory_bytes), str(SLOW_NICE if lane == SLOW else 0)],
                pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, env=env, close_fds=True)
        finally:
            child.close()
        self.conn = Connection(parent.detach())
        if not self.conn.poll(limits.startup_s):
            self.kill()
            raise WorkerFailed("a SPARQL worker did not start in time")
        try:
            msg = self.conn.recv()
        except (EOFError, OSError):
            msg = None
        if msg != ("ready",):
            self.kill()
            raise WorkerFailed(msg[1] if msg and msg[0] == "refused" else "a SPARQL worker did not start")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def renice(self, nice: int) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, self.proc.pid, nice)
        except OSError:
            pass

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        try:
            self.conn.close()
        except OSError:
            pass

