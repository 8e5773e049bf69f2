"""CPU seconds of the build's tables step and of the library queries, old and new side by side (issue #17).

    .venv/bin/python benchmarks/tables_cpu.py --store STORE [--old-ref main] [--runs 3] [--queries all|tables|NAME,...]
        [--no-step] [--step-tables RUNS]

Loads STORE's published build into one in-memory Store (what the build hands the tables step), then
for each query runs the old text (the library as in git ref --old-ref) and this checkout's text,
interleaved, and prints the median (and the slowest run's) CPU seconds (time.process_time) of each beside the other (a
materialised table: the old query through `library.run` against the new query through the build's
own path, `tables.table_of`; any other query: `library.run` both), the
rows, and whether the new rows equal the old ones (in order, and as sets with GROUP_CONCAT parts
compared as sets). Then the whole tables step: as it was on --old-ref (each old query through
`library.run`, Parquet, the endpoint answers) against this checkout's `tables.write_tables(store,
build)`, into temporary directories, and whether the tables and answers are the same. With
`--step-tables RUNS`, this checkout's tables step with --old-ref's list of tables against its own list
(what materialising more tables adds to the build), interleaved, median of RUNS.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pyoxigraph import Store

from cgt_graph.graph.store import open_read_only
from cgt_graph.sparql import library as lib
from cgt_graph.sparql import tables

REPO = Path(__file__).resolve().parent.parent
QDIR = "src/cgt_graph/queries"


def old_library(ref: str, into: Path) -> dict[str, lib.LibraryQuery]:
    names = subprocess.run(["git", "-C", str(REPO), "ls-tree", "--name-only", f"{ref}:{QDIR}"],
                           capture_output=True, text=True, check=True).stdout.split()
    for n in names:
        if n.endswith(".rq"):
            text = subprocess.run(["git", "-C", str(REPO), "show", f"{ref}:{QDIR}/{n}"],
                                  capture_output=True, text=True, check=True).stdout
            (into / n).write_text(text, encoding="utf-8")
    return lib.library(into)


def text_of(q: lib.LibraryQuery) -> str:
    return lib.substitute(q.text, lib.bind(q, {}))


def cpu(store: Store, text: str) -> tuple[float, lib.Result]:
    t0 = time.process_time()
    res = lib.run(store, text)
    return time.process_time() - t0, res


def new_cpu(store: Store, name: str, text: str) -> tuple[float, lib.Result]:
    """A materialised table as the build now makes it (`tables.table_of`: Arrow, sorted by pyarrow),
    any other query through `library.run`."""
    if name not in tables.TABLES:
        return cpu(store, text)
    t0 = time.process_time()
    table = tables.table_of(store, name)
    spent = time.process_time() - t0
    return spent, lib.Result(table.column_names, [list(r.values()) for r in table.to_pylist()])


def _cell(v: str | None) -> str:
    if v is None:
        return "\0"
    for sep in ("; ", ";", ", ", "|"):
        if sep in v:
            return sep.join(sorted(p.strip() for p in v.split(sep)))
    return v


def as_set(res: lib.Result) -> tuple[list[str], set[tuple[str, ...]]]:
    return res.columns, {tuple(_cell(v) for v in r) for r in res.rows}


def load(store_path: Path) -> Store:
    mem = Store()
    if store_path.suffix == ".nq":  # an N-Quads dump of a build (faster to load than a copy of the store)
        from pyoxigraph import RdfFormat

        mem.bulk_load(path=str(store_path), format=RdfFormat.N_QUADS)
        return mem
    disk = open_read_only(store_path)
    mem.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    return mem


def old_write(store: Store, queries: dict[str, lib.LibraryQuery], build: Path) -> float:
    """The tables step as it was (main before #17's rewrite): each table through `library.run`
    into Python rows, then Parquet; the answers as `write_answers` writes them. CPU seconds."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyoxigraph import QueryResultsFormat, parse_query_results

    t0 = time.process_time()
    (build / tables.DIRNAME / "answers").mkdir(parents=True)
    for name in tables.TABLES:
        result = lib.run(store, text_of(queries[name]))
        columns = list(zip(*result.rows, strict=True)) if result.rows else [() for _ in result.columns]
        table = pa.table({c: pa.array(list(v), type=pa.string()) for c, v in zip(result.columns, columns, strict=True)})
        pq.write_table(table, tables.table_path(build, name), compression="zstd")
    for name in tables.ANSWERED:
        text = text_of(queries[name])
        json_body = store.query(text, use_default_graph_as_union=True).serialize(format=QueryResultsFormat.JSON)
        for fmt in tables.ANSWER_FORMATS:
            body = json_body if fmt == "JSON" else parse_query_results(
                json_body, format=QueryResultsFormat.JSON).serialize(format=getattr(QueryResultsFormat, fmt))
            (build / tables.DIRNAME / "answers" / f"{name}.{fmt.lower()}").write_bytes(body)
    return time.process_time() - t0


def ref_tables(ref: str) -> tuple[str, ...]:
    """`TABLES` of sparql/tables.py as it is in git ref `ref`."""
    import ast

    text = subprocess.run(["git", "-C", str(REPO), "show", f"{ref}:src/cgt_graph/sparql/tables.py"],
                          capture_output=True, text=True, check=True).stdout
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "TABLES" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise SystemExit(f"no TABLES in {ref}:src/cgt_graph/sparql/tables.py")


def step_tables(store: Store, ref: str, runs: int, into: Path) -> None:
    """This checkout's tables step (`tables.write_tables`) with --old-ref's list of tables against this
    checkout's, interleaved, `runs` times: what materialising more tables adds to a build (CPU s)."""
    old_list, new_list = ref_tables(ref), tables.TABLES
    added = [n for n in new_list if n not in old_list]
    print(f"\ntables step: {len(old_list)} tables ({ref}) against {len(new_list)} (this checkout; added: "
          f"{', '.join(added) or 'none'}), {runs} runs each, interleaved")
    spent: dict[str, list[float]] = {"old": [], "new": []}
    for i in range(runs):
        for tag, names in (("old", old_list), ("new", new_list)):
            folder = into / f"step-{tag}-{i}"
            folder.mkdir()
            tables.TABLES = names
            try:
                t0 = time.process_time()
                tables.write_tables(store, folder)
                spent[tag].append(time.process_time() - t0)
            finally:
                tables.TABLES = new_list
    mo, mn = statistics.median(spent["old"]), statistics.median(spent["new"])
    print(f"write_tables CPU s, median (max): {ref} {mo:.2f} ({max(spent['old']):.2f}), this checkout {mn:.2f} "
          f"({max(spent['new']):.2f}); added {mn - mo:+.2f}")


def parquet_same(old: Path, new: Path) -> str:
    """Old and new tables compared: the same rows in the same order (pyarrow Table.equals), and the
    answers byte for byte (the new files are named by the hash of the new query text)."""
    import pyarrow.parquet as pq

    out = []
    for name in tables.TABLES:
        ta, tb = pq.read_table(tables.table_path(old, name)), pq.read_table(tables.table_path(new, name))
        same = "same rows in the same order" if ta.equals(tb) else (
            "same rows as a multiset" if sorted(map(str, ta.to_pylist())) == sorted(map(str, tb.to_pylist()))
            else "DIFFERENT")
        out.append(f"  {name}: {ta.num_rows:,} rows, {same}")
    for name in tables.ANSWERED:
        key = tables.answer_key(lib.bound_text(name))
        for fmt in tables.ANSWER_FORMATS:
            a = (old / tables.DIRNAME / "answers" / f"{name}.{fmt.lower()}").read_bytes()
            f = new / tables.DIRNAME / "answers" / f"{key}.{fmt.lower()}"
            ok = f.is_file() and f.read_bytes() == a
            out.append(f"  answer {name} {fmt}: {'same bytes' if ok else 'DIFFERENT'}")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, required=True, help="a published store, or an N-Quads dump of one (.nq)")
    ap.add_argument("--old-ref", default="main")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--queries", default="tables", help="all, tables (the materialised and answered ones) or names")
    ap.add_argument("--no-step", action="store_true", help="skip the whole write_tables comparison")
    ap.add_argument("--step-tables", type=int, default=0, metavar="RUNS",
                    help="also: this checkout's tables step with --old-ref's TABLES against this checkout's, RUNS times")
    a = ap.parse_args()
    import pyarrow.compute  # noqa: F401  (imported before timing: the first table would pay for it)
    import pyarrow.csv  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    t0 = time.process_time()
    store = load(a.store)
    print(f"in-memory store: {len(store):,} quads, loaded in {time.process_time() - t0:.1f} CPU s")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "old").mkdir()
        old = old_library(a.old_ref, tmp / "old")
        new = lib.library()
        if a.queries == "all":
            names = sorted(set(old) | set(new))
        elif a.queries == "tables":
            names = list(tables.TABLES) + list(tables.ANSWERED)
        else:
            names = a.queries.split(",")
        print(f"{'query':34} {'rows':>8} {'old CPU s':>9} {'new CPU s':>9} {'new/old':>7} {'old max':>8} {'new max':>8}  same rows")
        tot_old = tot_new = 0.0
        for name in names:
            if name not in old or name not in new:
                print(f"{name:34} only in {'new' if name in new else 'old'}")
                continue
            to, tn = [], []
            ro = rn = None
            for _ in range(a.runs):
                c, ro = cpu(store, text_of(old[name]))
                to.append(c)
                c, rn = new_cpu(store, name, text_of(new[name]))
                tn.append(c)
            mo, mn = statistics.median(to), statistics.median(tn)
            tot_old += mo
            tot_new += mn
            same = "in order" if (ro.columns, ro.rows) == (rn.columns, rn.rows) else \
                ("as sets" if as_set(ro) == as_set(rn) else "NO")
            print(f"{name:34} {len(rn.rows):>8,} {mo:>9.3f} {mn:>9.3f} {mn / mo if mo else 0:>7.2f} {max(to):>8.3f} "
                  f"{max(tn):>8.3f}  {same}", flush=True)
        print(f"{'total':34} {'':>8} {tot_old:>9.3f} {tot_new:>9.3f}")
        if not a.no_step:
            (tmp / "bo").mkdir()
            (tmp / "bn").mkdir()
            co = old_write(store, old, tmp / "bo")
            t1 = time.process_time()
            tables.write_tables(store, tmp / "bn")
            cn = time.process_time() - t1
            print(f"\nwrite_tables (8 Parquet tables + 7 endpoint answers in 4 formats): "
                  f"old {co:.2f} CPU s, new {cn:.2f} CPU s")
            print(parquet_same(tmp / "bo", tmp / "bn"))
        if a.step_tables:
            step_tables(store, a.old_ref, a.step_tables, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
