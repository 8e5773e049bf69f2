"""The fast reader (yaml-rs) gives exactly what the exact reader (PyYAML) gives, or hands the file back."""

from __future__ import annotations

from pathlib import Path

import pytest

from cgt_graph.curation.fastyaml import EXACT, read_fast
from cgt_graph.curation.load import read_yaml

ROOT = Path(__file__).resolve().parents[1]


def _plain(x):
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return x


def _exact(tmp_path: Path, text: str):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return _plain(read_yaml(path, tmp_path))


@pytest.mark.parametrize("root", ["data", "tests/fixtures"])
def test_every_data_file_reads_the_same(root: str) -> None:
    base = ROOT / root
    files = sorted(base.rglob("*.yaml"))
    assert files
    fast = 0
    for path in files:
        got = read_fast(path.read_text(encoding="utf-8"))
        if got is EXACT:
            continue
        fast += 1
        try:
            want = _plain(read_yaml(path, base))
        except Exception:  # a fixture that is meant to be broken: the fast reader must not accept it
            pytest.fail(f"{path}: the fast reader accepted a file the exact reader refuses")
        assert got == want, path
    assert fast >= len(files) // 2  # the fast reader is used for most files, or it is no use


# YAML 1.1 (PyYAML) and YAML 1.2 (yaml-rs) read these plain scalars differently
DIFFERENT = ["a: yes", "a: No", "a: on", "a: OFF", "a: 0123", "a: 012389", "a: 1_000", "a: 1:20",
             "a: 1e3", "a: 1.0e5", "a: 0o17", "a: 0b101", "a: 0x1F", "a: 190:20:30.15", "- on\n- 1", "a: [1, yes]",
             "a: {b: 0777}", "a:\n  on", "a: =", "<<: {b: 1}", "a: !!str 12", "a: &x 1\nb: *x", "a: 1\n---\nb: 2",
             "a: 1\na: 2", "a: .5e3", "a: +0o7",
             "yes: 1", "0123: a", "- on: b", "{1_0: c}", "? off\n: 1", "a: {x: 1, on: 2}", "&a x: 1", "!!str a: 1"]
# and these the same
SAME = ["a: y", "n: 1", "a: 12", "a: -3", "a: 1.5", "a: 2026-12-06", "a: 2026-12", "a: 2026", "a: true", "a: False", "a: null",
        "a: ~", "a:", "a: '0123'", "a: \"yes\"", "a: text with 2021. and on and 1e3 inside", "a: [x, 'y', 12]",
        "a: |\n  one\n  two\n", "a: >\n  one\n  two\n", "a: \"\\u00e9\\n\"", "- x: 1\n  y: [a, b]\n",
        "a: https://example.org/x?a=1&b=2#frag", "a: '*not an alias'", "# only a comment\n", ""]


@pytest.mark.parametrize("text", DIFFERENT)
def test_what_the_two_read_differently_goes_to_the_exact_reader(text: str) -> None:
    assert read_fast(text) is EXACT


@pytest.mark.parametrize("text", SAME)
def test_what_both_read_alike_is_read_fast_and_equal(tmp_path: Path, text: str) -> None:
    got = read_fast(text)
    assert got is not EXACT
    assert got == _exact(tmp_path, text)
