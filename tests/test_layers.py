"""Imports point down the layers of docs/design.md: a module never imports from a layer above it."""

from __future__ import annotations

import ast
from pathlib import Path

import cgt_graph

ROOT = Path(cgt_graph.__file__).parent
# lower numbers are lower layers; publish and analysis sit side by side and do not import each other
LAYER = {"paths": 0, "errors": 0, "progress": 0, "curation": 1, "graph": 2, "sparql": 3,
         "publish": 4, "analysis": 4, "explorer": 5, "commands": 6, "cli": 7}


def _layer(module: str) -> tuple[str, int] | None:
    parts = module.split(".")
    if parts[0] != "cgt_graph" or len(parts) < 2:
        return None
    return (parts[1], LAYER[parts[1]]) if parts[1] in LAYER else None


def test_every_top_level_part_has_a_layer():
    parts = {p.stem for p in ROOT.iterdir() if (p.suffix == ".py" or p.is_dir()) and not p.name.startswith("_")}
    parts -= {"queries"}
    assert parts <= set(LAYER), parts - set(LAYER)


def test_imports_point_down():
    upward = []
    for f in sorted(ROOT.rglob("*.py")):
        mine = _layer(".".join(f.relative_to(ROOT.parent).with_suffix("").parts))
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cgt_graph."):
                theirs = _layer(node.module)
                if mine and theirs and (theirs[1] > mine[1] or (theirs[1] == mine[1] and theirs[0] != mine[0])):
                    upward.append(f"{f.relative_to(ROOT)} imports {node.module}")
    assert upward == []
