"""How each cost of cgt-graph grows with the graph, beside the floor pyoxigraph allows.

Usage: benchmarks/run [--sizes 1,100[,1000]] [--json PATH] [--plot PATH] [--runs R]
       benchmarks/run --compare OLD.json NEW.json

For each size (a multiple of the real graph; 1 is data/ itself, larger ones are made
by benchmarks.synth) it times, each step in its own process with its peak memory
(the kernel's ru_maxrss of that process):
  generate   the synthetic data/ (not part of a build)
  compile    parse + checks, and RDF (N-Quads)
  fast       SHACL shapes as SPARQL in an in-memory Oxigraph store (the default validator)
  pyshacl    rdflib parse + pyshacl (the reference; skipped above --pyshacl-max triples)
  load       bulk_load + flush + optimize into an on-disk store (what the build does)
  raw        pyoxigraph Store.bulk_load of the same data as N-Triples (the floor)
  build      `cgt-graph build -q` end to end (CLI start to store switched)
  queries    p50/p95 of every library query on the store as the endpoint holds it (--queries-on)
  serve      endpoint requests/s with 8 concurrent clients (look-up and GROUP BY), and GROUP BY
             again with the build's answers moved aside (every request runs the query: the baseline)
  tables     whole tables read from the build's Parquet files (beside the same queries' p95 above)
  explorer   first paint, by benchmarks/explorer.py when it exists
Ratios compare the build's triples/s with raw bulk_load's, measured in the same run.
The machine is shared: quote medians of repeated runs, not one figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STEPS = [sys.executable, str(HERE / "scale_steps.py")]


def run_child(cmd: list[str], env: dict[str, str] | None = None, timeout: float | None = None) -> dict:
    """Run a process; its JSON line (if any), wall seconds and peak RSS (MiB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
    deadline = None if timeout is None else t0 + timeout
    out_chunks: list[bytes] = []
    # read output while waiting (children print little); wait4 gives this child's own rusage
    import threading
    err_chunks: list[bytes] = []
    threads = [threading.Thread(target=lambda s=s, b=b: b.append(s.read())) for s, b in
               ((proc.stdout, out_chunks), (proc.stderr, err_chunks))]
    for t in threads:
        t.start()
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline and time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    for t in threads:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    text = b"".join(out_chunks).decode(errors="replace").strip().splitlines()
    result: dict = {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024,
                    "exit": proc.returncode}
    if proc.returncode != 0:
        result["error"] = b"".join(err_chunks).decode(errors="replace")[-400:]
        return result
    if text:
        try:
            result.update(json.loads(text[-1]))
        except json.JSONDecodeError:
            pass
    return result


def machine() -> dict:
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        model = ""
    import pyoxigraph
    import pyshacl
    import rdflib
    return {"cpus": os.cpu_count(), "cpu": model, "memory": mem, "python": platform.python_version(),
            "pyoxigraph": pyoxigraph.__version__, "rdflib": rdflib.__version__, "pyshacl": pyshacl.__version__,
            "load_avg_start": os.getloadavg()}


def bench_size(size: float, work: Path, args: argparse.Namespace) -> dict:
    from cgt_graph import paths

    res: dict = {"size": size}
    tag = f"x{size:g}"
    data = paths.data_dir()
    if size != 1:
        data = work / f"data-{tag}"
        res["generate"] = run_child([sys.executable, "-c", "import sys; from pathlib import Path; "
                                     "from benchmarks.synth import generate; "
                                     "generate(Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3]))",
                                     str(paths.data_dir()), str(data), str(size)])
    nq, nt = work / f"{tag}.nq", work / f"{tag}.nt"
    say(f"[{tag}] compile")
    res["compile"] = run_child(STEPS + ["compile", str(data), str(nq), str(nt)])
    triples = res["compile"].get("triples", 0)
    res["triples"] = triples
    lean = args.lean_above is not None and size > args.lean_above
    skipped = {"skipped": f"x{size:g} > --lean-above {args.lean_above}: measured inside the build only"}
    say(f"[{tag}] {triples:,} triples; fast validator")
    res["fast"] = dict(skipped) if lean else run_child(STEPS + ["fast", str(nq)])
    if lean:
        res["pyshacl"] = dict(skipped)
    elif triples <= args.pyshacl_max:
        say(f"[{tag}] pyshacl")
        res["pyshacl"] = run_child(STEPS + ["pyshacl", str(nq)])
    else:
        res["pyshacl"] = {"skipped": f"{triples:,} triples > --pyshacl-max {args.pyshacl_max:,} "
                                     "(pyshacl needs ~3.5 GB and ~200 s at 2.5M triples)"}
    say(f"[{tag}] load and raw bulk_load")
    res["load"] = dict(skipped)
    for step, src in (("load", nq), ("raw", nt))[1 if lean else 0:]:
        d = work / f"{step}-{tag}"
        shutil.rmtree(d, ignore_errors=True)
        res[step] = run_child(STEPS + [step, str(src), str(d)])
        res[step]["store_mib"] = sum(f.stat().st_size for f in d.rglob("*") if f.is_file()) / 2**20 if d.exists() else None
        shutil.rmtree(d, ignore_errors=True)
    home = work / f"home-{tag}"
    store = home / "store"
    say(f"[{tag}] cgt-graph build")
    builds = []
    for _ in range(args.build_runs if size == 1 else 1):
        builds.append(run_child([sys.executable, "-c", "import sys; from cgt_graph.cli import main; sys.exit(main())",
                                 "build", "-q", "--store", str(store), "--data", str(data)]))
    builds.sort(key=lambda b: b["wall_s"])
    res["build"] = builds[len(builds) // 2]
    res["build"]["runs"] = [round(b["wall_s"], 3) for b in builds]
    raw_tps = triples / res["raw"]["total_s"] if res["raw"].get("total_s") else None
    build_tps = triples / res["build"]["wall_s"]
    res["ratios"] = {
        "raw_bulk_load_triples_per_s": raw_tps,
        "build_triples_per_s": build_tps,
        "build_vs_raw": build_tps / raw_tps if raw_tps else None,  # 1.0 = as fast as the floor
        # the same in CPU seconds of each whole process (fairer when the machine is shared)
        "build_vs_raw_cpu": res["raw"]["cpu_s"] / res["build"]["cpu_s"]
        if res["raw"].get("cpu_s") and res["build"].get("cpu_s") else None,
        "load_vs_raw": (res["raw"]["total_s"] / res["load"]["total_s"]) if res["load"].get("total_s") else None,
        "pyshacl_vs_fast": (res["pyshacl"]["total_s"] / res["fast"]["total_s"])
        if res["pyshacl"].get("total_s") and res["fast"].get("total_s") else None,
    }
    nq.unlink(missing_ok=True)  # the build made its own; at 1000x this is 5 GB of disk
    if lean:
        res["queries"], res["serve"] = dict(skipped), dict(skipped)
    else:
        say(f"[{tag}] library queries")
        res["queries"] = run_child(STEPS + ["queries", str(store), str(args.runs), str(args.slow), args.queries_on])
        say(f"[{tag}] endpoint with {args.clients} clients")
        res["serve"] = run_child(STEPS + ["serve", str(store), str(args.clients), str(args.seconds)])
    answers = store.resolve() / "tables" / "answers"
    if answers.is_dir() and not lean:  # the same endpoint without the build-time answers: the query runs per request
        answers.rename(answers.with_name("answers.off"))
        say(f"[{tag}] endpoint GROUP BY without build-time answers")
        res["serve_query"] = run_child(STEPS + ["serve", str(store), str(args.clients), str(args.seconds)])
        answers.with_name("answers.off").rename(answers)
    say(f"[{tag}] materialised tables")
    res["tables"] = run_child(STEPS + ["tables", str(store), str(max(args.runs, 10))])
    explorer = HERE / "explorer.py"
    if size != 1:
        # benchmarks/explorer.py builds and walks the real graph (Kymriah, "CAR-T"); timing it again
        # here would repeat the 1x figure under a 100x label
        res["explorer"] = {"skipped": "measured on the real graph only (see x1)"}
    elif explorer.exists():
        say(f"[{tag}] explorer first paint")
        out = work / f"explorer-{tag}.json"
        r = run_child([sys.executable, str(explorer), "--json", str(out)], timeout=900)
        if out.exists():
            r["figures"] = json.loads(out.read_text())
        res["explorer"] = r
    else:
        res["explorer"] = {"skipped": "not available (benchmarks/explorer.py is not in this checkout)"}
    shutil.rmtree(home, ignore_errors=True)
    for p in (nq, nt):
        p.unlink(missing_ok=True)
    if size != 1:
        shutil.rmtree(data, ignore_errors=True)
    return res


def say(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def _f(v, fmt: str = ".2f") -> str:
    return "-" if v is None else format(v, fmt)


def table(results: dict) -> str:
    sizes = results["sizes"]
    lines = [f"machine: {results['machine']['cpus']} cpus ({results['machine']['cpu']}), "
             f"{results['machine']['memory']}; load average at start {results['machine']['load_avg_start']}, "
             f"at end {results['machine'].get('load_avg_end')}",
             f"{'':34}" + "".join(f"{'x' + format(s['size'], 'g'):>22}" for s in sizes),
             f"{'step':34}" + "".join(f"{'seconds   peak MiB':>22}" for _ in sizes)]

    def row(label: str, get) -> None:
        cells = []
        for s in sizes:
            secs, mib = get(s)
            cells.append(f"{_f(secs):>10}{_f(mib, '.0f'):>12}")
        lines.append(f"{label:34}" + "".join(cells))

    lines.append(f"{'triples (data)':34}" + "".join(f"{s['triples']:>22,}" for s in sizes))
    row("generate synthetic data", lambda s: (s.get("generate", {}).get("wall_s"), s.get("generate", {}).get("peak_mib")))
    row("parse + checks", lambda s: (s["compile"].get("parse_s"), None))
    row("RDF (N-Quads)", lambda s: (s["compile"].get("rdf_s"), s["compile"].get("peak_mib")))
    row("derived facts (load in memory + CONSTRUCTs)", lambda s: (s["compile"].get("derive_s"), None))
    row("validate: fast (SPARQL in Oxigraph)", lambda s: (s["fast"].get("total_s"), s["fast"].get("peak_mib")))
    row("  of which in-memory load", lambda s: (s["fast"].get("load_s"), None))
    row("validate: pyshacl (reference)", lambda s: (s["pyshacl"].get("total_s"), s["pyshacl"].get("peak_mib")))
    row("  of which rdflib parse", lambda s: (s["pyshacl"].get("parse_s"), None))
    row("load (bulk_load+flush+optimize)", lambda s: (s["load"].get("total_s"), s["load"].get("peak_mib")))
    row("raw pyoxigraph bulk_load (floor)", lambda s: (s["raw"].get("total_s"), s["raw"].get("peak_mib")))
    row("cgt-graph build, end to end", lambda s: (s["build"].get("wall_s"), s["build"].get("peak_mib")))
    lines.append(f"{'raw bulk_load triples/s':34}" + "".join(f"{_f(s['ratios']['raw_bulk_load_triples_per_s'], ',.0f'):>22}" for s in sizes))
    lines.append(f"{'build triples/s':34}" + "".join(f"{_f(s['ratios']['build_triples_per_s'], ',.0f'):>22}" for s in sizes))
    lines.append(f"{'build / raw bulk_load (speed)':34}" + "".join(f"{_f(s['ratios']['build_vs_raw'], '.3f'):>22}" for s in sizes))
    lines.append(f"{'  same in CPU seconds':34}" + "".join(f"{_f(s['ratios'].get('build_vs_raw_cpu'), '.3f'):>22}" for s in sizes))
    lines.append(f"{'pyshacl / fast (time)':34}" + "".join(f"{_f(s['ratios']['pyshacl_vs_fast'], '.1f'):>22}" for s in sizes))
    lines.append(f"{'violations fast / pyshacl':34}" + "".join(
        f"{str(s['fast'].get('violations')) + ' / ' + str(s['pyshacl'].get('violations', '-')):>22}" for s in sizes))
    lines.append("")
    lines.append("library queries on the store as the endpoint holds it (d: on disk, m: an in-memory copy), or with "
                 "--queries-on memory on an in-memory copy at every size")
    lines.append(f"{'library query (ms)':34}" + "".join(
        f"{('m ' if s['queries'].get('in_memory', True) else 'd ') + 'p50      p95':>22}" for s in sizes))
    names = sorted({n for s in sizes for n in s["queries"].get("queries", {})})
    for n in names:
        cells = []
        for s in sizes:
            q = s["queries"].get("queries", {}).get(n, {})
            flag = "*" if q.get("p95_ms", 0) > 500 else " "
            cells.append(f"{_f(q.get('p50_ms'), '.1f'):>10}{_f(q.get('p95_ms'), '.1f'):>11}{flag}")
        lines.append(f"{n:34}" + "".join(cells))
    lines.append(f"{'(* p95 over the 500 ms target)':34}")
    row("queries process", lambda s: (s["queries"].get("wall_s"), s["queries"].get("peak_mib")))
    lines.append(f"{'endpoint start to first answer (s)':34}" + "".join(f"{_f(s['serve'].get('first_answer_s'), '.1f'):>22}" for s in sizes))
    lines.append(f"{'endpoint req/s, look-up':34}" + "".join(f"{_f(s['serve'].get('lookup_rps'), '.0f'):>22}" for s in sizes))
    lines.append(f"{'endpoint req/s, GROUP BY':34}" + "".join(f"{_f(s['serve'].get('group_by_rps'), '.1f'):>22}" for s in sizes))
    lines.append(f"{'  same, query per request':34}" + "".join(
        f"{_f(s.get('serve_query', {}).get('group_by_rps'), '.1f'):>22}" for s in sizes))
    lines.append("")
    lines.append(f"{'whole table (ms): Parquet p95 / query p95':42}" + "".join(f"{'file     query':>22}" for _ in sizes))
    lines.append("(file: read_table, rows as Python lists; CPU p50 and read_arrow CPU p50 in the JSON)")
    tnames = sorted({n for s in sizes for n in s.get("tables", {}).get("tables", {})})
    for n in tnames:
        cells = []
        for s in sizes:
            t = s.get("tables", {}).get("tables", {}).get(n, {})
            q = s["queries"].get("queries", {}).get(n, {})
            cells.append(f"{_f(t.get('p95_ms'), '.1f'):>10}{_f(q.get('p95_ms'), '.1f'):>12}")
        lines.append(f"{n:42}" + "".join(cells))
    for s in sizes:
        e = s["explorer"]
        lines.append(f"explorer x{s['size']:g}: " + (e["skipped"] if "skipped" in e else
                                                     json.dumps(e.get("figures") or {k: e.get(k) for k in ("wall_s", "peak_mib", "error")})))
        if "skipped" in s["pyshacl"]:
            lines.append(f"pyshacl x{s['size']:g}: skipped, {s['pyshacl']['skipped']}")
    return "\n".join(lines)


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["sizes"]
    x = [s["triples"] for s in sizes]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    series = {
        "compile (parse+checks+RDF)": lambda s: s["compile"].get("total_s"),
        "validate: fast": lambda s: s["fast"].get("total_s"),
        "validate: pyshacl": lambda s: s["pyshacl"].get("total_s"),
        "load": lambda s: s["load"].get("total_s"),
        "raw bulk_load": lambda s: s["raw"].get("total_s"),
        "build end to end": lambda s: s["build"].get("wall_s"),
    }
    for label, get in series.items():
        pts = [(xi, get(s)) for xi, s in zip(x, sizes, strict=True) if get(s)]
        if pts:
            a.plot(*zip(*pts, strict=True), marker="o", label=label)
    mem = {k: (lambda s, k=k: s[k].get("peak_mib")) for k in ("compile", "fast", "pyshacl", "load", "raw", "build")}
    for label, get in mem.items():
        pts = [(xi, get(s)) for xi, s in zip(x, sizes, strict=True) if get(s)]
        if pts:
            b.plot(*zip(*pts, strict=True), marker="o", label=label)
    for ax, title, unit in ((a, "time", "seconds"), (b, "peak memory", "MiB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("data triples")
        ax.set_ylabel(unit)
        ax.set_title(f"cgt-graph: {title} vs size")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _leaves(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield prefix, obj


def compare(old: Path, new: Path) -> str:
    """NEW/OLD for every figure both runs have (time and memory: < 1 is better)."""
    o, n = json.loads(old.read_text()), json.loads(new.read_text())
    lines = [f"{'figure':70}{'old':>12}{'new':>12}{'new/old':>9}"]
    for so in o["sizes"]:
        sn = next((s for s in n["sizes"] if s["size"] == so["size"]), None)
        if sn is None:
            continue
        new_vals = dict(_leaves(sn))
        for k, v in _leaves(so):
            if k in new_vals and (k.endswith("_s") or k.endswith("_mib") or k.endswith("_ms") or k.endswith("rps")
                                  or k.endswith("per_s")):
                r = new_vals[k] / v if v else float("nan")
                lines.append(f"{'x' + format(so['size'], 'g') + ' ' + k:70}{v:>12.2f}{new_vals[k]:>12.2f}{r:>9.2f}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--sizes", default="1,100", help="multiples of the real graph, comma-separated (e.g. 1,10,100,1000)")
    ap.add_argument("--json", type=Path, help="write every figure here")
    ap.add_argument("--plot", type=Path, help="PNG of cost vs size (default: next to --json)")
    ap.add_argument("--runs", type=int, default=20, help="runs per library query")
    ap.add_argument("--queries-on", choices=("served", "memory"), default="served",
                    help="library queries on the store as the endpoint holds it (on disk above 250,000 quads), "
                         "or on an in-memory copy (as the issue's figures were measured)")
    ap.add_argument("--slow", type=float, default=10.0, help="a query slower than this (s) on its first run is timed once")
    ap.add_argument("--build-runs", type=int, default=5, help="end-to-end builds at 1x (median quoted)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--pyshacl-max", type=int, default=3_000_000, help="skip pyshacl above this many triples")
    ap.add_argument("--lean-above", type=float, metavar="SIZE",
                    help="above this multiple time only generate, compile (for the floor's N-Triples), raw "
                         "bulk_load, the build and the tables (1000x: the other steps are parts of the build)")
    ap.add_argument("--work", type=Path, help="scratch directory (default: a temporary one)")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    args = ap.parse_args()
    if args.compare:
        print(compare(*args.compare))
        return
    sizes = [float(s) for s in args.sizes.split(",")]
    results: dict = {"machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "sizes": []}
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        for size in sizes:
            results["sizes"].append(bench_size(size, Path(tmp), args))
            if args.json:  # keep what is done if a later size fails
                args.json.write_text(json.dumps(results, indent=2))
    results["machine"]["load_avg_end"] = os.getloadavg()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    plot_path = args.plot or (args.json.with_suffix(".png") if args.json else None)
    if plot_path:
        try:
            plot(results, plot_path)
            print(f"plot: {plot_path}")
        except ImportError:
            print("plot: skipped (pip install -e '.[bench]' for matplotlib)")


if __name__ == "__main__":
    main()
