"""Where user-written SPARQL runs: worker processes with no network, a memory limit and a
deadline, in two lanes so that slow queries cannot starve fast ones.

Used by the endpoint (`server.py`) and the explorer's SPARQL page (`usersparql.py`).

Workers
  Each worker is a fresh interpreter (`python -c "...sandbox import worker_main..."`), not a
  multiprocessing child, so nothing of the parent's `__main__` (Streamlit's app, a test runner)
  is re-run in it. It talks to the pool over one end of a socket pair (a multiprocessing
  Connection). First it removes its own ability to reach the network (`nonet.deny_network`,
  a seccomp filter: no spelling of SERVICE connects), then sets RLIMIT_AS (the memory limit),
  then loads the published build as an in-memory snapshot and says it is ready. It reopens the
  snapshot when `cgt-graph build` switches the store.

Lanes (fairness)
  * Every query starts in the *fast lane* (`fast` workers) with a short budget
    (`Limits.fast_budget_s`). Almost every query (every library query at the real graph's
    size) finishes inside it.
  * A query that overruns its budget is *moved* to the *slow lane* without being restarted:
    its worker is lowered in priority (nice 10, so fast-lane workers win the CPU), counted
    as a slow-lane worker, and an idle slow-lane worker is retired in exchange; a new
    fast-lane worker is started at once. If the slow lane has no idle worker, or the client
    already has `slow_per_client` queries there, the overrunning query is stopped (503).
  * Cost accounting: a query text that overran once, and any query from a client (its peer
    address) whose query overran in the last `SLOW_MEMORY_S` seconds, goes straight to the slow
    lane, so a client cannot keep occupying fast workers with slow queries (not even by varying
    the text). A query routed there that turns out fast clears its text and its client.
    A client in the slow lane waits for a slow worker, or gets 429 past its concurrency limit.
  * Oxigraph cannot cancel a query: a query past its deadline has its worker killed and
    replaced, and the client gets an error status (never a truncated 200).

Dead workers are replaced whether busy or idle: a busy worker that dies is seen when its pipe
closes (its query is sent once more, to another worker); a monitor thread checks the idle ones
every `MONITOR_S` seconds and every worker is checked again before it is handed a query. One
started worker stands by (the spare), so a lane that loses a worker is whole again at once rather
than after a new interpreter has loaded the snapshot (seconds on a busy machine); a new spare is
then started in the background.
"""

from __future__ import annotations

import collections
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from cgt_graph.sparql.guard import Refusal, check

SELECT_TYPES = {
    "application/sparql-results+json": "JSON", "application/json": "JSON",
    "application/sparql-results+xml": "XML", "application/xml": "XML", "text/xml": "XML",
    "text/csv": "CSV", "text/tab-separated-values": "TSV",
}
GRAPH_TYPES = {
    "text/turtle": "TURTLE", "application/x-turtle": "TURTLE", "application/n-triples": "N_TRIPLES",
    "text/plain": "N_TRIPLES", "application/ld+json": "JSON_LD", "application/rdf+xml": "RDF_XML",
}
CONTENT_TYPE = {"JSON": "application/sparql-results+json", "XML": "application/sparql-results+xml",
                "CSV": "text/csv; charset=utf-8", "TSV": "text/tab-separated-values; charset=utf-8",
                "TURTLE": "text/turtle; charset=utf-8", "N_TRIPLES": "application/n-triples",
                "JSON_LD": "application/ld+json", "RDF_XML": "application/rdf+xml"}

FAST, SLOW, SPARE = "fast", "slow", "spare"
SLOW_NICE = 10
MONITOR_S = 0.1
SLOW_MEMORY_S = 30.0       # a client whose query overran goes to the slow lane for this long
KNOWN_SLOW_MAX = 4096      # query texts remembered as slow (least recently seen forgotten first)
RESPAWN_BACKOFF_S = 1.0    # after a worker failed to start

Reply = tuple[int, str, bytes]


@dataclass
class Limits:
    timeout_s: float = 10.0
    max_result_bytes: int = 20_000_000
    worker_memory_bytes: int = 8 * 1024**3
    startup_s: float = 600.0
    fast_budget_s: float = 0.5   # 2.5x the slowest library query on the real graph (~200 ms on 2 busy cores)
    slow_workers: int = 2
    slow_per_client: int = 1


@dataclass
class Job:
    """One query for a worker. `default_graph`/`named_graphs`: IRIs from the protocol's
    default-graph-uri / named-graph-uri (None: not given). `union`: with no dataset given by
    the protocol or the query (FROM), the default graph is the union of all graphs."""

    query: str
    accept: str | None = None
    default_graph: list[str] | None = None
    named_graphs: list[str] | None = None
    base_iri: str | None = None
    union: bool = True


def negotiate(accept: str | None, table: dict[str, str], default: str) -> str | None:
    """Pick a format from an Accept header (q-values honoured); None if nothing acceptable."""
    if not accept:
        return default
    best: tuple[float, int, str] | None = None
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mime, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        fmt = table.get(mime) or (default if mime in ("*/*", "application/*", "text/*") else None)
        if fmt and (best is None or (q, -i) > (best[0], best[1])):
            best = (q, -i, fmt)
    return best[2] if best else None


# ----------------------------------------------------------------------------- the worker process

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

    from cgt_graph.graph.store import current_build, open_snapshot

    opened: tuple[Path | None, Any] = (None, None)
    build = current_build(store_path)
    if build is not None:  # load the snapshot now, not on the first client's time
        opened = (build, open_snapshot(store_path))
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
                opened = (build, open_snapshot(store_path))
            conn.send(_canned(build, job, limit) or _answer(opened[1], job, limit))
        except MemoryError:
            opened = (None, None)
            conn.send((503, "text/plain", b"query needed more memory than a worker may use"))
        except Exception as exc:  # noqa: BLE001 - a fault of the server (e.g. the store), reported; worker goes on
            conn.send((500, "text/plain", f"query failed: {type(exc).__name__}: {exc}".encode()))


_ENTRY = "from cgt_graph.sparql.sandbox import worker_main; worker_main()"


class WorkerFailed(RuntimeError):
    """A worker could not start (or refused to run without its sandbox)."""


class Worker:
    """One worker process; `lane` is where the pool counts it."""

    def __init__(self, store_path: Path, limits: Limits, lane: str):
        self.lane = lane
        parent, child = socket.socketpair()
        pkg_root = str(Path(__file__).resolve().parents[2])  # the directory holding cgt_graph/
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


@dataclass
class _Lane:
    size: int
    idle: collections.deque = field(default_factory=collections.deque)
    count: int = 0  # workers alive or starting, idle or busy


class Pool:
    """The fast and slow lanes. `run` is thread-safe and blocks (the server calls it from threads)."""

    def __init__(self, store_path: Path, workers: int, limits: Limits | None = None):
        self.store_path = store_path
        self.limits = limits or Limits()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)  # the monitor's clock; state changes under this lock
        # one condition per lane on the same lock: a released worker wakes one waiter of its lane,
        # not every waiting thread (with 16 waiters, notify_all halved the pool's throughput)
        self._ready = {FAST: threading.Condition(self._lock), SLOW: threading.Condition(self._lock)}
        self._async_waiters: dict[str, collections.deque] = {FAST: collections.deque(), SLOW: collections.deque()}
        self._lanes = {FAST: _Lane(max(1, workers)), SLOW: _Lane(max(0, self.limits.slow_workers))}
        self._slow_by_client: collections.Counter[str] = collections.Counter()
        self._overran: dict[str, float] = {}
        self._known_slow: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._closed = False
        self._last_failure = 0.0
        # one started worker standing by: a lane that loses a worker (killed, crashed, moved to the
        # slow lane) is whole again at once, not after a new interpreter has loaded the snapshot
        self.spares = 1
        self._spare: collections.deque[Worker] = collections.deque()
        self._spare_count = 0
        self.replaced = 0  # workers started to replace dead or killed ones (for tests and logs)
        # start every worker now and serve only once all hold the snapshot
        try:
            for name, lane in self._lanes.items():
                for _ in range(lane.size):
                    lane.idle.append(Worker(store_path, self.limits, name))
                    lane.count += 1
            for _ in range(self.spares):
                self._spare.append(Worker(store_path, self.limits, SPARE))
                self._spare_count += 1
        except Exception:
            self.stop()
            raise
        self._monitor = threading.Thread(target=self._watch, name="sparql-pool-monitor", daemon=True)
        self._monitor.start()

    # ------------------------------------------------------------ worker bookkeeping
    def _watch(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                for lane in self._lanes.values():
                    dead = [w for w in lane.idle if not w.alive()]
                    for w in dead:
                        lane.idle.remove(w)
                        lane.count -= 1
                        w.kill()
                for w in [w for w in self._spare if not w.alive()]:
                    self._spare.remove(w)
                    self._spare_count -= 1
                    w.kill()
                self._fill()
                self._cond.wait(MONITOR_S)

    def _fill(self) -> None:
        """Bring lanes below their size back up, from the spare at once, else by starting a worker;
        keep a spare started (caller holds the lock)."""
        if self._closed:
            return
        fast = self._lanes[FAST]
        while fast.count < fast.size and self._spare:  # the slow lane starts its own, at low priority:
            w = self._spare.popleft()                  # a start costs a second of CPU, which look-ups need
            self._spare_count -= 1
            if not w.alive():
                w.kill()
                continue
            w.lane = FAST
            fast.count += 1
            self.replaced += 1
            self._offer(w)
        if time.monotonic() - self._last_failure < RESPAWN_BACKOFF_S:
            return
        for name, lane in self._lanes.items():
            while lane.count < lane.size:
                lane.count += 1
                threading.Thread(target=self._spawn, args=(name,), daemon=True).start()
        while self._spare_count < self.spares:
            self._spare_count += 1
            threading.Thread(target=self._spawn, args=(SPARE,), daemon=True).start()

    def _spawn(self, name: str) -> None:
        try:
            w = Worker(self.store_path, self.limits, name)  # a slow-lane worker starts at low priority
        except Exception as exc:  # noqa: BLE001 - logged; the monitor tries again after a pause
            print(f"cgt-graph: a SPARQL worker failed to start: {exc}", file=sys.stderr)
            with self._cond:
                if name == SPARE:
                    self._spare_count -= 1
                else:
                    self._lanes[name].count -= 1
                self._last_failure = time.monotonic()
            return
        with self._cond:
            if self._closed:
                w.kill()
                return
            if name == SPARE:
                self._spare.append(w)
                self._fill()  # a lane may have been waiting for it
                return
            self.replaced += 1
            self._offer(w)

    def _offer(self, w: Worker) -> None:
        """An idle worker for its lane (caller holds the lock): handed straight to the first
        coroutine waiting for one (`arun`), else made idle for threads waiting in `_acquire`."""
        waiters = self._async_waiters[w.lane]
        while waiters:
            loop, fut = waiters.popleft()
            if fut.done():
                continue

            def give(fut=fut, w=w) -> None:
                if fut.done():  # the waiter gave up meanwhile: the worker goes back
                    self._release(w)
                else:
                    fut.set_result(w)
            try:
                loop.call_soon_threadsafe(give)
                return
            except RuntimeError:  # that loop is closed
                continue
        self._lanes[w.lane].idle.append(w)
        self._ready[w.lane].notify()

    def _retire(self, w: Worker) -> None:
        """Kill a worker taken out of its lane (caller holds the lock); a replacement is started."""
        self._lanes[w.lane].count -= 1
        w.kill()
        self._fill()

    def _acquire(self, name: str, deadline: float) -> Worker | None:
        lane = self._lanes[name]
        with self._cond:
            while True:
                while lane.idle:
                    w = lane.idle.popleft()
                    if w.alive():
                        return w
                    lane.count -= 1  # died while idle, before the monitor saw it
                    w.kill()
                    self._fill()
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed or lane.size == 0:
                    return None
                self._ready[name].wait(min(remaining, MONITOR_S))

    def _release(self, w: Worker) -> None:
        with self._cond:
            if self._closed:
                w.kill()
                return
            self._offer(w)

    # ------------------------------------------------------------ queries
    def _slow_route(self, key: str, client: str, now: float) -> bool:
        if key in self._known_slow:
            self._known_slow.move_to_end(key)
            return True
        t = self._overran.get(client)
        return t is not None and now - t < SLOW_MEMORY_S

    def _account(self, key: str, client: str, overran: bool) -> None:
        """After a query ran in the slow lane: still slow, the client stays there; fast after all
        (a look-up that overran once on a starved machine), its text and its client are forgotten,
        so one unlucky moment does not send a whole address to the slow lane."""
        with self._cond:
            if overran:
                self._overran[client] = time.monotonic()
            else:
                self._known_slow.pop(key, None)
                if self._slow_by_client[client] <= 1:
                    self._overran.pop(client, None)

    def _remember_slow(self, key: str, client: str) -> None:
        self._known_slow[key] = None
        self._known_slow.move_to_end(key)
        while len(self._known_slow) > KNOWN_SLOW_MAX:
            self._known_slow.popitem(last=False)
        self._overran[client] = time.monotonic()
        if len(self._overran) > KNOWN_SLOW_MAX:
            cutoff = time.monotonic() - SLOW_MEMORY_S
            self._overran = {c: t for c, t in self._overran.items() if t > cutoff}

    def run(self, query: str | Job, accept: str | None = None, client: str = "local") -> Reply:
        """Run one (already screened) query: (status, content type, body)."""
        job = query if isinstance(query, Job) else Job(query, accept)
        lim = self.limits
        start = time.monotonic()
        deadline = start + lim.timeout_s
        key = repr((job.query, job.default_graph, job.named_graphs, job.base_iri))
        with self._cond:
            slow = self._slow_route(key, client, start)
            if slow:
                if self._lanes[SLOW].size == 0:
                    return 503, "text/plain", b"this query is known to be slow and this server runs no slow queries"
                if self._slow_by_client[client] >= lim.slow_per_client:
                    return 429, "text/plain", (f"you already have {lim.slow_per_client} slow "
                                               f"quer{'y' if lim.slow_per_client == 1 else 'ies'} running: "
                                               "wait for it to finish").encode()
                self._slow_by_client[client] += 1
        try:
            for _attempt in range(3):  # a worker found killed from outside: the query goes to another
                w = self._acquire(SLOW if slow else FAST, deadline)
                if w is None:
                    return 503, "text/plain", b"all workers busy; try again"
                try:
                    w.conn.send((job, lim.max_result_bytes))
                except OSError:
                    with self._cond:
                        self._retire(w)
                    continue
                sent = time.monotonic()  # budgets count from here, not from the wait in line
                if not slow:
                    budget_end = min(deadline, sent + lim.fast_budget_s)
                    if not w.conn.poll(max(0.0, budget_end - time.monotonic())):
                        with self._cond:
                            self._remember_slow(key, client)
                            moved = self._move_to_slow(w, client)
                            if not moved:
                                self._retire(w)
                        if not moved:
                            return 503, "text/plain", (f"query ran over {lim.fast_budget_s:g} s and the slow lane "
                                                       "is busy; try again later").encode()
                        slow = True
                if not w.conn.poll(max(0.0, deadline - time.monotonic())):
                    with self._cond:
                        self._retire(w)
                    return 503, "text/plain", f"query exceeded the {lim.timeout_s:g} s deadline and was stopped".encode()
                if slow:
                    self._account(key, client, time.monotonic() - sent > lim.fast_budget_s)
                try:
                    reply = w.conn.recv()
                except (EOFError, OSError):
                    # the worker died: killed from outside (SIGKILL: another worker answers), or the
                    # query crashed it (a stack overflow, an abort: the client is told, no retry)
                    try:
                        w.proc.wait(1)
                    except subprocess.TimeoutExpired:
                        pass
                    killed = w.proc.returncode == -signal.SIGKILL
                    with self._cond:
                        self._retire(w)
                    if killed:
                        continue
                    return 500, "text/plain", b"the query crashed its worker; the endpoint goes on"
                self._release(w)
                return reply
            return 503, "text/plain", b"workers were lost while this query waited; try again"
        finally:
            if slow:
                with self._cond:
                    self._slow_by_client[client] -= 1
                    if self._slow_by_client[client] <= 0:
                        del self._slow_by_client[client]

    async def arun(self, job: Job, client: str = "local", limiter: Any = None) -> Reply:
        """`run` for an asyncio caller (the endpoint). The common case, a fast-lane query with an
        idle fast worker, is sent and awaited on the event loop with no thread hop (a third of the
        look-up throughput and most of its tail latency went to handing requests to threads);
        a query waits for a fast worker on the event loop too (workers are handed to waiting
        coroutines first, in order); the slow lane runs `run` in a thread."""
        import asyncio

        from anyio import to_thread

        lim = self.limits
        start = time.monotonic()
        deadline = start + lim.timeout_s
        key = repr((job.query, job.default_graph, job.named_graphs, job.base_iri))
        loop = asyncio.get_running_loop()
        w = None
        fut: asyncio.Future | None = None
        with self._cond:
            if self._closed or self._slow_route(key, client, start):
                fast = False
            else:
                fast = True
                idle = self._lanes[FAST].idle
                while idle and w is None:
                    candidate = idle.popleft()
                    if candidate.alive():
                        w = candidate
                    else:
                        self._lanes[FAST].count -= 1
                        candidate.kill()
                        self._fill()
                if w is None:  # wait in line for the next fast worker, on the event loop
                    fut = loop.create_future()
                    self._async_waiters[FAST].append((loop, fut))
        if not fast:
            return await to_thread.run_sync(self.run, job, None, client, limiter=limiter)
        if w is None:
            assert fut is not None
            try:
                got: Worker = await asyncio.wait_for(fut, max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                if fut.done() and not fut.cancelled():  # handed over just as the time ran out
                    self._release(fut.result())
                return 503, "text/plain", b"all workers busy; try again"
            finally:
                if not fut.done():
                    fut.cancel()
            if not got.alive():
                with self._cond:
                    self._retire(got)
                return await to_thread.run_sync(self.run, job, None, client, limiter=limiter)
            w = got
        return await self._arun_on(w, job, client, limiter, key, deadline)

    async def _arun_on(self, w: Worker, job: Job, client: str, limiter: Any, key: str, deadline: float) -> Reply:
        """The rest of `arun`, once it holds the fast worker `w`."""
        import asyncio

        from anyio import to_thread

        lim = self.limits
        loop = asyncio.get_running_loop()
        held = True

        async def readable(seconds: float) -> bool:
            fut = loop.create_future()
            fd = w.conn.fileno()

            def done(value: bool) -> None:
                if not fut.done():
                    fut.set_result(value)
            loop.add_reader(fd, done, True)
            timer = loop.call_later(max(0.0, seconds), done, False)
            try:
                return await fut
            finally:
                timer.cancel()
                loop.remove_reader(fd)

        slow = False
        try:
            try:
                w.conn.send((job, lim.max_result_bytes))
            except OSError:
                with self._cond:
                    self._retire(w)
                held = False
                return await to_thread.run_sync(self.run, job, None, client, limiter=limiter)
            sent = time.monotonic()  # the budget counts from here: time spent waiting in line is not the query's
            if not await readable(min(deadline, sent + lim.fast_budget_s) - sent):
                with self._cond:
                    self._remember_slow(key, client)
                    moved = self._move_to_slow(w, client)
                    if not moved:
                        self._retire(w)
                if not moved:
                    held = False
                    return 503, "text/plain", (f"query ran over {lim.fast_budget_s:g} s and the slow lane "
                                               "is busy; try again later").encode()
                slow = True
                if not await readable(deadline - time.monotonic()):
                    with self._cond:
                        self._retire(w)
                    held = False
                    return 503, "text/plain", f"query exceeded the {lim.timeout_s:g} s deadline and was stopped".encode()
                self._account(key, client, True)
            try:
                reply = w.conn.recv()
            except (EOFError, OSError):
                try:
                    w.proc.wait(1)
                except subprocess.TimeoutExpired:
                    pass
                killed = w.proc.returncode == -signal.SIGKILL
                with self._cond:
                    self._retire(w)
                held = False
                if killed:  # killed from outside: another worker answers
                    return await to_thread.run_sync(self.run, job, None, client, limiter=limiter)
                return 500, "text/plain", b"the query crashed its worker; the endpoint goes on"
            self._release(w)
            held = False
            return reply
        except BaseException:  # cancelled (the client went away) mid-query: the worker is mid-query too
            if held:
                with self._cond:
                    self._retire(w)
            raise
        finally:
            if slow:
                with self._cond:
                    self._slow_by_client[client] -= 1
                    if self._slow_by_client[client] <= 0:
                        del self._slow_by_client[client]

    def _move_to_slow(self, w: Worker, client: str) -> bool:
        """Move a running fast-lane worker into the slow lane in exchange for an idle slow worker
        (caller holds the lock). False if the slow lane is full or the client is at its limit."""
        slow = self._lanes[SLOW]
        if self._slow_by_client[client] >= self.limits.slow_per_client:
            return False
        spare = None
        while slow.idle:
            candidate = slow.idle.popleft()
            if candidate.alive():
                spare = candidate
                break
            slow.count -= 1
            candidate.kill()
        if spare is None:
            return False
        self._slow_by_client[client] += 1
        spare.kill()                       # the slow lane keeps its size: the moved worker takes its place
        w.renice(SLOW_NICE)
        w.lane = SLOW
        self._lanes[FAST].count -= 1       # ... and the fast lane gets a new worker at once
        self._fill()
        return True

    def workers(self) -> list[Worker]:
        """Idle workers (a snapshot, for tests and monitoring)."""
        with self._cond:
            return [w for lane in self._lanes.values() for w in lane.idle]

    def stop(self) -> None:
        with self._cond:
            self._closed = True
            workers = [w for lane in self._lanes.values() for w in lane.idle] + list(self._spare)
            self._spare.clear()
            for lane in self._lanes.values():
                lane.idle.clear()
            self._cond.notify_all()
            for ready in self._ready.values():
                ready.notify_all()
        for w in workers:
            w.kill()


def run_screened(pool: Pool, query: str, accept: str | None, client: str = "local", **job: Any) -> Reply:
    """Screen one user query and run it in the pool under its deadline, as `/sparql` does
    (the explorer's SPARQL page uses this): (status, content type, body)."""
    try:
        screened = check(query)
    except Refusal as r:
        return r.status, "text/plain", r.message.encode()
    return pool.run(Job(screened.text, accept, union=not screened.declares_dataset, **job), client=client)
