"""The endpoint under load: this checkout's server beside a baseline server, in the same run.

Usage: python benchmarks/endpoint.py [--baseline /work/main] [--seconds 20] [--clients 16] [--rate 10]

For each server (the baseline is started from BASELINE with BASELINE/.venv's interpreter, on the
same store):
1. throughput: look-ups per second with --clients closed-loop keep-alive clients (--tput-seconds);
2. control: the same paced look-ups with no slow clients (--control-seconds): what the machine
   gives at that moment (other processes share the cores);
3. fairness: --clients paced look-up clients (--rate look-ups per second each) while 2 clients run
   slow queries back to back for --seconds. Each slow client is its own address (127.0.0.2 and
   127.0.0.3) and changes its query text every time (a comment with a counter), so no cache of
   known-slow texts can help. Prints look-up p50/p95/max, failed look-ups (any status but 200, or
   a connection error) and how the slow queries ended. Latencies include failed look-ups.

The target (issue #16): no look-up fails and look-up p95 < 100 ms under that load.
"""

from __future__ import annotations

import argparse
import collections
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
from cgt_graph.graph.build import build

LOOKUP = ("SELECT ?label WHERE { <https://w3id.org/cgt-graph/id/jurisdiction/US> "
          "<http://www.w3.org/2000/01/rdf-schema#label> ?label }")
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } # {i}"


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(python: str, cwd: Path, store: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([python, "-c", "import sys; from cgt_graph.cli import main; sys.exit(main())",
                             "serve", "--port", str(port), "--store", str(store)], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"the server in {cwd} did not start")


class Client:
    def __init__(self, port: int, source: str = "127.0.0.1", timeout: float = 60):
        self.port, self.source, self.timeout = port, source, timeout
        self.conn: http.client.HTTPConnection | None = None

    def query(self, text: str) -> int:
        """Status of one query (0: the connection failed or was closed with no answer)."""
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout,
                                                       source_address=(self.source, 0))
            try:
                self.conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": text}),
                                  headers={"Accept": "application/sparql-results+json"})
                r = self.conn.getresponse()
                r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self.conn.close()
                self.conn = None
                if attempt == 2 or not isinstance(exc, http.client.RemoteDisconnected):
                    return 0
            except OSError:
                if self.conn:
                    self.conn.close()
                self.conn = None
                return 0
        return 0


def throughput(port: int, clients: int, seconds: float) -> tuple[float, int]:
    counts, failures = [0] * clients, [0] * clients
    stop = time.perf_counter() + seconds

    def run(i: int) -> None:
        c = Client(port)
        while time.perf_counter() < stop:
            if c.query(LOOKUP) == 200:
                counts[i] += 1
            else:
                failures[i] += 1
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds, sum(failures)


def fairness(port: int, clients: int, rate: float, seconds: float, slow_clients: int = 2) -> dict:
    latencies: list[float] = []
    statuses: collections.Counter[int] = collections.Counter()
    slow_outcomes: collections.Counter[int] = collections.Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def slow(source: str) -> None:
        c, i = Client(port, source), 0
        while not stop.is_set():
            i += 1
            status = c.query(SLOW.replace("{i}", f"{source} {i}"))
            with lock:
                slow_outcomes[status] += 1
            if status != 200:
                time.sleep(0.2)  # a refused slow client tries again soon, as a script would

    def lookups(i: int) -> None:
        c = Client(port)
        period = 1 / rate
        nxt = time.perf_counter() + period * i / clients
        while not stop.is_set():
            time.sleep(max(0.0, nxt - time.perf_counter()))
            nxt += period
            t0 = time.perf_counter()
            status = c.query(LOOKUP)
            dt = time.perf_counter() - t0
            with lock:
                statuses[status] += 1
                latencies.append(dt * 1000)  # failed look-ups count with the time they took
    threads = [threading.Thread(target=slow, args=(f"127.0.0.{k + 2}",)) for k in range(slow_clients)]
    for t in threads:
        t.start()
    if slow_clients:
        time.sleep(1.0)  # the slow queries are running before the look-ups start
    threads += [threading.Thread(target=lookups, args=(i,)) for i in range(clients)]
    for t in threads[slow_clients:]:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    total = sum(statuses.values())
    return {"lookups": total, "failed": total - statuses[200], "statuses": dict(statuses),
            "p50_ms": pct(latencies, 50), "p95_ms": pct(latencies, 95), "max_ms": max(latencies, default=float("nan")),
            "slow_statuses": dict(slow_outcomes)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, default=Path("/work/main"), help="a checkout with .venv (none: skip)")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--rate", type=float, default=10.0, help="look-ups per second per paced client")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--tput-seconds", type=float, default=5.0)
    ap.add_argument("--control-seconds", type=float, default=10.0,
                    help="paced look-ups with no slow clients first: the machine's own latency, as a control")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    here = Path(__file__).resolve().parents[1]
    servers = [("this checkout", sys.executable, here)]
    if args.baseline and (args.baseline / ".venv/bin/python").exists():
        servers.insert(0, (f"baseline {args.baseline}", str(args.baseline / ".venv/bin/python"), args.baseline))
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        report = build(store, paths.data_dir(), shacl=False)
        print(f"graph: {report.triples} triples; {args.clients} look-up clients; slow query: {SLOW.split(' #')[0]}")
        for label, python, cwd in servers:
            port = free_port()
            proc = start(python, cwd, store, port)
            try:
                rps, tput_failed = throughput(port, args.clients, args.tput_seconds)
                calm = fairness(port, args.clients, args.rate, args.control_seconds, slow_clients=0)
                fair = fairness(port, args.clients, args.rate, args.seconds)
            finally:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
            out[label] = {"lookups_per_s": rps, "throughput_failed": tput_failed, "no_slow_clients": calm, **fair}
            print(f"\n{label}")
            print(f"  throughput: {rps:7.0f} look-ups/s with {args.clients} clients ({tput_failed} failed)")
            print(f"  control, no slow clients for {args.control_seconds:g} s: {calm['lookups']} paced look-ups, "
                  f"{calm['failed']} failed; p50 {calm['p50_ms']:.1f} ms, p95 {calm['p95_ms']:.1f} ms, "
                  f"max {calm['max_ms']:.0f} ms")
            print(f"  with 2 slow clients for {args.seconds:g} s: {fair['lookups']} paced look-ups "
                  f"({args.clients} x {args.rate:g}/s), {fair['failed']} failed {fair['statuses']}; "
                  f"p50 {fair['p50_ms']:.1f} ms, p95 {fair['p95_ms']:.1f} ms, max {fair['max_ms']:.0f} ms; "
                  f"slow queries ended {fair['slow_statuses']}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
