"""Time to build the network projections and run every analysis.

Usage: python benchmarks/network.py [--multiple N] [--runs R]

Builds a store (a synthetic one N times the real graph with --multiple, without
SHACL), then times: loading the rows through the library query, each projection
and each analysis; prints median and max over the runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from cgt_graph.analysis import network as nw
from cgt_graph import paths
from cgt_graph.graph.build import build
from cgt_graph.graph.store import open_snapshot


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--multiple", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = paths.data_dir()
        if args.multiple > 1:
            from benchmarks.synth import generate
            data = Path(tmp) / "data"
            generate(paths.data_dir(), data, args.multiple)
        report = build(Path(tmp) / "store", data, shacl=args.multiple == 1)
        store = open_snapshot(Path(tmp) / "store")
        steps = {
            "load rows (query)": lambda: nw.load(store),
        }
        auths = nw.load(store)
        follow = nw.follow_network(auths)
        steps.update({
            "follow network": lambda: nw.follow_network(auths),
            "product-jurisdiction": lambda: nw.product_jurisdiction_graph(auths),
            "pathway co-use": lambda: nw.pathway_co_use(auths),
            "sponsor-modality": lambda: nw.sponsor_modality(auths),
            "first movers (all, modality, period)": lambda: [nw.first_movers(auths, b) for b in (None, "modality", "period")],
            "lag distribution": lambda: nw.lag_distribution(auths),
            "centrality": lambda: nw.centrality(follow),
            "communities": lambda: nw.communities(auths),
            "single jurisdiction": lambda: nw.single_jurisdiction(auths),
            "expedited effect": lambda: nw.expedited_effect(auths),
        })
        print(f"graph: {report.triples} triples (x{args.multiple}); {len(auths)} authorisations")
        total = []
        for _ in range(args.runs):
            t_all = time.perf_counter()
            for fn in steps.values():
                fn()
            total.append(time.perf_counter() - t_all)
        for name, fn in steps.items():
            times = []
            for _ in range(args.runs):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            print(f"{name:40} median {statistics.median(times):8.3f} s   max {max(times):8.3f} s")
        print(f"{'all projections and analyses':40} median {statistics.median(total):8.3f} s   max {max(total):8.3f} s")


if __name__ == "__main__":
    main()
