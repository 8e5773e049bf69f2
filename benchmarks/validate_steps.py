"""The two validation steps of the build, old and new code side by side on the same in-memory store.

    .venv/bin/python benchmarks/validate_steps.py --data data
    .venv/bin/python benchmarks/validate_steps.py --data /tmp/d100n --save-nquads /tmp/d100.nq
    .venv/bin/python benchmarks/validate_steps.py --nquads /tmp/d100.nq --inject 2000

The store holds what the build validates (data, ontology and derived graphs): compiled once from
--data (without SHACL) or read from --nquads. The old code is read from git (--old-ref, by default
the commit before the screened validator): its shacl_sparql.py and its queries/checks/*.rq. Printed
per step: CPU seconds (time.process_time, the fair figure on a shared machine; median of --runs,
runs interleaved old/new) and the violations of each. The violation sets must be equal: with
--inject the store is also damaged (triples dropped, extra values added, deterministic) so that
both versions have violations to agree on.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

from pyoxigraph import Literal, Quad, RdfFormat, Store

ROOT = Path(__file__).resolve().parent.parent
OLD_REF = "6184010"  # main before the screened validator (perf-validate)


def _git(ref: str, path: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:{path}"], capture_output=True, text=True,
                          check=True).stdout


def old_code(ref: str) -> tuple[types.ModuleType, list[tuple[str, str]]]:
    mod = types.ModuleType("old_shacl_sparql")
    sys.modules[mod.__name__] = mod  # dataclasses look their module up
    exec(compile(_git(ref, "src/cgt_graph/graph/shacl_sparql.py"), "old_shacl_sparql.py", "exec"), mod.__dict__)
    names = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", f"{ref}:src/cgt_graph/queries/checks"],
                           capture_output=True, text=True, check=True).stdout.split()
    rules = [(n, _git(ref, f"src/cgt_graph/queries/checks/{n}")) for n in sorted(names) if n.endswith("-violation.rq")]
    return mod, rules


def inject(store: Store, every: int) -> int:
    """Drop every `every`-th data triple and give every (every+1)-th literal-valued subject a second value."""
    data = [q for q in store.quads_for_pattern(None, None, None, None) if "/graph/data/" in q.graph_name.value]
    data.sort(key=lambda q: (q.subject.value, q.predicate.value, str(q.object)))
    n = 0
    for i, q in enumerate(data):
        if i % every == 0:
            store.remove(q)
            n += 1
        elif i % (every + 1) == 0 and isinstance(q.object, Literal):
            store.add(Quad(q.subject, q.predicate, Literal(q.object.value + " (2)"), q.graph_name))
            n += 1
    return n


def rule_rows(store: Store, rules: list[tuple[str, str]]) -> set[tuple[str, str, str, str]]:
    out = set()
    for name, text in rules:
        for row in store.query(text, use_default_graph_as_union=True):
            out.add((name, str(row["focus"]), str(row["field"]), str(row["message"])))
    return out


def timed(fn):
    t = time.process_time()
    result = fn()
    return time.process_time() - t, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, help="a data directory: compiled without SHACL")
    src.add_argument("--nquads", type=Path, help="N-Quads saved by --save-nquads")
    ap.add_argument("--save-nquads", type=Path)
    ap.add_argument("--old-ref", default=OLD_REF)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--inject", type=int, default=0, metavar="EVERY", help="damage the store too (see above)")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from cgt_graph import paths
    from cgt_graph.graph.rules import rules
    from cgt_graph.graph.shacl_sparql import sparql_violations
    from cgt_graph.graph.validate import load_shapes

    if a.data:
        from cgt_graph.graph.build import compile_data
        nquads = compile_data(a.data, shacl=False).nquads
        if a.save_nquads:
            a.save_nquads.write_bytes(nquads)
    else:
        nquads = a.nquads.read_bytes()
    store = Store()
    store.bulk_load(nquads, format=RdfFormat.N_QUADS)
    del nquads
    shapes = load_shapes(paths.ontology_dir())
    old_shacl, old_rules = old_code(a.old_ref)
    new_rules = [(r.name + "-violation.rq", r.text) for r in rules()]
    cases = [("clean", 0)] + ([(f"injected 1/{a.inject}", a.inject)] if a.inject else [])
    print(f"{len(store):,} quads; old = {a.old_ref}, new = working tree; CPU s, median of {a.runs}")
    print(f"{'store':<18} {'step':<6} {'old s':>8} {'new s':>8} {'new/old':>8} {'old n':>7} {'new n':>7}  same")
    same_all = True
    for label, every in cases:
        if every:
            print(f"(injected {inject(store, every)} changes)")
        for step, old_fn, new_fn in (
            ("rules", lambda: rule_rows(store, old_rules), lambda: rule_rows(store, new_rules)),
            ("shacl", lambda: {v.key for v in old_shacl.sparql_violations(store, shapes)},
             lambda: {v.key for v in sparql_violations(store, shapes)}),
        ):
            olds, news = [], []
            for _ in range(a.runs):
                t_old, r_old = timed(old_fn)
                t_new, r_new = timed(new_fn)
                olds.append(t_old)
                news.append(t_new)
            same = r_old == r_new if step == "shacl" else {r[1:] for r in r_old} == {r[1:] for r in r_new}
            same_all &= same
            o, n = statistics.median(olds), statistics.median(news)
            print(f"{label:<18} {step:<6} {o:8.2f} {n:8.2f} {n / o if o else 0:8.2f} {len(r_old):7} {len(r_new):7}  {same}")
    return 0 if same_all else 1


if __name__ == "__main__":
    raise SystemExit(main())
