"""The `cgt-graph` commands, one module per group; `cli.py` assembles them.

A command parses its options, calls the library and prints what it returns: no rules and no
SPARQL here. Errors are `cgt_graph.errors.CgtError`s raised by the library (or by a command
for bad usage); `cli.py` turns them into stderr lines and an exit code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import click

store_option = click.option(
    "--store", "store_path", type=click.Path(path_type=Path), default=None,
    help="Store location (default: $CGT_GRAPH_STORE or ~/.local/share/cgt-graph/store).")
data_option = click.option(
    "--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
    help="Data directory (default: the repository's data/).")
validator_option = click.option(
    "--validator", type=click.Choice(["auto", "fast", "pyshacl"]), default="auto", show_default=True,
    help="SHACL validator: the shapes as SPARQL in Oxigraph (fast; auto is the same), "
         "or pyshacl (the test oracle, slower) to compare.")
format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
    show_default=True, help="Output format.")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress messages.")


def progress(quiet: bool) -> Callable[[str], None]:
    """Messages on stderr (seconds since start, then the message) and, on a terminal, progress bars."""
    from cgt_graph.progress import Reporter

    return Reporter(quiet)


def open_store(store_path: Path | None):
    """The published store, read-only (StoreError, exit 3, when there is none)."""
    from cgt_graph import paths
    from cgt_graph.graph.store import open_read_only

    return open_read_only(store_path or paths.store_dir())
