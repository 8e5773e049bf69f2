"""Data files that would cost unbounded time or memory end with a clear problem, not a MemoryError."""

from __future__ import annotations

import pytest

from cgt_graph.curation.load import clip


def _laughs(levels: int = 9) -> str:
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, levels + 1):
        name, prev = chr(97 + i), chr(96 + i)
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]\n"
    return text


def test_an_alias_bomb_is_refused_before_it_expands(data_copy, tmp_path, cli):
    (data_copy / "jurisdictions.yaml").write_text(_laughs())  # 10^10 values once expanded
    code, _, err = cli("build", "--store", str(tmp_path / "store"), "--data", str(data_copy))
    assert code == 2
    assert "jurisdictions.yaml:6: [yaml] anchors and aliases here expand to more than 1,000,000 values" in err
    assert "nothing was written" in err and not (tmp_path / "store").exists()


def test_a_long_file_is_no_bomb(tmp_path, monkeypatch):
    """The limit is on what aliases add, not on the file's own values (a '*' in a quote sends a file
    through the alias sizing)."""
    from cgt_graph.curation import load
    from cgt_graph.curation.load import DataError, read_yaml

    monkeypatch.setattr(load, "MAX_EXPANDED_NODES", 1_000)
    long = tmp_path / "long.yaml"
    long.write_text("".join(f"- {{id: r{i}, quote: 'Heart Sheet* {i}'}}\n" for i in range(2_000)))  # 10,001 values
    assert len(read_yaml(long, tmp_path)) == 2_000
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_laughs(3))  # 11,111 values from 40 written
    with pytest.raises(DataError, match="bomb.yaml:3: .yaml. anchors and aliases here expand to more than 1,000"):
        read_yaml(bomb, tmp_path)


def test_a_recursive_alias_is_refused(data_copy, tmp_path, cli):
    (data_copy / "jurisdictions.yaml").write_text("- &j {code: US, parts: [*j]}\n")
    code, _, err = cli("build", "--store", str(tmp_path / "store"), "--data", str(data_copy))
    assert code == 2 and "jurisdictions.yaml:1: [yaml] an alias refers to the node that contains it" in err


def test_a_few_aliases_are_still_fine(data_copy, tmp_path, cli):
    path = data_copy / "products" / "demogene-parvovec.yaml"
    path.write_text(path.read_text().replace("modalities: [aav]", "modalities: &m [aav]\nx_unused: *m"))
    code, _, err = cli("build", "--store", str(tmp_path / "store"), "--data", str(data_copy))
    assert code == 1 and "unknown field 'x_unused'" in err and "[yaml]" not in err  # read, then checked


def test_messages_about_huge_values_stay_short(data_copy, tmp_path, cli):
    path = data_copy / "products" / "demogene-parvovec.yaml"
    path.write_text(path.read_text().replace("id: demogene-parvovec", "id: " + "X" * 5_000_000))
    code, _, err = cli("build", "--store", str(tmp_path / "store"), "--data", str(data_copy))
    assert code in (1, 2) and "demogene-parvovec.yaml" in err
    assert max(len(line) for line in err.splitlines()) < 1500


class _Counted:
    calls = 0

    def __repr__(self) -> str:
        _Counted.calls += 1
        return "c"


def test_clip_never_builds_the_whole_repr():
    from cgt_graph.curation.load import Node

    big = Node({"k": [_Counted() for _ in range(100_000)], "s": "x" * 10_000_000})
    text = clip(big, 60)
    assert len(text) <= 63 and text.startswith("{'k': [c, c, c")
    assert _Counted.calls <= 6  # only the elements shown were ever turned into text
    assert clip("short") == "'short'" and clip("y" * 100, 10) == "'yyyyyyyyyy'..."
