"""`cgt-graph lint`: one canonical form for every data file."""

from __future__ import annotations

import shutil

from .conftest import FIXTURE_DATA, REAL_DATA


def test_the_real_data_is_in_canonical_form(cli):
    code, out, err = cli("lint", "--check", "--data", str(REAL_DATA))
    assert code == 0, err


def test_check_names_each_file_that_differs_and_the_command_that_fixes_it(cli, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    f = data / "jurisdictions.yaml"
    # keys out of the model's order, needless quotes, a comment to keep
    f.write_text('# the jurisdictions\n- name: "Atlantis"  # fictional\n  code: XA\n', encoding="utf-8")
    code, out, err = cli("lint", "--check", "--data", str(data))
    assert code == 1
    assert "data/jurisdictions.yaml: not in canonical form" in err
    assert f"cgt-graph lint --data {data}" in err
    assert f.read_text(encoding="utf-8").startswith("# the jurisdictions\n- name"), "--check writes nothing"

    code, out, err = cli("lint", "--data", str(data))
    assert code == 0, err
    text = f.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[:2] == ["# the jurisdictions", "- code: XA"]
    assert lines[2].startswith("  name: Atlantis") and lines[2].endswith("# fictional")
    assert cli("lint", "--check", "--data", str(data))[0] == 0


def test_long_text_is_folded_and_reads_back_the_same(cli, tmp_path):
    import yaml

    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    f = data / "modalities.yaml"
    before = yaml.safe_load(f.read_text(encoding="utf-8"))
    before[0]["definition"] = " ".join(["a long definition that needs folding"] * 12)
    f.write_text(yaml.safe_dump(before, width=10_000, sort_keys=True), encoding="utf-8")
    assert cli("lint", "--data", str(data))[0] == 0
    text = f.read_text(encoding="utf-8")
    assert "definition: >-" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    assert yaml.safe_load(text) == before


def test_a_broken_file_is_named_and_left_alone(cli, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    f = data / "modalities.yaml"
    f.write_text("- id: x\n  label: [unclosed\n", encoding="utf-8")
    code, out, err = cli("lint", "--data", str(data))
    assert code == 2
    assert "data/modalities.yaml:" in err
    assert f.read_text(encoding="utf-8") == "- id: x\n  label: [unclosed\n"


def test_dates_are_written_one_way_whatever_the_quoting(cli, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    f = next((data / "sources").glob("*.yaml"))
    text = f.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("accessed: 20"))
    f.write_text(text.replace(line, line.replace("accessed: ", "accessed: '") + "'", 1), encoding="utf-8")
    assert cli("lint", "--check", "--data", str(data))[0] == 1
    assert cli("lint", "--data", str(data))[0] == 0
    assert f.read_text(encoding="utf-8") == text
