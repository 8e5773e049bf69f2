"""`cgt-graph build` and `cgt-graph validate`, two checkouts side by side in one run (issue #13).

    .venv/bin/python benchmarks/model_compare.py --old /work/wt-base/src --new src --data DIR --sizes 1,100 --runs 3

Both versions build the same data (a copy of DIR, and DIR made N times larger by benchmarks/synth.py
for each size above 1) through their own CLI in fresh processes, runs interleaved (old, new, old,
new ...) so that a change in machine load touches both. Printed per step and size: wall seconds and
CPU seconds (user + system, the fairer figure on a shared machine), median over the runs, peak
memory, and new/old. Each version keeps one $CGT_GRAPH_HOME across its runs, as a user does (its
cache of compiled shapes is warm after the first run); `--cold` gives every run a fresh one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from cgt_graph.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit as e:
    if e.code not in (0, None):
        raise
r = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": r.ru_utime + r.ru_stime, "rss_mb": r.ru_maxrss / 1024}), file=sys.stderr)
"""


def run(src: Path, args: list[str], home: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src.resolve()), "CGT_GRAPH_HOME": str(home)}
    p = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise SystemExit(f"{src}: {' '.join(args)} failed:\n{p.stderr[-2000:]}")
    return json.loads(p.stderr.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", type=Path, required=True, help="src/ of the baseline checkout")
    ap.add_argument("--new", type=Path, required=True, help="src/ of this checkout")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--sizes", default="1,100")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cold", action="store_true", help="a fresh $CGT_GRAPH_HOME for every run (no cache)")
    a = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.synth import generate

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in [int(s) for s in a.sizes.split(",")]:
            data = Path(tmp) / f"data-{size}"
            if size == 1:
                shutil.copytree(a.data, data)
            else:
                generate(a.data, data, size)
            for step in ("validate", "build"):
                figures: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
                for i in range(a.runs):
                    for name, src in (("old", a.old), ("new", a.new)):
                        # one home per version across runs, as a user's: what it caches (the compiled
                        # shapes) is warm after the first run; --cold gives every run a fresh one
                        home = Path(tmp) / (f"home-{name}-{size}-{i}" if a.cold else f"home-{name}")
                        store = home / f"store-{step}-{size}-{i}"
                        args = ["validate", "--data", str(data), "-q"] if step == "validate" else \
                               ["build", "--data", str(data), "--store", str(store), "-q"]
                        figures[name].append(run(src, args, home))
                        shutil.rmtree(home if a.cold else store, ignore_errors=True)
                med = {n: {k: statistics.median(f[k] for f in figs) for k in ("wall", "cpu", "rss_mb")}
                       for n, figs in figures.items()}
                rows.append((step, size, med["old"], med["new"]))
                print(f"{step:8} {size:>4}x  wall {med['old']['wall']:7.2f} -> {med['new']['wall']:7.2f} s  "
                      f"cpu {med['old']['cpu']:7.2f} -> {med['new']['cpu']:7.2f} s ({med['new']['cpu'] / med['old']['cpu']:.2f})  "
                      f"peak {med['old']['rss_mb']:6.0f} -> {med['new']['rss_mb']:6.0f} MB", flush=True)
    print(json.dumps([{"step": s, "size": z, "old": o, "new": n} for s, z, o, n in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
