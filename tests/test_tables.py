"""Materialised tables: built with the store, the same rows as the library queries, switched with it."""

from __future__ import annotations

import functools
import shutil

import pytest

from cgt_graph.graph import store as st
from cgt_graph.graph.build import build
from cgt_graph.sparql import tables
from cgt_graph.sparql.library import run_named

from .conftest import FIXTURE_DATA

ALL = functools.partial(tables.materialise, min_quads=0)  # the fixture is below the size the build materialises at


def _sorted(result, unordered: dict[str, str] | None = None):
    """The rows in a fixed order; in the `unordered` columns (GROUP_CONCATs, whose order SPARQL leaves
    open and two stores give differently; column -> separator) the joined values sorted too."""
    sep = {result.columns.index(c): s for c, s in (unordered or {}).items()}
    rows = [[sep[i].join(sorted(v.split(sep[i]))) if i in sep and v else v for i, v in enumerate(r)]
            for r in result.rows]
    return result.columns, sorted(rows, key=lambda r: [("" if v is None else v) for v in r])


UNORDERED = {"products": {"brand_names": ";", "modalities": ";", "holders": ";", "jurisdictions": ";"},
             "explorer-authorisation-details": {"reviewed_by": ";", "other_names": "|"}}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    store = tmp_path_factory.mktemp("tables") / "store"
    build(store, FIXTURE_DATA, materialise=ALL)
    return store


@pytest.mark.parametrize("name", tables.TABLES)
def test_parquet_table_equals_the_query(built, name, monkeypatch):
    oxi = st.open_read_only(built)
    expected = run_named(oxi, name)
    assert expected.rows, f"{name} returns no rows on the fixture store: the comparison would prove nothing"
    assert tables.table_path(st.current_build(built), name).is_file()

    def no_query(*_a, **_k):
        raise AssertionError("read_table ran the query although the build wrote the table")

    monkeypatch.setattr(tables, "run_named", no_query)
    got = tables.read_table(oxi, name)
    unordered = UNORDERED.get(name)
    assert _sorted(got, unordered) == _sorted(expected, unordered)
    assert _sorted(tables.read_table(built, name), unordered) == _sorted(expected, unordered)  # by store path too


def test_an_in_memory_snapshot_reads_the_tables_of_its_build(built):
    snap = st.open_snapshot(built)
    assert st.build_of(snap) == st.current_build(built)
    assert _sorted(tables.read_table(snap, "graph-edges")) == _sorted(run_named(snap, "graph-edges"))


def test_without_tables_the_query_answers(tmp_path):
    store = tmp_path / "store"
    build(store, FIXTURE_DATA, materialise=ALL)
    shutil.rmtree(st.current_build(store) / tables.DIRNAME)  # a store built before the tables existed
    oxi = st.open_read_only(store)
    assert _sorted(tables.read_table(oxi, "sources-table")) == _sorted(run_named(oxi, "sources-table"))
    from cgt_graph.publish.table import authorisation_rows
    assert len(authorisation_rows(oxi)) == 6


def test_a_rebuild_switches_tables_and_store_together(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    store = tmp_path / "store"
    build(store, data, materialise=ALL)
    old_reader = st.open_read_only(store)
    old_brands = set(tables.read_table(old_reader, "authorisations-table").column("brand_name"))
    assert "Alphacel" in old_brands and "Alphacel Renamed" not in old_brands

    us = data / "authorisations" / "US.yaml"
    us.write_text(us.read_text(encoding="utf-8").replace("brand_name: Alphacel", "brand_name: Alphacel Renamed"),
                  encoding="utf-8")
    build(store, data, materialise=ALL)

    new_reader = st.open_read_only(store)
    new_brands = set(tables.read_table(new_reader, "authorisations-table").column("brand_name"))
    assert "Alphacel Renamed" in new_brands
    assert _sorted(tables.read_table(new_reader, "authorisations-table")) == \
        _sorted(run_named(new_reader, "authorisations-table"))
    # a reader of the previous build keeps that build's store and tables
    assert set(tables.read_table(old_reader, "authorisations-table").column("brand_name")) == old_brands
    assert tables.table_path(st.current_build(store), "authorisations-table").is_file()


def test_the_endpoint_answers_counting_queries_from_the_build(tmp_path):
    """A counting library query sent to the endpoint gets the build's answer: the same bytes the
    query gives, and (shown by changing the file) read from the build, not computed per request."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.parse
    import urllib.request

    from pyoxigraph import QueryResultsFormat

    from cgt_graph.sparql.library import bound_text

    store = tmp_path / "store"
    build(store, FIXTURE_DATA, materialise=ALL)
    assert "counts-by-jurisdiction" in tables.answered_queries()
    text = bound_text("counts-by-jurisdiction")
    oxi = st.open_read_only(store)
    expected = oxi.query(text, use_default_graph_as_union=True).serialize(format=QueryResultsFormat.CSV)
    answer = st.current_build(store) / tables.DIRNAME / "answers" / f"{tables.answer_key(text)}.csv"
    assert answer.read_bytes() == expected
    marked = expected.replace(b"jurisdiction", b"jurisdiction_from_file", 1)
    answer.write_bytes(marked)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from cgt_graph.cli import main; sys.exit(main())",
                             "serve", "--port", str(port), "--store", str(store)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def ask(query: str) -> bytes:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/sparql", data=urllib.parse.urlencode(
                {"query": query}).encode(), headers={"Accept": "text/csv"})
            return urllib.request.urlopen(req, timeout=30).read()

        for _ in range(300):
            try:
                body = ask(text)
                break
            except OSError:
                time.sleep(0.1)
        assert body == marked
        other = text.replace("ORDER BY", "\nORDER BY")  # any other text is run on the store
        assert ask(other) == expected
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_small_graph_gets_no_tables_and_readers_run_the_query(tmp_path):
    store = tmp_path / "store"
    build(store, FIXTURE_DATA, materialise=tables.materialise)  # the fixture is far below tables.MIN_QUADS
    assert not (st.current_build(store) / tables.DIRNAME).exists()
    oxi = st.open_read_only(store)
    got = tables.read_table(oxi, "authorisations-table")
    assert got.rows and _sorted(got) == _sorted(run_named(oxi, "authorisations-table"))


def test_a_products_rows_of_a_whole_table_from_the_file_and_from_the_query(built, monkeypatch):
    """`where` keeps one product's rows: from the Parquet file, filtered before Python rows are made,
    and from the query when the build has no file; both what the whole query gives for it."""
    oxi = st.open_read_only(built)
    pid = "testcabtagene-autoleucel"
    whole = run_named(oxi, "milestones-table")
    expected = sorted((r for r in whole.rows if r[whole.columns.index("product_id")] == pid), key=str)
    assert expected, "the fixture product has no milestones: the comparison would prove nothing"

    def no_query(*_a, **_k):
        raise AssertionError("read_table ran the query although the build wrote the table")

    with monkeypatch.context() as m:
        m.setattr(tables, "run_named", no_query)
        assert sorted(tables.read_table(oxi, "milestones-table", where={"product_id": pid}).rows, key=str) == expected
        assert tables.read_table(oxi, "milestones-table", where={"product_id": "no-such-product"}).rows == []
    monkeypatch.setattr(tables, "TABLES", tuple(t for t in tables.TABLES if t != "milestones-table"))  # no file
    assert sorted(tables.read_table(oxi, "milestones-table", where={"product_id": pid}).rows, key=str) == expected


def test_read_arrow_without_a_file_runs_the_query(tmp_path):
    store = tmp_path / "store"
    build(store, FIXTURE_DATA, materialise=tables.materialise)  # below MIN_QUADS: no files
    oxi = st.open_read_only(store)
    assert not tables.has_tables(st.current_build(store))
    table = tables.read_arrow(oxi, "graph-edges")
    expected = run_named(oxi, "graph-edges")
    assert table.column_names == expected.columns
    assert sorted(map(tuple, zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True))) == \
        sorted(map(tuple, expected.rows))


def test_the_explorer_reads_the_same_from_the_tables_on_disk_as_from_a_copy_without_them(built, fixture_oxi):
    """The explorer on a big graph reads the build's tables and asks the on-disk store about one
    product; on a small one it queries an in-memory copy. A person sees the same either way."""
    from cgt_graph.explorer import data as explore

    disk = st.open_read_only(built)
    assert tables.has_tables(st.build_of(disk)) and not tables.has_tables(st.build_of(fixture_oxi))

    def same(rows):  # products' holders and jurisdictions: GROUP_CONCATs, sorted by the explorer or here
        return sorted((sorted((k, v) for k, v in r.items() if k != "search_other") for r in rows), key=str)

    assert same(explore.search_rows(disk)) == same(explore.search_rows(fixture_oxi))
    assert [h.holders for h in explore.products(disk)] == [h.holders for h in explore.products(fixture_oxi)]
    for pid in ("testcabtagene-autoleucel", "demogene-parvovec"):
        timeline = explore.product_timeline(disk, pid)
        assert timeline and timeline == explore.product_timeline(fixture_oxi, pid)


def test_a_table_whose_query_reads_the_clock_is_read_only_in_the_month_it_was_made(built, monkeypatch):
    """review-queue's ages in months come from NOW(): the build's file answers in the month it was computed;
    a month later the reader runs the query, so a curator never sees last month's `not-verified` list."""
    assert tables.reads_clock("review-queue") and not tables.reads_clock("graph-edges")
    oxi = st.open_read_only(built)
    expected = run_named(oxi, "review-queue")
    assert expected.rows
    ran = []

    def counting(store, name, values=None):
        ran.append(name)
        return run_named(store, name, values)

    monkeypatch.setattr(tables, "run_named", counting)
    assert _sorted(tables.read_table(oxi, "review-queue")) == _sorted(expected) and ran == []
    monkeypatch.setattr(tables, "now_month", lambda: "2999-01")  # a later month than the build's
    assert _sorted(tables.read_table(oxi, "review-queue")) == _sorted(expected) and ran == ["review-queue"]
    assert tables.read_arrow(oxi, "review-queue").num_rows == len(expected.rows)
    tables.read_table(oxi, "graph-edges")  # a table that does not read the clock is read whatever the month
    assert ran == ["review-queue"]


def test_query_by_name_and_stats_read_what_the_build_holds(built, cli, monkeypatch):
    """`cgt-graph query --name` and `cgt-graph stats` print what the query gives; on a build with tables they
    read it (the materialised table, the counting query's build-time answer) instead of running the query;
    a parameterised query, or one given parameters, runs."""
    from cgt_graph.sparql import library

    oxi = st.open_read_only(built)
    expected = {n: run_named(oxi, n) for n in ("review-queue", "counts-by-evidence", "counts-by-class",
                                                "authorisations-by-modality")}
    outputs = {n: cli("query", "--name", n, "--format", "csv", "--store", str(built))[1] for n in expected}
    stats = cli("stats", "--format", "csv", "--store", str(built))[1]
    ran = []
    real_run = library.run

    def counting(store, text):
        ran.append(text)
        return real_run(store, text)

    monkeypatch.setattr(library, "run", counting)
    for name, result in expected.items():
        got = tables.read_named(st.open_read_only(built), name)  # opened again: the CLI's opens evict older ones
        assert got.columns == result.columns and _sorted(got) == _sorted(result)
        assert cli("query", "--name", name, "--format", "csv", "--store", str(built))[1] == outputs[name]
    assert [t.splitlines()[0] for t in ran] == ["# title: Authorisations by modality"] * 2  # authorisations-by-modality, through read_named and through the command
    assert cli("stats", "--format", "csv", "--store", str(built))[1] == stats and len(ran) == 2
    tables.read_named(st.open_read_only(built), "counts-by-class", {})
    assert len(ran) == 2
    with pytest.raises(library.QueryError):  # parameters are checked as before
        tables.read_named(st.open_read_only(built), "counts-by-class", {"nope": "x"})


def test_a_clock_table_is_not_kept_when_the_month_turns_while_it_is_computed(tmp_path, monkeypatch):
    """If the month changes while review-queue runs, its answer could be either month's: the build keeps no
    file for it and readers run the query; the other tables are kept."""
    months = iter(f"2026-{m:02d}" for m in range(1, 100))
    monkeypatch.setattr(tables, "now_month", lambda: next(months))
    store = tmp_path / "store"
    build(store, FIXTURE_DATA, materialise=ALL)
    monkeypatch.undo()
    folder = st.current_build(store)
    assert not tables.table_path(folder, "review-queue").exists()
    assert tables.table_path(folder, "graph-edges").is_file() and tables.table_path(folder, "first-authorisations").is_file()
    oxi = st.open_read_only(store)
    assert _sorted(tables.read_table(oxi, "review-queue")) == _sorted(run_named(oxi, "review-queue"))
