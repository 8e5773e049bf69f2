"""A read-only SPARQL 1.1 Protocol endpoint over the built store.

* `GET/POST /sparql` (query= parameter, form POST, or application/sparql-query body);
  results as SPARQL JSON, XML, CSV or TSV by `Accept`; CONSTRUCT/DESCRIBE as Turtle,
  N-Triples or JSON-LD; CORS for browser tools.
* Every query is screened first (`guard.py`: no SERVICE, no updates, no deep nesting or
  huge literals), then run in a worker process under a deadline. The worker has no network
  (`nonet.py`: a seccomp filter refuses internet sockets), so no spelling of SERVICE connects.
  Oxigraph cannot cancel a query, so a query past its deadline gets its worker killed
  and replaced, and the client an error status (never a truncated 200).
* Workers open the published build read-only and reopen when `cgt-graph build`
  switches the store, so every query reads one consistent snapshot.

Standard library only (http.server + multiprocessing): nothing to install, nothing to fetch.
"""

from __future__ import annotations

import html
import multiprocessing as mp
import os
import queue
import signal
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cgt_graph import __version__
from cgt_graph.sparql.guard import Refusal, screen

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


@dataclass
class Limits:
    timeout_s: float = 10.0
    max_result_bytes: int = 20_000_000
    worker_memory_bytes: int = 8 * 1024**3
    startup_s: float = 600.0


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


# ----------------------------------------------------------------------------- worker

def _worker_main(conn: Connection, store_path: str, memory: int) -> None:
    import resource

    from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat

    from cgt_graph.sparql.nonet import NetworkSandboxError, deny_network
    from cgt_graph.graph.store import current_build, open_snapshot
    from cgt_graph.sparql.tables import precomputed

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # before anything else: this process runs user text and must never reach the network
        deny_network()
    except NetworkSandboxError as exc:
        conn.send(("refused", f"cannot sandbox the SPARQL worker: {exc}"))
        return
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ValueError, OSError):
        pass
    opened: tuple[Path | None, Any] = (None, None)
    build = current_build(Path(store_path))
    if build is not None:  # load the snapshot now, not on the first client's time
        opened = (build, open_snapshot(Path(store_path)))
    conn.send(("ready",))
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        query, accept, limit = msg
        try:
            build = current_build(Path(store_path))
            if build is None:
                conn.send((503, "text/plain", b"no store: run `cgt-graph build`"))
                continue
            if opened[0] != build:
                opened = (None, None)
                opened = (build, open_snapshot(Path(store_path)))
            store = opened[1]
            fmt = negotiate(accept, SELECT_TYPES, "JSON")  # counting library queries: answered at build time
            canned = precomputed(build, query, fmt)  # (sparql/tables.py)
            if fmt is not None and canned is not None and len(canned) <= limit:
                conn.send((200, CONTENT_TYPE[fmt], canned))
                continue
            result = store.query(query, use_default_graph_as_union=True)
            if isinstance(result, (QuerySolutions, QueryBoolean)):
                fmt = negotiate(accept, SELECT_TYPES, "JSON")
                if fmt is None:
                    conn.send((406, "text/plain", b"Accept: use application/sparql-results+json, +xml, text/csv or text/tab-separated-values"))
                    continue
                body = result.serialize(format=getattr(QueryResultsFormat, fmt))
            else:
                fmt = negotiate(accept, GRAPH_TYPES, "TURTLE")
                if fmt is None:
                    conn.send((406, "text/plain", b"Accept: use text/turtle, application/n-triples or application/ld+json"))
                    continue
                body = result.serialize(format=getattr(RdfFormat, fmt))
            if body is None:
                body = b""
            if len(body) > limit:
                conn.send((413, "text/plain", f"result over {limit} bytes: add a LIMIT".encode()))
                continue
            conn.send((200, CONTENT_TYPE[fmt], body))
        except SyntaxError as exc:
            conn.send((400, "text/plain", f"SPARQL syntax error: {exc}".encode()))
        except MemoryError:
            conn.send((503, "text/plain", b"query needed more memory than a worker may use"))
        except Exception as exc:  # noqa: BLE001 - reported to the client, worker goes on
            conn.send((500, "text/plain", f"query failed: {type(exc).__name__}: {exc}".encode()))


class Worker:
    """One child process holding a read-only store; killed and replaced on a timeout."""

    def __init__(self, store_path: Path, limits: Limits):
        self.store_path = store_path
        self.limits = limits
        self._start()

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, str(self.store_path), self.limits.worker_memory_bytes),
                                daemon=True)
        self.proc.start()
        child.close()
        # serve only once the worker holds its snapshot (a large graph takes seconds to load)
        if not self.conn.poll(self.limits.startup_s):
            raise RuntimeError("a SPARQL worker did not start")
        msg = self.conn.recv()
        if msg != ("ready",):
            raise RuntimeError(msg[1] if msg and msg[0] == "refused" else "a SPARQL worker did not start")

    def run(self, query: str, accept: str | None) -> tuple[int, str, bytes]:
        self.conn.send((query, accept, self.limits.max_result_bytes))
        if self.conn.poll(self.limits.timeout_s):
            try:
                return self.conn.recv()
            except EOFError:
                pass  # the worker died (e.g. a crash in the engine): replace it
            self.restart()
            return 500, "text/plain", b"the query crashed its worker; the endpoint goes on"
        self.restart()
        return 503, "text/plain", f"query exceeded the {self.limits.timeout_s:g} s deadline and was stopped".encode()

    def restart(self) -> None:
        try:
            os.kill(self.proc.pid, signal.SIGKILL)  # type: ignore[arg-type]  # None before start: TypeError, caught
        except (ProcessLookupError, TypeError):
            pass
        self.proc.join(5)
        self.conn.close()
        self._start()

    def stop(self) -> None:
        try:
            self.conn.close()
        finally:
            if self.proc.is_alive():
                self.proc.kill()
            self.proc.join(5)


class Pool:
    def __init__(self, store_path: Path, size: int, limits: Limits):
        self.idle: queue.Queue[Worker] = queue.Queue()
        self.workers = [Worker(store_path, limits) for _ in range(size)]
        for w in self.workers:
            self.idle.put(w)
        self.limits = limits

    def run(self, query: str, accept: str | None) -> tuple[int, str, bytes]:
        try:
            w = self.idle.get(timeout=self.limits.timeout_s)
        except queue.Empty:
            return 503, "text/plain", b"all workers busy; try again"
        try:
            return w.run(query, accept)
        finally:
            self.idle.put(w)

    def stop(self) -> None:
        for w in self.workers:
            w.stop()


def run_screened(pool: Pool, query: str, accept: str | None) -> tuple[int, str, bytes]:
    """Screen one user query and run it in the pool under its deadline, as `/sparql` does
    (the explorer's SPARQL page uses this): (status, content type, body)."""
    try:
        query = screen(query)
    except Refusal as r:
        return r.status, "text/plain", r.message.encode()
    return pool.run(query, accept)


# ----------------------------------------------------------------------------- HTTP

def landing_page() -> bytes:
    from cgt_graph.sparql.library import bound_text, library

    items = []
    for q in library().values():
        text = bound_text(q.name)  # parameters at their defaults
        href = "/sparql?query=" + _quote(text)
        items.append(f"<li><a href=\"{html.escape(href)}\">{html.escape(q.title)}</a>"
                     f"<br><small>{html.escape(q.description)}</small>"
                     f"<details><summary>SPARQL</summary><pre>{html.escape(text)}</pre></details></li>")
    return ("<!doctype html><html lang=en><meta charset=utf-8><title>cgt-graph SPARQL endpoint</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}pre{background:#f4f4f4;padding:.5em;overflow:auto}</style>"
            "<h1>cgt-graph SPARQL endpoint</h1>"
            "<p>Read-only SPARQL 1.1 Protocol endpoint at <code>/sparql</code> (GET or POST). "
            "Results: SPARQL JSON, XML, CSV, TSV; graphs: Turtle, N-Triples, JSON-LD (by <code>Accept</code>). "
            "The default graph is the union of all data graphs. SERVICE, updates and very large or deeply nested "
            "queries are refused; each query has a deadline.</p><h2>Examples from the query library</h2><ul>"
            + "".join(items) + f"</ul><p><small>cgt-graph {__version__}</small></p></html>").encode()


def _quote(s: str) -> str:
    from urllib.parse import quote
    return quote(s, safe="")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms delayed-ACK stalls on small answers
    server_version = f"cgt-graph/{__version__}"
    pool: Pool
    landing: bytes
    max_body = 1_000_000

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if os.environ.get("CGT_GRAPH_SERVER_LOG"):
            super().log_message(format, *args)

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("X-Content-Type-Options", "nosniff")
        # headers and body in one write: a separate small write waits on the client's delayed ACK
        self._headers_buffer.append(b"\r\n")  # type: ignore[attr-defined]  # BaseHTTPRequestHandler's, not in typeshed
        if self.command != "HEAD":
            self._headers_buffer.append(body)  # type: ignore[attr-defined]
        self.flush_headers()

    def _error(self, status: int, message: str) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode())

    def do_OPTIONS(self) -> None:  # noqa: N802 - CORS preflight
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        if url.path in ("/", "/index.html"):
            self._send(200, "text/html; charset=utf-8", self.landing)
            return
        if url.path != "/sparql":
            self._error(404, "not found: the endpoint is /sparql")
            return
        params = parse_qs(url.query, keep_blank_values=True)
        self._answer(params)

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        if url.path != "/sparql":
            self._error(404, "not found: the endpoint is /sparql")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.max_body:
            self._error(413, f"request body over {self.max_body} bytes")
            self.close_connection = True
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = parse_qs(url.query, keep_blank_values=True)
        if ctype == "application/sparql-query":
            params["query"] = [body]
        elif ctype == "application/sparql-update":
            self._error(403, "updates are refused: this endpoint is read-only")
            return
        elif ctype in ("application/x-www-form-urlencoded", ""):
            params.update(parse_qs(body, keep_blank_values=True))
        else:
            self._error(415, "send application/sparql-query or a form with query=")
            return
        self._answer(params)

    def _answer(self, params: dict[str, list[str]]) -> None:
        if "update" in params:
            self._error(403, "updates are refused: this endpoint is read-only")
            return
        if "default-graph-uri" in params or "named-graph-uri" in params:
            self._error(400, "default-graph-uri / named-graph-uri are not supported: the default graph is the union of all graphs; use GRAPH in the query")
            return
        queries = params.get("query") or []
        if len(queries) != 1 or not queries[0].strip():
            self._error(400, "give exactly one query parameter")
            return
        try:
            query = screen(queries[0])
        except Refusal as r:
            self._error(r.status, r.message)
            return
        status, ctype, body = self.pool.run(query, self.headers.get("Accept"))
        if status != 200:
            self._error(status, body.decode("utf-8", errors="replace"))
            return
        self._send(200, ctype, body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(store_path: Path, host: str = "127.0.0.1", port: int = 7878, workers: int = 2,
                limits: Limits | None = None) -> tuple[Server, Pool]:
    limits = limits or Limits()
    pool = Pool(store_path, workers, limits)
    handler = type("BoundHandler", (Handler,), {"pool": pool, "landing": landing_page()})
    return Server((host, port), handler), pool


def serve(store_path: Path, host: str, port: int, workers: int, limits: Limits) -> None:
    server, pool = make_server(store_path, host, port, workers, limits)
    stop = threading.Event()

    def shutdown(*_: Any) -> None:
        if not stop.is_set():
            stop.set()
            threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        pool.stop()
