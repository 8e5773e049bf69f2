"""Where data, ontology and the store live: the one module that knows.

In a source checkout, `data/` and `ontology/` sit at the repository root; in an
installed wheel they are bundled under `cgt_graph/_bundled/`. The store lives
under `$CGT_GRAPH_HOME` (default `~/.local/share/cgt-graph`).
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _root() -> Path:
    checkout = _PACKAGE.parent.parent
    if (checkout / "data").is_dir() and (checkout / "ontology").is_dir():
        return checkout
    return _PACKAGE / "_bundled"


def data_dir() -> Path:
    return Path(os.environ.get("CGT_GRAPH_DATA") or _root() / "data")


def ontology_dir() -> Path:
    return Path(os.environ.get("CGT_GRAPH_ONTOLOGY") or _root() / "ontology")


def schema_dir() -> Path:
    """The data model's schema (LinkML) and what is generated from it for editors."""
    return Path(os.environ.get("CGT_GRAPH_SCHEMA") or _root() / "schema")


def queries_dir() -> Path:
    return _PACKAGE / "queries"


def home_dir() -> Path:
    env = os.environ.get("CGT_GRAPH_HOME")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cgt-graph"


def store_dir() -> Path:
    """The published store: a symlink to the current build, switched atomically."""
    return Path(os.environ.get("CGT_GRAPH_STORE") or home_dir() / "store")
