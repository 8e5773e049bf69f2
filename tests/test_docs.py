"""Generated documentation is committed and fresh."""

from __future__ import annotations

from pathlib import Path

from cgt_graph.sparql.docs import queries_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_queries_md_is_fresh():
    committed = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    assert committed == queries_markdown(), "docs/queries.md is stale: run `python -m cgt_graph.sparql.docs`"


def test_readme_names_every_cli_command():
    from cgt_graph.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"cgt-graph {name}" in readme, f"README does not show `cgt-graph {name}`"


def test_readme_data_as_of_is_the_latest_verified_day():
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"Data as of (\d{4}-\d{2}-\d{2})", readme)
    assert stated, "README.md must say 'Data as of YYYY-MM-DD'"
    days = [m for p in (ROOT / "data").rglob("*.yaml")
            for m in re.findall(r"^\s*verified: '?(\d{4}-\d{2}-\d{2})", p.read_text(encoding="utf-8"), re.M)]
    assert stated.group(1) == max(days), "README.md's 'Data as of' is not the latest `verified` day in data/"
