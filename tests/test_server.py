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


def _start(store: Path, timeout: float = 2.0, *extra: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from cgt_graph.cli import main; sys.exit(main())",
         "serve", "--port", str(port), "--timeout", str(timeout), "--store", str(store), *extra],
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
    deadline = time.monotonic() + 60  # a loaded machine answers fewer during the builds: a few more after
    while len(results) <= 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    t.join(30)
    assert len(results) > 10
    assert set(results) == {(200, "6")}  # every answer whole: never an error, never a half-switched store


# ----------------------------------------------------------------------------- the SPARQL 1.1 Protocol

def _request(url: str, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    import http.client
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.putrequest(method, path, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    r = conn.getresponse()
    out = r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    conn.close()
    return out


def test_no_server_header_and_cors_on_errors(endpoint):
    status, headers, _ = _request(endpoint[0], "GET", "/sparql?query=" + urllib.parse.quote(COUNT))
    assert status == 200 and "server" not in headers
    status, headers, _ = _request(endpoint[0], "GET", "/nowhere")
    assert status == 404 and headers["access-control-allow-origin"] == "*" and "server" not in headers


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_get_405_with_allow(endpoint, method):
    status, headers, body = _request(endpoint[0], method, "/sparql?query=ASK%7B%7D")
    assert status == 405 and headers["allow"] == "GET, HEAD, POST, OPTIONS"
    assert headers["content-type"].startswith("text/plain") and b"<html" not in body.lower()


def test_head_answers_headers_only(endpoint):
    status, headers, body = _request(endpoint[0], "HEAD", "/sparql?query=" + urllib.parse.quote(COUNT))
    assert status == 200 and headers["content-type"] == "application/sparql-results+json" and body == b""


@pytest.mark.parametrize("headers,status", [
    ({}, 415),                                                             # no Content-Type: not a form
    ({"Content-Type": "text/plain"}, 415),
    ({"Content-Type": "application/sparql-query; charset=UTF-16"}, 415),
    ({"Content-Type": "application/sparql-query; charset=ISO-8859-1"}, 415),
    ({"Content-Type": "application/sparql-query; charset=utf-8"}, 200),
])
def test_post_content_type_and_charset(endpoint, headers, status):
    got, _, body = _request(endpoint[0], "POST", "/sparql", COUNT.encode(), headers)
    assert got == status, body


def test_form_post_without_content_type_is_not_read_as_a_form(endpoint):
    got, _, body = _request(endpoint[0], "POST", "/sparql", b"query=ASK%7B%7D")
    assert got == 415 and b"Content-Type" in body


def test_dataset_parameters_are_honoured(endpoint):
    url, store = endpoint
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    names = [line.strip("<>") for line in _get(url, graphs, "text/tab-separated-values")[2].decode().split()[1:]]
    assert len(names) > 1
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    total = int(_get(url, count, "text/csv")[2].split()[1])
    q = urllib.parse.urlencode({"query": count, "default-graph-uri": names[0]})
    status, _, body = _request(url, "GET", "/sparql?" + q, headers={"Accept": "text/csv"})
    one = int(body.split()[1])
    assert status == 200 and 0 < one < total          # only that graph, not the union
    q = urllib.parse.urlencode({"query": "SELECT ?g WHERE { GRAPH ?g { } }", "named-graph-uri": names[1]})
    status, _, body = _request(url, "GET", "/sparql?" + q, headers={"Accept": "text/csv"})
    assert status == 200 and body.decode().split() == ["g", names[1]]
    # FROM in the query chooses the dataset when the protocol does not
    status, _, body, _ = _get(url, f"SELECT (COUNT(*) AS ?n) FROM <{names[0]}> WHERE {{ ?s ?p ?o }}", "text/csv")
    assert int(body.split()[1]) == one


def test_relative_iris_resolve_against_the_endpoint(endpoint):
    status, _, body, _ = _get(endpoint[0], "SELECT ?x WHERE { BIND(<a/b> AS ?x) }", "text/csv")
    assert status == 200 and body.decode().split()[1] == endpoint[0] + "/a/b"


def test_an_unknown_function_is_an_evaluation_error_not_a_failure(endpoint):
    """SPARQL 1.1 section 17.6: an extension function the engine does not know raises an error in
    evaluation: a BIND leaves its variable unbound, a FILTER on it is false; the query is answered."""
    query = ("PREFIX ex: <http://example.org/fn#> SELECT ?n ?x WHERE { VALUES ?n { 1 2 } "
             "BIND(ex:f(?n) AS ?x) FILTER(ex:g(?n) || ?n = 2) }")
    status, _, body, _ = _get(endpoint[0], query, "text/csv")
    assert status == 200, body
    assert body.decode().split() == ["n,x", "2,"]


def test_service_description(endpoint):
    url, _ = endpoint
    status, headers, body = _request(url, "GET", "/sparql", headers={"Accept": "text/turtle"})
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=body, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    rows = list(g.query(f"""PREFIX sd: <{sd}> SELECT ?lang (COUNT(DISTINCT ?ng) AS ?graphs) WHERE {{
        ?s a sd:Service ; sd:endpoint <{url}/sparql> ; sd:supportedLanguage ?lang ; sd:resultFormat ?f ;
           sd:feature sd:UnionDefaultGraph ; sd:defaultDataset [ sd:defaultGraph ?dg ; sd:namedGraph [ sd:name ?ng ] ] }}
        GROUP BY ?lang"""))
    assert [(str(r[0]), int(r[1]) > 1) for r in rows] == [(sd + "SPARQL11Query", True)]
    examples = list(g.query("PREFIX sh: <http://www.w3.org/ns/shacl#> SELECT ?q WHERE { ?e a sh:SPARQLExecutable ; sh:select ?q }"))
    assert len(examples) > 10 and any("MarketingAuthorisation" in str(r[0]) for r in examples)
    status, headers, body = _request(url, "GET", "/sparql", headers={"Accept": "application/rdf+xml"})
    assert status == 200 and headers["content-type"] == "application/rdf+xml" and len(Graph().parse(data=body, format="xml")) == len(g)
    status, headers, body = _request(url, "GET", "/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert status == 200 and headers["content-type"].startswith("text/html")


# ----------------------------------------------------------------------------- slow and broken clients

def _raw(url: str, data: bytes, timeout: float = 30) -> tuple[bytes, float]:
    """Send raw bytes, read until the server closes: (everything received, seconds)."""
    u = urllib.parse.urlsplit(url)
    s = socket.create_connection((u.hostname, u.port))
    s.settimeout(timeout)
    t0 = time.perf_counter()
    s.sendall(data)
    out = b""
    try:
        while chunk := s.recv(65536):
            out += chunk
    except ConnectionResetError:
        pass
    finally:
        s.close()
    return out, time.perf_counter() - t0


@pytest.fixture(scope="module")
def strict_endpoint(endpoint):
    proc, url = _start(endpoint[1], 2.0, "--request-timeout", "1")
    yield url
    proc.terminate()
    proc.wait(10)


def test_a_declared_body_never_sent_is_dropped_within_the_request_timeout(strict_endpoint):
    out, seconds = _raw(strict_endpoint, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                                         b"Content-Length: 100\r\n\r\nASK")
    assert out.startswith(b"HTTP/1.1 408") and seconds < 5  # the timeout is 1 s; the socket would wait 30


@pytest.mark.parametrize("data", [b"", b"GET /sparql?query=ASK HTTP/1.1\r\nHost: x\r\n"], ids=["silent", "half-a-head"])
def test_a_connection_that_never_sends_a_request_is_closed(strict_endpoint, data):
    out, seconds = _raw(strict_endpoint, data)
    assert out == b"" and seconds < 5


def test_keep_alive_serves_several_requests_on_one_connection(strict_endpoint):
    one = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n"
    out, _ = _raw(strict_endpoint, one * 3)
    assert out.count(b"HTTP/1.1 200") == 3


def test_oversized_head_and_body_are_refused(strict_endpoint):
    out, _ = _raw(strict_endpoint, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 431") or out.startswith(b"HTTP/1.1 400")
    out, _ = _raw(strict_endpoint, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                                   b"Content-Length: 2000000\r\n\r\n" + b"x" * 1000)
    assert out.startswith(b"HTTP/1.1 413")  # refused on the declared length, before the body is read


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def test_killed_workers_are_replaced_and_no_request_is_lost(strict_endpoint, endpoint):
    import os
    import signal
    proc, url = _start(endpoint[1], 2.0)
    try:
        before = _children(proc.pid)
        assert len(before) == 5  # two fast, two slow, one standing by
        os.kill(before[0], signal.SIGKILL)  # one worker: nobody notices
        assert [_get(url, COUNT)[0] for _ in range(20)] == [200] * 20
        for pid in before[1:]:  # all of them: every request still gets an HTTP answer (never a closed
            os.kill(pid, signal.SIGKILL)  # connection), 503 + Retry-After until new workers have started
        statuses = [_get(url, COUNT)[0] for _ in range(20)]
        assert set(statuses) <= {200, 503}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(set(_children(proc.pid)) - set(before)) < 5:
            time.sleep(0.05)
        assert len(set(_children(proc.pid)) - set(before)) == 5
        assert [_get(url, COUNT)[0] for _ in range(10)] == [200] * 10
    finally:
        proc.terminate()
        proc.wait(10)
