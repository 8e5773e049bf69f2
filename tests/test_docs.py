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
