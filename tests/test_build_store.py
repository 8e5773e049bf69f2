"""The build publishes a complete store atomically; killed builds leave the old one readable."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from cgt_graph.graph import store as st
from cgt_graph.graph.build import build
from cgt_graph.sparql.library import run_named

from benchmarks.synth import generate

from .conftest import FIXTURE_DATA


def test_build_publishes_a_readable_store(tmp_path):
    store = tmp_path / "store"
    report = build(store, FIXTURE_DATA)
    assert store.is_symlink()
    assert report.triples > 500
    oxi = st.open_read_only(store)
    counts = {r["class"]: int(r["count"]) for r in run_named(oxi, "counts-by-class").dicts()}
    assert counts["MedicinalProduct"] == 3
    assert counts["MarketingAuthorisation"] == 6
    assert counts["Citation"] >= 20


def test_rebuild_switches_and_prunes(tmp_path):
    store = tmp_path / "store"
    first = build(store, FIXTURE_DATA).build
    second = build(store, FIXTURE_DATA).build
    third = build(store, FIXTURE_DATA).build
    assert st.current_build(store) == third.resolve()
    kept = sorted(p.name for p in st.builds_dir(store).iterdir())
    assert kept == sorted([second.name, third.name])  # current and previous only
    assert not first.exists()


def test_reader_keeps_its_snapshot_while_a_build_replaces_it(tmp_path):
    store = tmp_path / "store"
    build(store, FIXTURE_DATA)
    reader = st.open_read_only(store)
    before = len(reader)
    build(store, FIXTURE_DATA)
    assert len(reader) == before
    assert run_named(reader, "counts-by-jurisdiction").rows


def test_a_build_whose_checks_fail_publishes_nothing(tmp_path):
    """The new store loads and the tables are written while the rules and shapes run; when they
    fail, the directory goes with whatever was written into it."""
    from functools import partial

    import pytest

    from cgt_graph.curation.load import DataError
    from cgt_graph.sparql.tables import DIRNAME, materialise

    store = tmp_path / "store"
    tables = partial(materialise, min_quads=0)  # tables even for the small fixture
    first = build(store, FIXTURE_DATA, materialise=tables).build
    assert list((first / DIRNAME).glob("*.parquet"))
    expected = len(st.open_read_only(store))
    bad = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, bad)
    us = bad / "authorisations" / "US.yaml"
    us.write_text(re.sub(r"decision_date: \S+", "decision_date: 1900-01-02", us.read_text(), count=1))
    with pytest.raises(DataError) as err:
        build(store, bad, materialise=tables)
    assert "[before-agency]" in str(err.value) and "US.yaml:" in str(err.value)  # a rule: found after loading began
    assert [p.name for p in st.builds_dir(store).iterdir()] == [first.name]
    assert st.current_build(store) == first.resolve()
    assert len(st.open_read_only(store)) == expected


def test_missing_store_is_a_clear_error(tmp_path, cli):
    code, _, err = cli("stats", "--store", str(tmp_path / "nothing"))
    assert code == 3
    assert "run `cgt-graph build` first" in err


def _build_cmd(store: Path, data: Path) -> list[str]:
    return [sys.executable, "-c",
            "import sys; from cgt_graph.cli import main; sys.exit(main())",
            "build", "-q", "--store", str(store), "--data", str(data)]


def test_kill_9_during_build_leaves_the_previous_store(tmp_path):
    """kill -9 a build at many moments; each time the old store opens and answers."""
    store = tmp_path / "store"
    build(store, FIXTURE_DATA)
    old = st.open_read_only(store)
    expected = len(old)
    del old
    big = tmp_path / "synthetic"
    generate(FIXTURE_DATA, big, 60)  # a few seconds of build, so kills land in every phase
    t0 = time.perf_counter()
    subprocess.run(_build_cmd(tmp_path / "probe", big), check=True, capture_output=True)
    duration = time.perf_counter() - t0
    killed = left = 0
    tmp = tmp_path / "tmp"  # the killed builds' temporary files land here
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    for i in range(8):
        proc = subprocess.Popen(_build_cmd(store, big), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env)
        time.sleep(duration * (0.25 + 0.1 * i))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait()
        left += len(list(tmp.glob("cgt-graph-compile-*")))  # each later compile removes the dead ones
        oxi = st.open_read_only(store)
        n = len(oxi)
        # either the kill came first (old store intact) or the build finished (new store complete)
        if n != expected:
            assert run_named(oxi, "counts-by-class").rows
            build(store, FIXTURE_DATA)
        del oxi
    assert killed >= 3, "the kills should land during builds"
    assert len(st.open_read_only(store)) == expected
    # a killed build cannot remove its temporary N-Quads; the next compile removes those of dead processes
    assert left, "some kills should land while the N-Quads file exists"
    subprocess.run(_build_cmd(store, FIXTURE_DATA), check=True, capture_output=True, env=env)
    assert not list(tmp.glob("cgt-graph-compile-*"))


def test_the_n_quads_file_is_loaded_in_blocks_of_whole_lines(tmp_path):
    """The loader takes the file in blocks (bounded memory); every block ends at a line end, so the
    store holds exactly the quads of a load in one piece, whatever the block size."""
    from pyoxigraph import RdfFormat, Store

    lines = [f'<http://ex.org/s{i}> <http://ex.org/p> "value {i} with \\u00e9 and spaces" <http://ex.org/g{i % 3}> .\n'
             for i in range(500)]
    path = tmp_path / "g.nq"
    path.write_text("".join(lines)[:-1], encoding="utf-8")  # the last line without its line end
    whole = Store()
    whole.bulk_load(path=str(path), format=RdfFormat.N_QUADS)
    for size in (7, 100, 4096, 10**9):
        blocks = list(st._blocks(path, size))
        assert b"".join(blocks) == path.read_bytes()
        assert all(b.endswith(b"\n") for b in blocks[:-1])
        assert len(blocks) > 100 if size <= 100 else len(blocks) <= 2 if size == 10**9 else True
        store = Store()
        for b in blocks:
            store.bulk_load(b, format=RdfFormat.N_QUADS)
        assert set(store) == set(whole) and len(store) == 500


def test_a_file_still_being_written_is_loaded_in_ranges_and_a_stopped_load_stops(tmp_path):
    """The build loads the data's N-Quads while the derived facts are still to be appended, then the
    appended range; the two ranges give the whole file. A load told to stop takes no further block."""
    from pyoxigraph import RdfFormat, Store

    path = tmp_path / "g.nq"
    first = "".join(f"<http://ex.org/s{i}> <http://ex.org/p> \"{i}\" <http://ex.org/g> .\n" for i in range(300))
    path.write_text(first, encoding="utf-8")
    written = path.stat().st_size
    with path.open("a", encoding="utf-8") as f:  # the derived facts, appended later
        f.write("".join(f"<http://ex.org/s{i}> <http://ex.org/derived> \"{i}\" <http://ex.org/d> .\n" for i in range(200)))
    for size in (50, 4096):
        head, tail = list(st._blocks(path, size, 0, written)), list(st._blocks(path, size, written))
        assert b"".join(head) == first.encode() and b"".join(head + tail) == path.read_bytes()
    store = Store()
    assert st.load_into(store, path, 0, written) and len(store) == 300
    assert st.load_into(store, path, written) and len(store) == 500
    stopped = Store()
    assert not st.load_into(stopped, path, stop=lambda: True) and len(stopped) == 0
    whole = Store()
    whole.bulk_load(path=str(path), format=RdfFormat.N_QUADS)
    assert set(store) == set(whole)
