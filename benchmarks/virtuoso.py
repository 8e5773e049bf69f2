"""Virtuoso beside Oxigraph on the same graph: load time, library-query latency, same answers.

Usage: python benchmarks/virtuoso.py [--multiple N] [--runs R] [--slow S] [--json PATH]

Builds the real graph (or a synthetic one N times larger, benchmarks.synth), exports it
as N-Triples with the ontology (what `cgt-graph export --format ntriples --ontology`
writes), bulk-loads that into a throw-away Virtuoso on loopback (cgt_graph.sparql.virtuoso),
then runs every library query on both: Oxigraph on the in-memory snapshot the
endpoint holds, Virtuoso through its /sparql endpoint (HTTP, JSON results). Prints
p50/p95 per engine and whether the answers agree (values compared as in
tests/test_virtuoso.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from queries import pct  # noqa: E402

from cgt_graph import paths  # noqa: E402
from cgt_graph.sparql import library as q  # noqa: E402
from cgt_graph.sparql import virtuoso  # noqa: E402
from cgt_graph.graph.build import build  # noqa: E402
from cgt_graph.publish.turtle import write_graph  # noqa: E402
from cgt_graph.graph.store import open_read_only, open_snapshot  # noqa: E402


def timed(fn, runs: int, slow: float) -> tuple[list[float], object]:
    t = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t
    times = [first * 1000]
    for _ in range((1 if first > slow else runs) - 1):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return times, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--multiple", type=float, default=1)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--slow", type=float, default=10.0, help="a query slower than this (s) is timed once")
    ap.add_argument("--buffers", type=int, default=340_000, help="Virtuoso NumberOfBuffers (8 KB pages)")
    ap.add_argument("--timeout", type=int, default=120, help="Virtuoso MaxQueryExecutionTime (s)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    out: dict = {"multiple": args.multiple, "queries": {}}
    with tempfile.TemporaryDirectory() as tmp:
        data = paths.data_dir()
        if args.multiple != 1:
            from benchmarks.synth import generate
            data = Path(tmp) / "data"
            generate(paths.data_dir(), data, args.multiple)
        store_path = Path(tmp) / "store"
        report = build(store_path, data)
        out["triples"] = report.triples
        nt = Path(tmp) / "export.nt"
        t0 = time.perf_counter()
        with open(nt, "wb") as fh:
            out["exported_triples"] = write_graph(open_read_only(store_path), fh, "ntriples", ontology=True)
        out["export_s"] = time.perf_counter() - t0
        oxi = open_snapshot(store_path)
        with virtuoso.Virtuoso(workdir=Path(tmp) / "virtuoso", buffers=args.buffers,
                               query_timeout=args.timeout) as v:
            t0 = time.perf_counter()
            out["virtuoso_loaded"] = v.load(nt)
            out["virtuoso_load_s"] = time.perf_counter() - t0
            print(f"graph x{args.multiple:g}: {report.triples:,} data triples; export {out['export_s']:.1f} s; "
                  f"Virtuoso bulk load {out['virtuoso_load_s']:.1f} s ({out['virtuoso_loaded']:,} triples)")
            print(f"{'query':30}{'oxigraph p50':>13}{'p95':>9}{'virtuoso p50':>13}{'p95':>9}  same answers (ms)")
            for name in q.library():
                text = q.bound_text(name)
                ot, ours = timed(lambda text=text: q.run(oxi, text), args.runs, args.slow)
                row: dict = {"oxigraph_p50_ms": pct(ot, 50), "oxigraph_p95_ms": pct(ot, 95), "rows": len(ours.rows)}
                try:
                    vt, (cols, theirs) = timed(lambda text=text: v.result(text), args.runs, args.slow)
                    row.update({"virtuoso_p50_ms": pct(vt, 50), "virtuoso_p95_ms": pct(vt, 95),
                                "same": cols == ours.columns and
                                virtuoso.comparable_rows(theirs) == virtuoso.comparable_rows(ours.rows)})
                except virtuoso.VirtuosoError as exc:
                    row["virtuoso_error"] = str(exc).splitlines()[0][:160]
                out["queries"][name] = row
                vcell = (f"{row['virtuoso_p50_ms']:>13.1f}{row['virtuoso_p95_ms']:>9.1f}  {row['same']}"
                         if "virtuoso_p50_ms" in row else f"  error: {row['virtuoso_error'][:60]}")
                print(f"{name:30}{row['oxigraph_p50_ms']:>13.1f}{row['oxigraph_p95_ms']:>9.1f}{vcell}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
