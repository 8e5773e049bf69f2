"""A read-only SPARQL 1.1 Protocol endpoint over the built store (Starlette under uvicorn).

* `/sparql`: queries by GET (`query=`), URL-encoded form POST and direct POST
  (`application/sparql-query`); `default-graph-uri` / `named-graph-uri` honoured (with neither,
  and no FROM in the query, the default graph is the union of all graphs); relative IRIs
  resolve against the endpoint's URL; results as SPARQL JSON, XML, CSV or TSV by `Accept`,
  CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML; CORS for browser tools.
  A GET without a query answers a SPARQL 1.1 Service Description (Turtle, RDF/XML, JSON-LD or
  N-Triples by `Accept`; a browser gets the HTML page with the library's queries).
* Client errors are 4xx: syntax errors and unknown functions 400, updates 403, other methods
  405 (with `Allow`), unacceptable `Accept` 406, a body not sent in time 408, bodies and query
  texts too large 413, a POST without a usable Content-Type or with a charset other than UTF-8
  415, too many slow queries from one client 429. 5xx are server-side: a worker lost (500),
  busy or past the deadline (503).
* Every query is screened (`guard.py`) and run in the sandbox (`sandbox.py`): worker processes
  with no network, a memory limit and a deadline, a fast and a slow lane.
* HTTP limits (uvicorn): request head size (h11's incomplete-event limit), body size, time to
  send the request head and body (`request_timeout_s`; a connection that sends nothing, or
  declares a body and never sends it, is dropped), keep-alive time, concurrent connections
  (`limit_concurrency`: beyond it, 503); no `Server` header.
"""

from __future__ import annotations

import asyncio
import html
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from cgt_graph import __version__
from cgt_graph.sparql.guard import Refusal, check
from cgt_graph.sparql.sandbox import (CONTENT_TYPE, GRAPH_TYPES, SELECT_TYPES, Job, Limits, Pool,  # noqa: F401 - re-exported
                                      negotiate, run_screened)

ALLOW = "GET, HEAD, POST, OPTIONS"
UTF8 = {"utf-8", "utf8", "us-ascii", "ascii"}
SD_TYPES = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/rdf+xml": "xml",
            "application/ld+json": "json-ld", "application/n-triples": "nt", "text/html": "html"}
SD_CONTENT_TYPE = {"turtle": "text/turtle; charset=utf-8", "xml": "application/rdf+xml",
                   "json-ld": "application/ld+json", "nt": "application/n-triples"}


@dataclass
class HttpLimits:
    max_body_bytes: int = 1_000_000
    max_head_bytes: int = 200_000        # request line + headers: a GET query of MAX_QUERY_CHARS, %-encoded
    request_timeout_s: float = 10.0      # to send the request head, and again to send the body
    keep_alive_s: int = 5
    max_connections: int = 256           # open connections plus requests in progress; beyond: 503
    threads: int = 64                    # requests waiting on a worker at once


class ClientError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


# ----------------------------------------------------------------------------- pages

def landing_page() -> bytes:
    from cgt_graph.sparql.library import bound_text, library

    items = []
    for q in library().values():
        text = bound_text(q.name)  # parameters at their defaults
        href = "/sparql?query=" + quote(text, safe="")
        items.append(f"<li><a href=\"{html.escape(href)}\">{html.escape(q.title)}</a>"
                     f"<br><small>{html.escape(q.description)}</small>"
                     f"<details><summary>SPARQL</summary><pre>{html.escape(text)}</pre></details></li>")
    return ("<!doctype html><html lang=en><meta charset=utf-8><title>cgt-graph SPARQL endpoint</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}pre{background:#f4f4f4;padding:.5em;overflow:auto}</style>"
            "<h1>cgt-graph SPARQL endpoint</h1>"
            "<p>Read-only SPARQL 1.1 Protocol endpoint at <code>/sparql</code> (GET or POST). "
            "Results: SPARQL JSON, XML, CSV, TSV; graphs: Turtle, N-Triples, JSON-LD, RDF/XML (by <code>Accept</code>). "
            "The default graph is the union of all data graphs unless <code>default-graph-uri</code>, "
            "<code>named-graph-uri</code> or FROM say otherwise. SERVICE, updates and very large or deeply nested "
            "queries are refused; each query has a deadline. The service description: "
            "<code>curl -H 'Accept: text/turtle' …/sparql</code>.</p><h2>Examples from the query library</h2><ul>"
            + "".join(items) + f"</ul><p><small>cgt-graph {__version__}</small></p></html>").encode()


def service_description(endpoint: str, named_graphs: list[str], fmt: str) -> bytes:
    """SPARQL 1.1 Service Description of this endpoint, with the library's queries as examples
    (as `sh:SPARQLExecutable`s with `schema:target` the endpoint, the convention of SIB's examples)."""
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF, RDFS

    from cgt_graph.sparql.library import bound_text, library

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    formats = Namespace("http://www.w3.org/ns/formats/")
    sh = Namespace("http://www.w3.org/ns/shacl#")
    schema = Namespace("https://schema.org/")
    g = Graph()
    for prefix, ns in (("sd", sd), ("formats", formats), ("sh", sh), ("schema", schema)):
        g.bind(prefix, ns)
    svc = URIRef(endpoint)
    g.add((svc, RDF.type, sd.Service))
    g.add((svc, sd.endpoint, svc))
    g.add((svc, sd.supportedLanguage, sd.SPARQL11Query))
    for f in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
              "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        g.add((svc, sd.resultFormat, formats[f]))
    g.add((svc, sd.feature, sd.UnionDefaultGraph))
    ds, dg = BNode("dataset"), BNode("default")
    g.add((svc, sd.defaultDataset, ds))
    g.add((ds, RDF.type, sd.Dataset))
    g.add((ds, sd.defaultGraph, dg))
    g.add((dg, RDF.type, sd.Graph))
    g.add((dg, RDFS.comment, Literal("The union of all named graphs (when the request names no dataset).")))
    for name in named_graphs:
        ng = BNode()
        g.add((ds, sd.namedGraph, ng))
        g.add((ng, RDF.type, sd.NamedGraph))
        g.add((ng, sd.name, URIRef(name)))
    for q in library().values():
        ex = URIRef(f"{endpoint}#example-{q.name}")
        g.add((ex, RDF.type, sh.SPARQLExecutable))
        g.add((ex, RDF.type, sh.SPARQLSelectExecutable))
        g.add((ex, RDFS.label, Literal(q.title, lang="en")))
        g.add((ex, RDFS.comment, Literal(q.description, lang="en")))
        g.add((ex, sh.select, Literal(bound_text(q.name))))
        g.add((ex, schema.target, svc))
    out = g.serialize(format=fmt, encoding="utf-8")
    return out if isinstance(out, bytes) else out.encode()


# ----------------------------------------------------------------------------- the application

def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return "utf-8"


def _decode(raw: bytes, content_type: str) -> str:
    charset = _charset(content_type)
    if charset not in UTF8:
        raise ClientError(415, f"charset {charset} is not supported: send the request in UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ClientError(400, f"the request is not valid UTF-8 (byte {exc.start})") from None


def _parse_qs(text: str) -> dict[str, list[str]]:
    try:
        return parse_qs(text, keep_blank_values=True, errors="strict", max_num_fields=1000)
    except UnicodeDecodeError:
        raise ClientError(400, "a parameter is not valid UTF-8 once %-decoded") from None
    except ValueError as exc:
        raise ClientError(400, f"bad parameters: {exc}") from None


def make_app(pool: Pool, http: HttpLimits | None = None):
    from anyio import CapacityLimiter, to_thread
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    http = http or HttpLimits()
    limiter = CapacityLimiter(http.threads)
    landing = landing_page()
    sd_cache: dict[tuple[str, str, Any], bytes] = {}

    def text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        return PlainTextResponse(message + "\n", status, headers=headers)

    async def read_body(request: Request) -> bytes:
        length = request.headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                raise ClientError(400, "bad Content-Length")
            if int(length) > http.max_body_bytes:
                raise ClientError(413, f"request body over {http.max_body_bytes} bytes",
                                  {"Connection": "close"})
        chunks, size = [], 0
        try:
            async with asyncio.timeout(http.request_timeout_s):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > http.max_body_bytes:
                        raise ClientError(413, f"request body over {http.max_body_bytes} bytes",
                                          {"Connection": "close"})
                    chunks.append(chunk)
        except TimeoutError:
            raise ClientError(408, f"the request body did not arrive within {http.request_timeout_s:g} s",
                              {"Connection": "close"}) from None
        return b"".join(chunks)

    async def run(request: Request, params: dict[str, list[str]], query: str | None) -> Response:
        if "update" in params:
            raise ClientError(403, "updates are refused: this endpoint is read-only")
        queries = params.get("query", []) if query is None else [query]
        if query is not None and "query" in params:
            raise ClientError(400, "give the query once: in the body or as query=, not both")
        if len(queries) != 1 or not queries[0].strip():
            raise ClientError(400, "give exactly one query")
        try:
            screened = check(queries[0])
        except Refusal as r:
            raise ClientError(r.status, r.message) from None
        default = params.get("default-graph-uri")
        named = params.get("named-graph-uri")
        base = str(request.url.replace(query="", fragment=""))
        job = Job(screened.text, request.headers.get("accept"), default, named, base,
                  union=not screened.declares_dataset)
        client = request.client.host if request.client else "unknown"
        status, ctype, body = await pool.arun(job, client, limiter)
        if status != 200:
            headers = {"Retry-After": "5"} if status in (429, 503) else None
            return text(status, body.decode("utf-8", errors="replace"), headers)
        return Response(body, 200, media_type=ctype)

    async def describe(request: Request) -> Response:
        fmt = negotiate(request.headers.get("accept"), SD_TYPES, "turtle")
        if fmt is None:
            raise ClientError(406, "Accept: the service description is text/turtle, application/rdf+xml, "
                                   "application/ld+json or application/n-triples")
        if fmt == "html":
            return Response(landing, media_type="text/html; charset=utf-8")
        from cgt_graph.graph.store import current_build

        endpoint = str(request.url.replace(query="", fragment=""))
        key = (endpoint, fmt, current_build(pool.store_path))
        if key not in sd_cache:
            status, _, body = await to_thread.run_sync(
                pool.run, Job("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g", "text/tab-separated-values"),
                None, "service-description", limiter=limiter)
            if status != 200:
                return text(status, body.decode("utf-8", errors="replace"))
            graphs = [line.strip()[1:-1] for line in body.decode().splitlines()[1:] if line.strip()]
            if len(sd_cache) > 64:
                sd_cache.clear()
            sd_cache[key] = await to_thread.run_sync(service_description, endpoint, graphs, fmt, limiter=limiter)
        return Response(sd_cache[key], media_type=SD_CONTENT_TYPE[fmt])

    async def sparql(request: Request) -> Response:
        method = request.method
        try:
            if method == "OPTIONS":  # CORS preflight
                return Response(status_code=204, headers={
                    "Access-Control-Allow-Methods": ALLOW, "Access-Control-Allow-Headers": "Content-Type, Accept",
                    "Access-Control-Max-Age": "86400", "Allow": ALLOW})
            if method in ("GET", "HEAD"):
                params = _parse_qs(request.url.query)
                if "query" not in params and "update" not in params:
                    return await describe(request)
                return await run(request, params, None)
            if method != "POST":
                raise ClientError(405, f"{method} is not a SPARQL query operation: use GET or POST",
                                  {"Allow": ALLOW})
            params = _parse_qs(request.url.query)
            ctype_header = request.headers.get("content-type")
            if not ctype_header:
                raise ClientError(415, "a POST needs a Content-Type: application/sparql-query for a query "
                                       "in the body, or application/x-www-form-urlencoded for a form")
            ctype = ctype_header.split(";")[0].strip().lower()
            if ctype == "application/sparql-update":
                raise ClientError(403, "updates are refused: this endpoint is read-only")
            if ctype not in ("application/sparql-query", "application/x-www-form-urlencoded"):
                raise ClientError(415, f"{ctype} is not accepted: send application/sparql-query "
                                       "or application/x-www-form-urlencoded")
            body = _decode(await read_body(request), ctype_header)
            if ctype == "application/sparql-query":
                return await run(request, params, body)
            for key, values in _parse_qs(body).items():
                params.setdefault(key, []).extend(values)
            return await run(request, params, None)
        except ClientError as e:
            return text(e.status, e.message, e.headers)
        except ClientDisconnect:
            return text(400, "the client went away")

    async def index(request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return text(405, "use GET", {"Allow": "GET, HEAD"})
        return Response(landing, media_type="text/html; charset=utf-8")

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        headers = getattr(exc, "headers", None)
        if status == 404:
            return text(404, "not found: the endpoint is /sparql")
        return text(status, str(getattr(exc, "detail", "error")), headers)

    app = Starlette(routes=[
        Route("/", index, methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
        Route("/index.html", index, methods=["GET", "HEAD"]),
        Route("/sparql", sparql, methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
                                          "TRACE", "CONNECT"]),
    ], exception_handlers={HTTPException: http_error})
    return _CommonHeaders(app, http.max_head_bytes)


class _CommonHeaders:
    """CORS and nosniff on every response (errors included); request heads over `max_head` refused
    with 431 (h11 bounds only a head that arrives in pieces: one that arrives whole passes it)."""

    def __init__(self, app: Any, max_head: int):
        self.app, self.max_head = app, max_head

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + sum(
            len(k) + len(v) + 4 for k, v in scope.get("headers", []))
        if size > self.max_head:
            body = f"request head over {self.max_head} bytes\n".encode()
            await send({"type": "http.response.start", "status": 431, "headers": [
                (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"), (b"access-control-allow-origin", b"*")]})
            await send({"type": "http.response.body", "body": body})
            return

        async def wrapped(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (b"access-control-allow-origin", b"*"), (b"x-content-type-options", b"nosniff")]
            await send(message)
        await self.app(scope, receive, wrapped)


# ----------------------------------------------------------------------------- uvicorn

def _protocol_class(request_timeout_s: float):
    """uvicorn's h11 protocol with a deadline for the request head: uvicorn itself waits for ever
    on a connection that sends nothing, or half a request line (slowloris)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class Protocol(H11Protocol):
        _head_timer = None
        _seen_cycle = None

        def _arm(self) -> None:
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(request_timeout_s, self._head_timeout)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timeout(self) -> None:
            self._head_timer = None
            if self.cycle is None or self.cycle.response_complete:
                self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self.cycle is None or self.cycle.response_complete:
                self._arm()  # waiting for a request head (a keep-alive connection starting its next one)
            super().data_received(data)
            if self.cycle is not None and self.cycle is not self._seen_cycle:
                self._seen_cycle = self.cycle
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return Protocol


def serve(store_path: Path, host: str, port: int, workers: int, limits: Limits,
          http: HttpLimits | None = None) -> None:
    import socket

    import uvicorn

    http = http or HttpLimits()
    try:  # bind first: a taken port is a usage error, told before any worker starts
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose proto says TCP
        # (with proto 0 every answer waited 40 ms on Nagle and delayed ACKs)
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        print(f"error: cannot serve on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        raise SystemExit(2) from None
    pool = Pool(store_path, workers, limits)
    try:
        config = uvicorn.Config(
            make_app(pool, http), http=_protocol_class(http.request_timeout_s),
            loop="asyncio", lifespan="off", server_header=False, date_header=True,
            limit_concurrency=http.max_connections, timeout_keep_alive=http.keep_alive_s,
            h11_max_incomplete_event_size=http.max_head_bytes, timeout_graceful_shutdown=2,
            access_log=bool(os.environ.get("CGT_GRAPH_SERVER_LOG")),
            log_level="info" if os.environ.get("CGT_GRAPH_SERVER_LOG") else "warning")
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        pool.stop()
        sock.close()
