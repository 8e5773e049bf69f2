"""Library query latency (direct pyoxigraph and through the endpoint) and endpoint throughput.

Usage: python benchmarks/queries.py [--multiple N] [--runs R] [--clients C] [--seconds S] [--json FILE]

Prints p50/p95 for every library query run directly on pyoxigraph (the floor: the same
in-memory snapshot the endpoint's workers hold) and
through `cgt-graph serve` (HTTP on loopback), their ratio, and requests/second with C
concurrent keep-alive clients for a point lookup and a GROUP BY, beside the same
queries run directly on pyoxigraph from C threads. --multiple N uses a synthetic
graph N times the real one (built without SHACL: validation is not what is measured).
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from cgt_graph import paths
from cgt_graph.sparql import library as q
from cgt_graph.graph.build import build
from cgt_graph.graph.store import open_snapshot

LOOKUP = ("SELECT ?label WHERE { <https://w3id.org/cgt-graph/id/product/tisagenlecleucel> "
          "<http://www.w3.org/2000/01/rdf-schema#label> ?label }")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_query(conn: http.client.HTTPConnection, text: str) -> bytes:
    conn.request("POST", "/sparql", body=urllib.parse.urlencode({"query": text}),
                 headers={"Content-Type": "application/x-www-form-urlencoded",
                          "Accept": "application/sparql-results+json"})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise RuntimeError(f"{r.status}: {body[:200]!r}")
    return body


def throughput(fn_factory, clients: int, seconds: float) -> float:
    counts = [0] * clients
    stop = time.perf_counter() + seconds

    def run(i: int) -> None:
        fn = fn_factory()
        while time.perf_counter() < stop:
            fn()
            counts[i] += 1
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--multiple", type=int, default=1)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--slow", type=float, default=20.0,
                    help="a query slower than this (s) on its first run is timed once, not --runs times")
    args = ap.parse_args()
    out: dict = {"multiple": args.multiple, "queries": {}, "throughput": {}}
    with tempfile.TemporaryDirectory() as tmp:
        data = paths.data_dir()
        if args.multiple > 1:
            from benchmarks.synth import generate
            data = Path(tmp) / "data"
            generate(paths.data_dir(), data, args.multiple)
        store_path = Path(tmp) / "store"
        t0 = time.perf_counter()
        report = build(store_path, data, shacl=args.multiple == 1)
        out["build_s"] = time.perf_counter() - t0
        out["triples"] = report.triples
        store = open_snapshot(store_path)  # the same in-memory snapshot the endpoint's workers use
        port = free_port()
        server = subprocess.Popen([sys.executable, "-c", "import sys; from cgt_graph.cli import main; sys.exit(main())",
                                   "serve", "--port", str(port), "--workers", str(args.workers), "--timeout", "120",
                                   "--max-result-bytes", str(2 * 10**9),
                                   "--store", str(store_path)], stderr=subprocess.DEVNULL)
        try:
            for _ in range(6000):  # the endpoint listens once its workers hold the snapshot
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            print(f"graph: {report.triples} triples (x{args.multiple}); build {out['build_s']:.1f} s")
            print(f"{'query':32}{'direct p50':>11}{'p95':>9}{'http p50':>10}{'p95':>9}{'ratio':>7}  (ms)")
            for name in q.library():
                text = q.bound_text(name)
                direct, through = [], []
                t = time.perf_counter()
                q.run(store, text)
                first = time.perf_counter() - t
                runs = 1 if first > args.slow else args.runs
                for _ in range(runs):
                    t = time.perf_counter()
                    q.run(store, text)
                    direct.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    http_query(conn, text)
                    through.append((time.perf_counter() - t) * 1000)
                row = {"direct_p50": pct(direct, 50), "direct_p95": pct(direct, 95),
                       "http_p50": pct(through, 50), "http_p95": pct(through, 95)}
                row["ratio_p50"] = row["http_p50"] / row["direct_p50"] if row["direct_p50"] else None
                out["queries"][name] = row
                print(f"{name:32}{row['direct_p50']:>11.1f}{row['direct_p95']:>9.1f}{row['http_p50']:>10.1f}"
                      f"{row['http_p95']:>9.1f}{row['ratio_p50']:>7.2f}")
            group_by = q.bound_text("counts-by-jurisdiction")
            for label, text in (("lookup", LOOKUP), ("group-by", group_by)):
                def via_http(text=text):
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    return lambda: http_query(c, text)

                def direct(text=text):
                    return lambda: q.run(store, text)
                h = throughput(via_http, args.clients, args.seconds)
                d = throughput(direct, args.clients, args.seconds)
                out["throughput"][label] = {"http_rps": h, "direct_rps": d}
                print(f"{label:10} {args.clients} clients: endpoint {h:8.0f} req/s   direct pyoxigraph {d:8.0f} req/s")
        finally:
            server.terminate()
            server.wait(10)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
