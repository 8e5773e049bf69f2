"""Progress: bars with counts on a terminal, nothing but messages in a pipe, nothing at all with -q."""

from __future__ import annotations

import functools
import io
from pathlib import Path

from cgt_graph.graph.build import build
from cgt_graph.progress import Reporter
from cgt_graph.sparql.tables import materialise

from .conftest import FIXTURE_DATA

ALL = functools.partial(materialise, min_quads=0)  # the fixture is below the size the build materialises at


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _build(tmp_path: Path, reporter: Reporter) -> None:
    build(tmp_path / "store", FIXTURE_DATA, progress=reporter, materialise=ALL)


def test_a_terminal_sees_bars_with_counts(tmp_path):
    out = Terminal()
    _build(tmp_path, Reporter(stream=out))
    text = out.getvalue()
    files = sum(1 for p in FIXTURE_DATA.rglob("*.yaml"))
    assert "reading: 100%" in text and f"{files}/{files}" in text  # every data file counted
    assert "validating: 100%" in text and "tables: 100%" in text
    assert "published" in text  # the messages as well


def test_a_pipe_gets_messages_but_no_bars(tmp_path):
    out = io.StringIO()
    _build(tmp_path, Reporter(stream=out))
    text = out.getvalue()
    assert "published" in text
    assert "%|" not in text and "\r" not in text


def test_quiet_prints_nothing_even_on_a_terminal(tmp_path):
    out = Terminal()
    _build(tmp_path, Reporter(quiet=True, stream=out))
    assert out.getvalue() == ""


def test_a_release_counts_its_files_on_a_terminal(tmp_path):
    from cgt_graph.graph import store as st
    from cgt_graph.publish.release import release

    build(tmp_path / "store", FIXTURE_DATA)
    out = Terminal()
    report = release(st.open_read_only(tmp_path / "store"), tmp_path / "rel", "v1", "2026-01-01",
                     progress=Reporter(stream=out))
    n = len(report.files) - 1  # SHA256SUMS is written after the bar closes
    assert "release: 100%" in out.getvalue() and f"{n}/{n}" in out.getvalue()
