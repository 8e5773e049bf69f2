"""The SPARQL endpoint, started for real and queried by clients we did not write."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, SPARQLWrapper

from cgt_graph.graph.build import build

from .conftest import FIXTURE_DATA

CGT = "https://w3id.org/cgt-graph/ontology#"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(store: Path, timeout: float = 2.0) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from cgt_graph.cli import main; sys.exit(main())",
         "serve", "--port", str(port), "--timeout", str(timeout), "--store", str(store)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/", timeout=1).read()
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server did not start")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    store = tmp_path_factory.mktemp("srv") / "store"
    build(store, FIXTURE_DATA)
    proc, url = _start(store)
    yield url, store
    proc.terminate()
    proc.wait(10)


def _get(url: str, query: str, accept: str | None = None) -> tuple[int, str, bytes, float]:
    req = urllib.request.Request(url + "/sparql?" + urllib.parse.urlencode({"query": query}))
    if accept:
        req.add_header("Accept", accept)
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers["Content-Type"], r.read(), time.perf_counter() - t0
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read(), time.perf_counter() - t0


COUNT = f"SELECT (COUNT(?a) AS ?n) WHERE {{ ?a a <{CGT}MarketingAuthorisation> }}"


def test_sparqlwrapper_select_json_and_csv(endpoint):
    url, _ = endpoint
    sw = SPARQLWrapper(url + "/sparql")
    sw.setQuery(COUNT)
    sw.setReturnFormat(JSON)
    res = sw.query().convert()
    assert res["results"]["bindings"][0]["n"]["value"] == "6"
    sw.setReturnFormat(CSV)
    assert sw.query().convert().decode().splitlines() == ["n", "6"]
    sw.setMethod("POST")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["results"]["bindings"][0]["n"]["value"] == "6"


def test_sparqlwrapper_construct_turtle(endpoint):
    url, _ = endpoint
    sw = SPARQLWrapper(url + "/sparql")
    sw.setQuery("CONSTRUCT WHERE { <https://w3id.org/cgt-graph/id/product/demogene-parvovec> ?p ?o }")
    sw.setReturnFormat(TURTLE)
    g = Graph().parse(data=sw.query().convert(), format="turtle")
    assert len(g) > 5


def test_rdflib_sparqlstore(endpoint):
    url, _ = endpoint
    g = Graph(store=SPARQLStore(url + "/sparql", returnFormat="json"))
    rows = list(g.query(f"SELECT ?code WHERE {{ ?j a <{CGT}Jurisdiction> ; <http://www.w3.org/2004/02/skos/core#notation> ?code }} ORDER BY ?code"))
    assert [str(r[0]) for r in rows] == ["CN", "EU", "US"]


@pytest.mark.parametrize("accept,ctype", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"), ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/html;q=0.9, text/csv;q=0.5", "text/csv")])
def test_select_formats_by_accept(endpoint, accept, ctype):
    status, got, body, _ = _get(endpoint[0], COUNT, accept)
    assert status == 200 and got.startswith(ctype)
    assert b"6" in body


@pytest.mark.parametrize("accept,ctype", [("text/turtle", "text/turtle"), ("application/n-triples", "application/n-triples"),
                                          ("application/ld+json", "application/ld+json")])
def test_graph_formats_by_accept(endpoint, accept, ctype):
    status, got, body, _ = _get(endpoint[0], "DESCRIBE <https://w3id.org/cgt-graph/id/jurisdiction/US>", accept)
    assert status == 200 and got.startswith(ctype)
    assert b"United States" in body


def test_cors_and_landing_page(endpoint):
    url, _ = endpoint
    req = urllib.request.Request(url + "/sparql", method="OPTIONS")
    with urllib.request.urlopen(req) as r:
        assert r.headers["Access-Control-Allow-Origin"] == "*"
    with urllib.request.urlopen(url + "/") as r:
        page = r.read().decode()
    assert "Authorisations by modality" in page and "/sparql?query=" in page


HOSTILE = {
    "service": ("SELECT * WHERE { SERVICE <http://192.0.2.1/sparql> { ?s ?p ?o } }", 400),
    "service-escaped": (r"SELECT * WHERE { SERV\u0049CE <http://192.0.2.1/sparql> { ?s ?p ?o } }", 400),
    "update-text": ("DROP ALL", 403),
    "insert": ("INSERT DATA { <http://a> <http://b> <http://c> }", 403),
    "deep-nesting": ("SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000, 400),
    "deep-parens": ("SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }", 400),
    "huge-literal": ('SELECT * WHERE { ?s ?p "' + "x" * 20000 + '" }', 413),
    "syntax-error": ("SELECT WHERE {", 400),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_queries_are_refused_and_server_stays_up(endpoint, case):
    query, status = HOSTILE[case]
    got, _, body, seconds = _get(endpoint[0], query)
    assert got == status, body
    assert seconds < 2, "refused before it could cost anything"
    assert _get(endpoint[0], COUNT)[0] == 200  # the next client is served


def test_update_via_protocol_is_refused(endpoint):
    url, _ = endpoint
    req = urllib.request.Request(url + "/sparql", data=b"update=DROP+ALL", method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 403
    req = urllib.request.Request(url + "/sparql", data=b"DROP ALL", method="POST",
                                 headers={"Content-Type": "application/sparql-update"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 403
    assert _get(url, COUNT)[2].count(b'"6"') == 1


def test_slow_query_gets_an_error_status_not_a_truncated_200(endpoint):
    url, _ = endpoint
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    status, _, body, seconds = _get(url, slow)
    assert status == 503 and b"deadline" in body
    assert seconds < 5
    assert _get(url, COUNT)[0] == 200


def test_queries_read_a_consistent_snapshot_while_build_replaces_the_store(endpoint):
    url, store = endpoint
    results: list[tuple[int, str]] = []
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            status, _, body, _ = _get(url, COUNT)
            value = json.loads(body)["results"]["bindings"][0]["n"]["value"] if status == 200 else body.decode()
            results.append((status, value))

    t = threading.Thread(target=hammer)
    t.start()
    for _ in range(3):
        build(store, FIXTURE_DATA)
    stop.set()
    t.join(30)
    assert len(results) > 10
    assert set(results) == {(200, "6")}
