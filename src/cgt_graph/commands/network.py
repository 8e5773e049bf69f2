"""`cgt-graph network ANALYSIS`: the analyses of `analysis/network.py`, listed from its registry."""

from __future__ import annotations

from pathlib import Path

import click

from cgt_graph.analysis.network import ANALYSES
from cgt_graph.commands import format_option, open_store, store_option

_HELP = "\n".join(f"{a.name:<13} {a.help}" for a in ANALYSES.values())


@click.command(help="Network analyses: how therapies travel between regulators.\n\n\b\n" + _HELP)
@click.argument("analysis", type=click.Choice(list(ANALYSES)))
@click.option("--by", type=click.Choice(["all", "modality", "period"]), default="all", show_default=True,
              help="first-movers: overall, by top modality, or by 5-year period.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Also write the graph (" + ", ".join(n for n, a in ANALYSES.items() if a.graph)
              + ") as .graphml or .gexf.")
@format_option
@store_option
def network(analysis: str, by: str, output: str | None, fmt: str, store_path: Path | None) -> None:
    from cgt_graph.analysis.network import run
    from cgt_graph.sparql.library import Result, format_result

    outcome = run(open_store(store_path), analysis, by, output)
    if outcome.note:
        click.echo(outcome.note, err=True)
    if output and outcome.graph is not None:
        click.echo(f"wrote {outcome.graph.number_of_nodes()} nodes and {outcome.graph.number_of_edges()} edges "
                   f"to {output}", err=True)
    click.echo(format_result(Result.from_dicts(outcome.rows), fmt), nl=False)
