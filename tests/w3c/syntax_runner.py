"""Send every query of the W3C SPARQL syntax suites (tests/w3c/syntax.json) to an endpoint.

`run(base_url)` returns, per case, (case, status, body): a valid query must be answered (200;
SERVICE is refused by design with 400 and a message naming it), an invalid one refused with 400.
Also a script: `python -m tests.w3c.syntax_runner http://127.0.0.1:PORT` prints the counts.
"""

from __future__ import annotations

import http.client
import json
import sys
import urllib.parse
from pathlib import Path

CASES = json.loads((Path(__file__).parent / "syntax.json").read_text(encoding="utf-8"))


def uses_service(case: dict) -> bool:
    return "SERVICE" in case["query"].upper()


def run(base_url: str) -> list[tuple[dict, int, bytes]]:
    url = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    out = []
    for case in CASES:
        conn.request("POST", "/sparql", body=case["query"].encode("utf-8"),
                     headers={"Content-Type": "application/sparql-query; charset=utf-8",
                              "Accept": "application/sparql-results+json, text/turtle;q=0.9"})
        r = conn.getresponse()
        body = r.read()
        out.append((case, r.status, body))
        if r.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    return out


def verdict(case: dict, status: int, body: bytes) -> bool:
    if case["valid"]:
        if uses_service(case):
            return status == 400 and b"SERVICE" in body
        return status == 200
    return status == 400


if __name__ == "__main__":
    res = run(sys.argv[1])
    for case, status, body in res:
        if not verdict(case, status, body):
            print(f"FAIL {case['suite']}/{case['file']} valid={case['valid']} -> {status} {body[:120]!r}")
    valid = [r for r in res if r[0]["valid"]]
    invalid = [r for r in res if not r[0]["valid"]]
    print(f"valid queries answered: {sum(r[1] == 200 for r in valid)}/{len(valid)} "
          f"(SERVICE refused by design: {sum(uses_service(r[0]) and r[1] == 400 for r in valid)}); "
          f"invalid refused with 400: {sum(r[1] == 400 for r in invalid)}/{len(invalid)}; "
          f"verdict ok: {sum(verdict(*r) for r in res)}/{len(res)}")
