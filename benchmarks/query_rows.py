"""Every library query's rows, saved or compared as sets (issue #13: the same rows before and after).

    python benchmarks/query_rows.py --data DIR --save before.json     # build DIR into a temporary store, save rows
    python benchmarks/query_rows.py --data DIR --compare before.json  # the same with this checkout's code; print differences

Rows are compared as sets; inside a cell, `;`- or `, `-separated GROUP_CONCAT parts are compared as sets too
(their order is not defined by SPARQL). Queries run with their parameters at their defaults.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from cgt_graph.graph.build import build
from cgt_graph.graph.store import open_read_only
from cgt_graph.sparql.library import library, run_named


def _cell(v: str | None) -> str:
    if v is None:
        return ""
    for sep in ("; ", ";", ", "):
        if sep in v:
            return sep.join(sorted(p.strip() for p in v.split(sep)))
    return v


def rows(data: Path) -> dict[str, list[list[str]]]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        build(store, data)
        oxi = open_read_only(store)
        out = {}
        for name in sorted(library()):
            res = run_named(oxi, name)
            cols = sorted(res.columns)
            idx = [res.columns.index(c) for c in cols]
            out[name] = [cols] + sorted([[_cell(r[i]) for i in idx] for r in res.rows])
        return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--save", type=Path)
    g.add_argument("--compare", type=Path)
    a = ap.parse_args()
    now = rows(a.data)
    if a.save:
        a.save.write_text(json.dumps(now, ensure_ascii=False, indent=0), encoding="utf-8")
        print(f"saved {len(now)} queries, {sum(len(v) - 1 for v in now.values())} rows")
        return 0
    before = json.loads(a.compare.read_text(encoding="utf-8"))
    same = differ = 0
    print(f"{'query':34} {'rows before':>11} {'rows after':>10}  same set")
    for name in sorted(set(before) | set(now)):
        b, n = before.get(name), now.get(name)
        ok = b is not None and n is not None and b[0] == n[0] and {tuple(r) for r in b[1:]} == {tuple(r) for r in n[1:]}
        same += ok
        differ += not ok
        print(f"{name:34} {len(b) - 1 if b else '-':>11} {len(n) - 1 if n else '-':>10}  {'yes' if ok else 'NO'}")
        if not ok and b and n:
            if b[0] != n[0]:
                print(f"    columns {b[0]} -> {n[0]}")
            gone = {tuple(r) for r in b[1:]} - {tuple(r) for r in n[1:]}
            new = {tuple(r) for r in n[1:]} - {tuple(r) for r in b[1:]}
            for r in sorted(gone)[:3]:
                print(f"    - {r}")
            for r in sorted(new)[:3]:
                print(f"    + {r}")
    print(f"{same} queries give the same rows, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
