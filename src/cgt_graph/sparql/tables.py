"""Materialised tables: the whole-graph library queries, answered once per build.

A handful of library queries return the whole graph as a table (every authorisation,
every source, every node and edge). Their cost is rows x pattern look-ups, so it grows
with the graph (seconds at 100x). The build runs each of them once, after loading, and
writes the result as Parquet (pyarrow) inside the build directory:

    P.builds/<build-id>/tables/<query-name>.parquet

so the tables are published by the same atomic symlink switch as the store, and a
reader of a store always sees the tables of that very build. The SPARQL library keeps
the same queries; `read_table` returns what `run_named` would, from the file, and runs
the query when the file is absent (a store built before the tables existed, or a store
opened from a path the registry does not know).

Every column is stored as a nullable string: exactly the values `run_named` returns.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Callable

from pyoxigraph import QuerySolutions, Store

from cgt_graph.graph.store import IN_MEMORY_MAX_QUADS, build_of
from cgt_graph.progress import ticker
from cgt_graph.sparql.arrow import select_table, sort_strings
from cgt_graph.sparql.library import Result, bound_text, library, run_named, solutions_result

TABLES = ("authorisations-table", "sources-table", "products-table", "graph-nodes", "graph-edges",
          "network-authorisations", "fhir-authorisations", "news-only-facts",
          # what the explorer's first page and product pages read whole (explorer/search.py, names.py, product.py)
          "products", "explorer-authorisation-details", "data-as-of",
          "indications-table", "milestones-table", "outcomes-table", "events-table",
          # the Compare and Pathways pages (explorer/compare.py, pages/common.py `cached("lags")`)
          "lags", "claims-vs-graph", "pathway-use-by-agency-year", "classification-crosswalk",
          # whole-graph listings read by the analyses and the CLI (analysis/review.py, analysis/authorisations.py,
          # `cgt-graph query --name`): 0.5-3 CPU s each as queries at 100x (docs/scale.md, session 4)
          "review-queue", "first-authorisations", "lag-to-later-jurisdictions")
"""The library queries materialised at build time (parameterless, whole-graph)."""

NOW_MONTH = b"cgt-graph:now-month"
"""Parquet metadata key of a table whose query reads the clock (`NOW()`: review-queue's ages in months): the
UTC month (YYYY-MM) it was computed in. Such a file is read only in that month; later the query runs."""


def now_month() -> str:
    """The current UTC month, YYYY-MM: the part of `NOW()` the library's queries use (Oxigraph's NOW() is UTC)."""
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m")


def reads_clock(name: str) -> bool:
    """Whether library query `name` reads the clock (its answer changes from one month to the next)."""
    return "NOW()" in library()[name].text.upper()


def _current(table, name: str) -> bool:
    """Whether a materialised `table` of query `name` still holds the query's answer: always, unless the
    query reads the clock and the file was computed in another month than this one."""
    if not reads_clock(name):
        return True
    meta = table.schema.metadata or {}
    return meta.get(NOW_MONTH) == now_month().encode()

DIRNAME = "tables"

def table_path(build: Path, name: str) -> Path:
    return build / DIRNAME / f"{name}.parquet"


ANSWER_FORMATS = ("JSON", "XML", "CSV", "TSV")
ANSWERED = ("counts-by-class", "counts-by-class-scheme", "counts-by-evidence", "counts-by-jurisdiction",
            "counts-by-modality", "pathway-use-by-agency-year", "claims-vs-graph")
"""The GROUP BY-style library queries (parameterless counts, a few hundred rows at most) whose
endpoint answers are made at build time."""


def answered_queries() -> list[str]:
    lib = library()
    return [name for name in ANSWERED if name in lib and not lib[name].params]


def answer_key(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()[:32]


def write_answers(store: Store, build: Path, tick: Callable[[], None] | None = None) -> dict[str, int]:
    """The endpoint's answers to the counting library queries, in every SPARQL results format,
    under `build` (a request with exactly that query text is answered from the file)."""
    from pyoxigraph import QueryResultsFormat, QuerySolutions, parse_query_results

    folder = build / DIRNAME / "answers"
    folder.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name in answered_queries():
        if tick:
            tick()
        text = bound_text(name)
        key = answer_key(text)
        solutions = store.query(text, use_default_graph_as_union=True)
        assert isinstance(solutions, QuerySolutions)  # the answered queries are SELECTs
        json_body = solutions.serialize(format=QueryResultsFormat.JSON) or b""
        for fmt in ANSWER_FORMATS:  # the query once; the other formats from its JSON
            body = json_body if fmt == "JSON" else parse_query_results(
                json_body, format=QueryResultsFormat.JSON).serialize(format=getattr(QueryResultsFormat, fmt)) or b""
            tmp = folder / f".{key}.{fmt}.{os.getpid()}.tmp"
            tmp.write_bytes(body)
            os.replace(tmp, folder / f"{key}.{fmt.lower()}")
            sizes[name] = len(body)
    return sizes


_ANSWERS: dict[tuple[Path, str, str], bytes | None] = {}


def precomputed(build: Path | None, query: str, fmt: str | None) -> bytes | None:
    """The build-time answer to `query` in results format `fmt` (JSON/XML/CSV/TSV), or None:
    only for the exact text of a counting library query, on a build that wrote its answers."""
    if build is None or fmt not in ANSWER_FORMATS:
        return None
    key = (build, answer_key(query), fmt)
    if key not in _ANSWERS:
        if len(_ANSWERS) > 256:
            _ANSWERS.clear()
        try:
            _ANSWERS[key] = (build / DIRNAME / "answers" / f"{key[1]}.{fmt.lower()}").read_bytes()
        except OSError:
            _ANSWERS[key] = None
    return _ANSWERS[key]


_ORDER_BY = re.compile(r"\nORDER BY((?:[ \t]+\?\w+)+)\s*$")
_PROJECTION = re.compile(r"^SELECT\b(.*?)\bWHERE\b", re.MULTILINE | re.DOTALL)  # the first SELECT: the query's own


def table_of(store: Store, name: str):
    """The rows of library query `name` on `store` as a pyarrow Table of nullable strings: the same
    rows, in the same order, as `run_named` (the values `library.run` gives).

    A query that ends `ORDER BY ?a ?b ...` over projected columns holding only simple literals
    (every materialised table but one) runs without that clause and is sorted by pyarrow, which
    orders strings as SPARQL does (by code point, unbound first) at a fraction of Oxigraph's cost
    (graph-edges at 100x: 2 of its 6 CPU s were the ORDER BY). Otherwise the query runs as written.
    """
    text = bound_text(name)
    order = _ORDER_BY.search(text)
    head = _PROJECTION.search(text)
    if order and head:
        keys = [k.lstrip("?") for k in order.group(1).split()]
        if all(re.search(rf"\?{k}\b", head.group(1)) for k in keys):  # else the query sorts by what it hides
            table, simple = _select(store, text[:order.start()] + "\n")
            if set(keys) <= simple:
                return sort_strings(table, keys)
    return _select(store, text)[0]


def _select(store: Store, text: str):
    solutions = store.query(text, use_default_graph_as_union=True)
    assert isinstance(solutions, QuerySolutions)  # the materialised queries are SELECTs
    return select_table(solutions)


def write_tables(store: Store, build: Path, progress: Callable[[str], None] | None = None,
                 stop: Callable[[], bool] = lambda: False) -> dict[str, int]:
    """Run every materialised query on `store` and write its rows under `build`; {name: rows}.
    Also the endpoint's answers to the counting queries (write_answers). If `stop()` becomes true
    (the build's checks failed meanwhile), no further table is begun."""
    import pyarrow.parquet as pq

    folder = build / DIRNAME
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    tick = ticker(progress, "tables", len(TABLES) + len(answered_queries()), "table")
    for name in TABLES:
        if stop():
            return counts
        tick()
        month = now_month()
        table = table_of(store, name)
        if reads_clock(name):
            if now_month() != month:  # the month turned while the query ran: no file, readers run the query
                continue
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), NOW_MONTH: month.encode()})
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, table_path(build, name))
        counts[name] = table.num_rows
    write_answers(store, build, tick)
    return counts


def _result(table) -> Result:
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return Result(list(table.column_names), list(map(list, zip(*columns, strict=True))))


def _parquet(path: Path, where: dict[str, str] | None = None):
    import pyarrow.parquet as pq

    filters = [(column, "=", value) for column, value in where.items()] if where else None
    return pq.read_table(path, filters=filters)


def has_tables(build: Path | None) -> bool:
    """Whether `build` holds materialised tables (the build wrote them: a graph of MIN_QUADS or more)."""
    return build is not None and (build / DIRNAME).is_dir()


def read_arrow(store: Store, name: str):
    """The rows of library query `name` as a pyarrow Table of nullable strings (for pandas:
    `.to_pandas()`): the build's Parquet file when there is one, else the query (`table_of`)."""
    import pyarrow.parquet as pq

    build = build_of(store)
    if name in TABLES and build is not None:
        try:
            table = pq.read_table(table_path(build, name))
            if _current(table, name):
                return table
        except (FileNotFoundError, NotADirectoryError):
            pass
    return table_of(store, name)


def read_table(store: Store | Path, name: str, where: dict[str, str] | None = None) -> Result:
    """The rows of library query `name`: from the build's Parquet file when there is one, else the query.

    `store` is an open Store (as given by graph/store.py's openers) or a build directory /
    published store path. `where` ({column: value}) keeps only the rows with those values (a
    product's rows of a whole table: read from the file, filtered before any Python row is made).
    """
    build: Path | None
    opened: Store | None
    if isinstance(store, Path):
        build, opened = store.resolve(), None
    else:
        build, opened = build_of(store), store
    if name in TABLES and build is not None:
        try:
            table = _parquet(table_path(build, name), where)
            if _current(table, name):
                return _result(table)
        except (FileNotFoundError, NotADirectoryError):
            pass
    if opened is None:
        opened = Store.read_only(str(build))
    result = run_named(opened, name)
    if where:
        at = [(result.columns.index(c), v) for c, v in where.items()]
        result = Result(result.columns, [r for r in result.rows if all(r[i] == v for i, v in at)])
    return result


def read_named(store: Store, name: str, values: dict[str, str] | None = None) -> Result:
    """What `run_named(store, name, values)` gives, from the build when it holds the answer (`cgt-graph query
    --name`, `cgt-graph stats`): a materialised table (`read_table`), or a counting query's build-time
    answer (`write_answers`, the endpoint's); otherwise, and whenever parameters are given, the query."""
    if not values:
        if name in TABLES:
            return read_table(store, name)
        if name in answered_queries():
            body = precomputed(build_of(store), bound_text(name), "JSON")
            if body is not None:
                from pyoxigraph import QueryResultsFormat, parse_query_results

                solutions = parse_query_results(body, format=QueryResultsFormat.JSON)
                assert isinstance(solutions, QuerySolutions)  # the answered queries are SELECTs
                return solutions_result(solutions)
    return run_named(store, name, values)


MIN_QUADS = IN_MEMORY_MAX_QUADS
"""Below this size (the size below which readers hold the graph in memory, graph/store.py) the build materialises nothing: every whole-table query answers in well under
100 ms there (the real graph, 34k quads: 14-31 ms), while writing the tables costs the build more
than it does (1x: 0.45 CPU s, of which 0.28 s is pyarrow bringing in pandas; the whole build 0.66 ->
1.32 CPU s with them, docs/scale.md). Readers then run the query (`read_table`)."""


def materialise(store: Store, build: Path, progress: Callable[[str], None] | None = None,
                min_quads: int = MIN_QUADS, stop: Callable[[], bool] = lambda: False) -> dict[str, int]:
    """The build's hook (graph/build.py `materialise=`): the tables of `store`, which holds the quads
    just loaded into `build` (the build's validated in-memory graph); nothing below `min_quads`."""
    if min_quads and len(store) < min_quads:
        return {}
    return write_tables(store, build, progress, stop)
