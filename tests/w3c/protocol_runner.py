"""Run the W3C SPARQL 1.1 Protocol *query* tests (tests/w3c/protocol/manifest.ttl) against an endpoint.

`store_nquads()` is the data the tests expect (each data file as the named graph of its label);
`run(base_url)` sends every request of every query test (update tests are left out: the endpoint
is read-only by design) and returns (test name, passed, detail). Also a script:
`python -m tests.w3c.protocol_runner http://127.0.0.1:PORT` prints the results.
"""

from __future__ import annotations

import http.client
import json
import sys
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Namespace

HERE = Path(__file__).parent / "protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/"

RESULT_TYPES = {"boolean": ("application/sparql-results+xml", "application/sparql-results+json"),
                "tabular": ("application/sparql-results+xml", "application/sparql-results+json", "text/csv",
                            "text/tab-separated-values"),
                "RDF": ("application/rdf+xml", "text/turtle", "application/n-triples", "text/plain",
                        "application/ld+json")}


def manifest() -> Graph:
    return Graph().parse(HERE / "manifest.ttl", format="turtle", publicID=BASE + "manifest.ttl")


def store_nquads() -> bytes:
    g, out = manifest(), {}
    for data in g.objects(None, UT.graphData):
        name = str(g.value(data, RDFS.label))
        file = str(g.value(data, UT.graph)).rsplit("/", 1)[-1]
        for line in (HERE / file).read_text().splitlines():
            if line.strip():
                out[line.rstrip()[:-1].rstrip() + f" <{name}> .\n"] = None
    return "".join(out).encode()


def query_tests(g: Graph) -> list:
    man = next(g.subjects(RDF.type, MF.Manifest))
    entries = list(g.items(g.value(man, MF.entries)))
    return [t for t in entries if "update" not in str(t).split("#")[-1]]


def _boolean(ctype: str, body: bytes) -> bool | None:
    try:
        if "json" in ctype:
            return json.loads(body).get("boolean")
        if "xml" in ctype:
            el = ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
            return None if el is None else el.text.strip() == "true"
    except ValueError:
        return None
    return None


def run(base_url: str) -> list[tuple[str, bool, str]]:
    g = manifest()
    url = urllib.parse.urlsplit(base_url)
    results = []
    for test in query_tests(g):
        name = str(test).split("#")[-1]
        action = g.value(test, MF.action)
        ok, detail = True, ""
        for req in g.items(g.value(action, HT.requests)):
            method = str(g.value(req, HT.methodName))
            path = str(g.value(req, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
            headers = {}
            for h in g.items(g.value(req, HT.headers)) if g.value(req, HT.headers) else []:
                headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            body = None
            b = g.value(req, HT.body)
            if b is not None:
                enc = str(g.value(b, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(b, CNT.chars)).encode(enc.lower())
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in headers.items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            r = conn.getresponse()
            got = r.read()
            ctype = (r.getheader("Content-Type") or "").split(";")[0].strip()
            conn.close()
            resp = g.value(req, HT.resp)
            wanted = {str(s)[len(HTS):len(HTS) + 1] for s in g.objects(resp, MF.expectedStatus)}
            if str(r.status)[0] not in wanted:
                ok, detail = False, f"{method} {path[:60]}: status {r.status} (wanted {'/'.join(sorted(wanted))}xx): {got[:100]!r}"
                break
            fmt = g.value(resp, MF.expectedFormat)
            if fmt is not None and ctype not in RESULT_TYPES[str(fmt)]:
                ok, detail = False, f"content type {ctype} for {fmt}"
                break
            expected = g.value(resp, MF.expectedBoolean)
            if expected is not None and _boolean(ctype, got) != expected.toPython():
                ok, detail = False, f"boolean {_boolean(ctype, got)} (wanted {expected}): {got[:100]!r}"
                break
        results.append((name, ok, detail))
    return results


if __name__ == "__main__":
    res = run(sys.argv[1])
    for name, ok, detail in res:
        print(f"{'PASS' if ok else 'FAIL'} {name} {detail}")
    print(f"{sum(ok for _, ok, _ in res)}/{len(res)} protocol query tests pass")
