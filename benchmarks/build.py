"""Print the build time split into parse, RDF, SHACL and load, the triple count and peak memory.

Usage: python benchmarks/build.py [--data DIR] [--multiple N] [--runs R]

--multiple N builds a synthetic copy of the data N times larger (benchmarks.synth).
Each run is a separate process (a fresh interpreter, as `cgt-graph build` is).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from pathlib import Path
from cgt_graph.graph.build import build
t_import = time.perf_counter() - t0
from cgt_graph.sparql.tables import materialise
r = build(Path(sys.argv[1]), Path(sys.argv[2]), materialise=materialise)
total = time.perf_counter() - t0
print(json.dumps({"import": t_import, **r.timings, "total": total, "triples": r.triples, "quads": r.quads,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parent.parent / "data")
    ap.add_argument("--multiple", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if args.multiple > 1:
            from benchmarks.synth import generate
            data = Path(tmp) / "data"
            generate(args.data, data, args.multiple)
        results = []
        for i in range(args.runs):
            out = subprocess.run([sys.executable, "-c", CHILD, str(Path(tmp) / f"store{i}"), str(data)],
                                 check=True, capture_output=True, text=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    keys = ["import", "parse", "rdf", "shacl", "load", "total", "peak_rss_mb"]
    print(f"data: {args.data}  multiple: {args.multiple}  runs: {args.runs}")
    print(f"triples: {results[0]['triples']}  quads (with ontology, shapes): {results[0]['quads']}")
    print(f"{'step':<12}{'median':>10}{'min':>10}{'max':>10}")
    for k in keys:
        vals = [r[k] for r in results]
        unit = " MB" if k == "peak_rss_mb" else " s"
        print(f"{k:<12}{statistics.median(vals):>10.2f}{min(vals):>10.2f}{max(vals):>10.2f}{unit}")
    tps = results[0]["triples"] / statistics.median(r["total"] for r in results)
    print(f"end to end: {tps:,.0f} triples/s")


if __name__ == "__main__":
    main()
