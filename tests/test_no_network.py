"""No query can make the endpoint or the explorer's SPARQL worker connect out.

A listener on loopback stands for any address a SERVICE clause could name: a test fails if
it sees a single connection. Every spelling goes through the real server (screen and
worker), and again straight into a worker with the screen bypassed, which proves the
worker's own sandbox (`nonet.py`) holds even where a screen is fooled.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from cgt_graph.graph.build import build
from cgt_graph.sparql.guard import Refusal, screen
from cgt_graph.sparql.server import Limits, Pool

from .conftest import FIXTURE_DATA
from .test_server import _get, _start


class Listener:
    """Counts connections on a loopback port (answers each with an HTTP error body)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.sendall(b"HTTP/1.1 500 Internal\r\nContent-Length: 11\r\n\r\nSECRET-BODY")
            conn.close()


def spellings(port: int) -> dict[str, str]:
    url = f"http://127.0.0.1:{port}/sparql"
    body = "{ ?s ?p ?o }"
    return {
        "plain": f"SELECT * WHERE {{ SERVICE <{url}> {body} }}",
        "lower-case": f"select * where {{ service <{url}> {body} }}",
        "silent": f"SELECT * WHERE {{ SERVICE SILENT <{url}> {body} }}",
        "u-escape-keyword": rf"SELECT * WHERE {{ SERV\u0049CE <{url}> {body} }}",
        "U-escape-keyword": rf"SELECT * WHERE {{ \U00000053ERVICE <{url}> {body} }}",
        "u-escape-in-iri": rf"SELECT * WHERE {{ SERVICE <http\u003A//127.0.0.1:{port}/sparql> {body} }}",
        "escaped-quote-in-pname": (f"PREFIX ex: <http://example.org/> SELECT * WHERE {{ ?s ex:a\\'b ?o . "
                                   f"SERVICE <{url}> {body} }} # '"),
        "escaped-hash-in-pname": (f"PREFIX ex: <http://example.org/> SELECT * WHERE {{ ?s ex:a\\#b ?o . "
                                  f"SERVICE <{url}> {body} }}"),
        "escaped-quote-in-string": f'SELECT * WHERE {{ ?s ?p "a\\"" . SERVICE <{url}> {body} }}',
        "long-string-quotes": f"SELECT * WHERE {{ ?s ?p '''a''b''' . SERVICE <{url}> {body} }}",
        "prefix-named-service": f"PREFIX : <{url}> SELECT * WHERE {{ SERVICE:x {body} }}",
        "variable-endpoint": f"SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {body} }}",
        "in-optional": f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}> {body} }} }} LIMIT 1",
        "in-subquery": f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {body} }} }} }}",
        "in-exists": f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {body} }} }} LIMIT 1",
        "in-construct": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {body} }}",
        "in-ask": f"ASK {{ SERVICE <{url}> {body} }}",
        "comment-newline": f"SELECT * WHERE {{ #x\nSERVICE <{url}> {body} }}",
        "relative-iri-base": f"BASE <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE <sparql> {body} }}",
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    s = tmp_path_factory.mktemp("nonet") / "store"
    build(s, FIXTURE_DATA)
    return s


def test_no_spelling_of_service_connects_through_the_endpoint(store):
    listener = Listener()
    proc, url = _start(store)
    try:
        for name, query in spellings(listener.port).items():
            status, _, body, _ = _get(url, query)
            assert status in (400, 403), (name, status, body)
            assert b"SECRET-BODY" not in body, name
        assert listener.connections == 0
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_worker_cannot_connect_even_when_the_screen_is_bypassed(store):
    listener = Listener()
    pool = Pool(store, 1, Limits(timeout_s=10))
    try:
        for name, query in spellings(listener.port).items():
            status, _, body = pool.run(query, "text/csv")  # no screen: straight to the engine
            if name == "plain":  # the engine tried, and the sandbox refused the socket
                assert status == 500 and b"Permission denied" in body, body
            assert b"SECRET-BODY" not in body, name
        # the worker still answers ordinary queries
        status, _, body = pool.run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "text/csv")
        assert status == 200 and int(body.split()[1]) > 0
    finally:
        pool.stop()
    assert listener.connections == 0


def test_the_listener_would_have_seen_a_connection():
    """The control: the same engine outside the sandbox does connect (so the tests above can fail)."""
    from pyoxigraph import Store

    listener = Listener()
    with pytest.raises(OSError, match="SECRET-BODY"):
        list(Store().query(spellings(listener.port)["plain"]))
    assert listener.connections == 1


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ?p "drop it"@en-insert }',
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:service ?o . ?s ex:drop ?x }",
    "PREFIX ex: <http://example.org/> SELECT ?insert WHERE { ?insert ex:load ?delete }",
    'SELECT * WHERE { ?s ?p "SERVICE <http://x> {}" } # SERVICE',
    "PREFIX service: <http://example.org/> SELECT * WHERE { ?s ?p ?o }",
    'SELECT * WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "^(a+)+$")) }',
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<?s&&?s>?o) }",
    r"PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:a\'b\#c ?o }",
])
def test_the_screen_lets_valid_queries_through(query):
    assert screen(query) == query


@pytest.mark.parametrize("query, status", [
    (r"SELECT * WHERE { ?s ?p 'x\q' }", 400),     # not a SPARQL escape: the lexer refuses
    ("SELECT * WHERE { ?s ?p '" + "x" * 5000 + "' }", 413),
    (r"SELECT * WHERE { ?s ?p 'x\'" + "y" * 5000 + "' }", 413),
    ("SELECT * WHERE " + "{" * 100 + "}" * 100, 400),
    ("PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:a\\'b ?o " + "{" * 100 + "}" * 100 + " } # '", 400),
])
def test_the_screen_refuses_what_it_must(query, status):
    with pytest.raises(Refusal) as e:
        screen(query)
    assert e.value.status == status
