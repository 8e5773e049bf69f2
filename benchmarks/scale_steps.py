"""One step of the scale benchmark, run in its own process so its peak memory is its own.

Usage: python benchmarks/scale_steps.py STEP ARGS...  (prints one JSON object)

  compile DATA OUT.nq OUT.nt     parse + checks, RDF (N-Quads with the ontology; N-Triples of the data)
  fast NQ                        the shapes as SPARQL in an in-memory Oxigraph store
  pyshacl NQ                     rdflib parse + pyshacl (the reference)
  load NQ DIR                    what `cgt-graph build` does to load: bulk_load, flush, optimize
  raw NT DIR                     the floor: pyoxigraph Store(DIR).bulk_load of the same N-Triples
  queries STORE RUNS SLOW        p50/p95 of every library query on the in-memory snapshot
  serve STORE CLIENTS SECONDS    endpoint requests/s (8 keep-alive clients) for a look-up and a GROUP BY
  tables STORE RUNS              p50/p95 of reading each materialised table (Parquet) as rows, as the exports do
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _emit(out: dict) -> None:
    print(json.dumps(out))


def compile_step(data: str, nq: str, nt: str) -> None:
    from cgt_graph import paths
    from cgt_graph.graph.build import compile_data, ontology_nquads

    t0 = time.perf_counter()
    c = compile_data(Path(data), shacl=False)
    total = time.perf_counter() - t0
    import shutil

    shutil.copyfile(c.nquads_path, nq)
    onto = len(ontology_nquads(paths.ontology_dir()).splitlines())
    with open(nq, "rb") as src, open(nt, "wb") as fh:  # the data triples alone, N-Triples (drop the graph name)
        for i, line in enumerate(src):  # streamed: at 1000x the file is 5 GB
            if i >= c.triples:
                break
            fh.write(line[:line.rindex(b" <")] + b" .\n")
    _emit({"parse_s": c.timings["parse"], "rdf_s": c.timings["rdf"], "derive_s": c.timings.get("derive"), "total_s": total,
           "triples": c.triples, "ontology_triples": onto})


def fast_step(nq: str) -> None:
    from pyoxigraph import RdfFormat, Store

    from cgt_graph import paths
    from cgt_graph.graph.shacl_sparql import sparql_violations
    from cgt_graph.graph.validate import load_shapes

    t0 = time.perf_counter()
    store = Store()
    store.bulk_load(path=nq, format=RdfFormat.N_QUADS)
    t_load = time.perf_counter() - t0
    slowest: list[tuple[float, str]] = []
    t1 = time.perf_counter()
    found = sparql_violations(store, load_shapes(paths.ontology_dir()),
                              on_check=lambda c, s: slowest.append((s, c.query)))
    t_check = time.perf_counter() - t1
    slowest.sort(reverse=True)
    _emit({"load_s": t_load, "checks_s": t_check, "total_s": t_load + t_check, "violations": len(found),
           "checks": len(slowest), "slowest": [{"s": s, "query": q[:160]} for s, q in slowest[:3]]})


def pyshacl_step(nq: str) -> None:
    from rdflib import Dataset, Graph

    from cgt_graph import paths
    from cgt_graph.graph.validate import load_shapes, pyshacl_violations

    t0 = time.perf_counter()
    ds = Dataset()
    ds.parse(nq, format="nquads")
    flat = Graph()
    for g in ds.graphs():
        for t in g:
            flat.add(t)
    del ds
    t_parse = time.perf_counter() - t0
    t1 = time.perf_counter()
    found = pyshacl_violations(flat, load_shapes(paths.ontology_dir()))
    t_val = time.perf_counter() - t1
    _emit({"parse_s": t_parse, "validate_s": t_val, "total_s": t_parse + t_val, "violations": len(found)})


def load_step(nq: str, directory: str) -> None:
    from cgt_graph.graph import store as st

    t0 = time.perf_counter()
    store = st.bulk_load(Path(directory), Path(nq))  # as the build loads: the file, in blocks
    n = len(store)
    _emit({"total_s": time.perf_counter() - t0, "quads": n})


def raw_step(nt: str, directory: str) -> None:
    from pyoxigraph import RdfFormat, Store

    t0 = time.perf_counter()
    store = Store(directory)
    store.bulk_load(path=nt, format=RdfFormat.N_TRIPLES)
    t = time.perf_counter() - t0
    _emit({"total_s": t, "triples": len(store)})


def queries_step(store_path: str, runs: str, slow: str, where: str = "served") -> None:
    """`served`: the store as the endpoint's workers and the explorer hold it (graph/store.py `open_snapshot`:
    on disk above IN_MEMORY_MAX_QUADS); `memory`: an in-memory copy whatever its size (the issue's figures)."""
    sys.path.insert(0, str(HERE))
    from queries import pct  # benchmarks/queries.py

    from cgt_graph.sparql import library as q
    from cgt_graph.graph.store import IN_MEMORY_MAX_QUADS, open_snapshot

    t0 = time.perf_counter()
    store = open_snapshot(Path(store_path), 10**12 if where == "memory" else IN_MEMORY_MAX_QUADS)
    out: dict = {"snapshot_s": time.perf_counter() - t0, "queries": {}, "where": where,
                 "in_memory": where == "memory" or len(store) < IN_MEMORY_MAX_QUADS}
    for name in q.library():
        text = q.bound_text(name)
        t = time.perf_counter()
        rows = len(q.run(store, text).rows)
        first = time.perf_counter() - t
        times = [first * 1000]
        n = 1 if first > float(slow) else int(runs)
        for _ in range(n - 1):
            t = time.perf_counter()
            q.run(store, text)
            times.append((time.perf_counter() - t) * 1000)
        out["queries"][name] = {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "runs": len(times), "rows": rows}
    _emit(out)


def serve_step(store_path: str, clients: str, seconds: str) -> None:
    import http.client
    import socket
    import subprocess

    sys.path.insert(0, str(HERE))
    from queries import LOOKUP, free_port, http_query, throughput

    from cgt_graph.sparql import library as q

    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", "import sys; from cgt_graph.cli import main; sys.exit(main())",
                               "serve", "--port", str(port), "--workers", "2", "--timeout", "120",
                               "--store", store_path], stderr=subprocess.DEVNULL)
    out: dict = {}
    try:
        t0 = time.perf_counter()
        for _ in range(6000):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        out["start_s"] = time.perf_counter() - t0
        # the workers answer once they hold their copy of the graph (sandbox/worker.py loads it at start:
        # ~20 s at 100x); throughput is measured from the first answer on, the wait is reported apart
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        http_query(conn, LOOKUP)
        conn.close()
        out["first_answer_s"] = time.perf_counter() - t0
        for label, text in (("lookup", LOOKUP), ("group_by", q.bound_text("counts-by-jurisdiction"))):
            def factory(text: str = text):
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                return lambda: http_query(c, text)
            out[f"{label}_rps"] = throughput(factory, int(clients), float(seconds))
    finally:
        server.terminate()
        server.wait(10)
    _emit(out)


def tables_step(store_path: str, runs: str) -> None:
    from cgt_graph.graph import store as st
    from cgt_graph.sparql import tables

    oxi = st.open_read_only(Path(store_path))
    out: dict = {}
    for name in tables.TABLES:
        tables.read_table(oxi, name)  # warm-up: pyarrow's import and the file cache are not the table's cost
        arrow = []
        for _ in range(int(runs)):
            c0 = time.process_time()
            tables.read_arrow(oxi, name)  # as a pyarrow Table (what a pandas reader needs)
            arrow.append(time.process_time() - c0)
        arrow.sort()
        times, cpu = [], []
        for _ in range(int(runs)):
            t0, c0 = time.perf_counter(), time.process_time()
            rows = tables.read_table(oxi, name).rows  # columns and rows of strings, as run_named gives
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        times.sort()
        cpu.sort()
        out[name] = {"p50_ms": 1000 * times[len(times) // 2],
                     "p95_ms": 1000 * times[min(len(times) - 1, int(0.95 * len(times)))],
                     "cpu_p50_ms": 1000 * cpu[len(cpu) // 2], "arrow_cpu_p50_ms": 1000 * arrow[len(arrow) // 2],
                     "rows": len(rows),
                     "from_file": tables.table_path(st.current_build(Path(store_path)), name).is_file()}
    _emit({"tables": out})


STEPS = {"compile": compile_step, "fast": fast_step, "pyshacl": pyshacl_step, "load": load_step,
         "raw": raw_step, "queries": queries_step, "serve": serve_step, "tables": tables_step}

if __name__ == "__main__":
    STEPS[sys.argv[1]](*sys.argv[2:])
