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


def _sorted(result):
    return result.columns, sorted(result.rows, key=lambda r: [("" if v is None else v) for v in r])


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
    assert _sorted(got) == _sorted(expected)
    assert _sorted(tables.read_table(built, name)) == _sorted(expected)  # by store path too


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
