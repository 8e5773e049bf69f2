"""Commands that read the store: query, stats, serve."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import click

from cgt_graph import paths
from cgt_graph.commands import format_option, open_store, store_option
from cgt_graph.errors import CgtError


def _params(pairs: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for kv in pairs:
        key, sep, value = kv.partition("=")
        if not sep:
            raise CgtError(f"--param must be KEY=VALUE, got {kv!r}")
        values[key] = value
    return values


@click.command()
@click.argument("sparql", required=False)
@click.option("--name", "-n", help="Run a library query by name (see --list).")
@click.option("--file", "-f", "file", type=click.File("r"), help="Read the SPARQL from a file ('-' for stdin).")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="Parameter of a library query.")
@click.option("--list", "list_", is_flag=True, help="List the library queries and their parameters.")
@format_option
@store_option
def query(sparql: str | None, name: str | None, file: IO[str] | None, params: tuple[str, ...], list_: bool,
          fmt: str, store_path: Path | None) -> None:
    """Run SPARQL: a library query (--name), a file (--file) or text.

    \b
    Examples:
      cgt-graph query --list
      cgt-graph query --name authorisations-by-modality --param modality=car-t
      cgt-graph query 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' --format csv
    """
    from cgt_graph.sparql import library as q

    if list_:
        for lq in q.library().values():
            click.echo(f"{lq.name}\n  {lq.title}: {lq.description}")
            for p in lq.params:
                click.echo(f"  --param {p.name}=<{p.type}> (default {p.default}): {p.help}")
        return
    if sum(x is not None for x in (sparql, name, file)) != 1:
        raise CgtError("give exactly one of SPARQL text, --name or --file (see --help)")
    values = _params(params)
    if values and not name:
        raise CgtError("--param only applies to --name queries")
    store = open_store(store_path)
    if name:
        from cgt_graph.sparql.tables import read_named

        result = read_named(store, name, values)  # a big build's materialised table or answer: the same rows
    else:
        result = q.run(store, sparql if sparql is not None else file.read() if file else "")
    click.echo(q.format_result(result, fmt), nl=False)


@click.command()
@format_option
@store_option
def stats(fmt: str, store_path: Path | None) -> None:
    """Counts per class, jurisdiction, modality, class and evidence level; seed claims vs the graph."""
    from cgt_graph.analysis.review import data_as_of
    from cgt_graph.sparql import library as q
    from cgt_graph.sparql.tables import read_named

    store = open_store(store_path)
    if fmt == "table":
        fresh = data_as_of(store)
        click.echo(f"Data as of {fresh.get('data_as_of') or 'unknown'} (the latest day a record was verified "
                   f"against its sources; {fresh.get('verified_records')} of {fresh.get('records')} fact-bearing "
                   "records verified)\n")
    for title, name in q.STATS:
        if fmt == "table":
            click.echo(f"== {title}")
        click.echo(q.format_result(read_named(store, name), fmt))


@click.command()
@click.option("--reason", "reasons", multiple=True,
              type=click.Choice(["secondary-only", "imprecise-date", "past-term", "not-verified", "claim-differs"]),
              help="Only these reasons (repeatable).")
@click.option("--summary", is_flag=True, help="Only the counts per reason and kind.")
@format_option
@store_option
def review(reasons: tuple[str, ...], summary: bool, fmt: str, store_path: Path | None) -> None:
    """The review queue: what to check next, one row per record and reason.

    \b
    secondary-only  every source of the record is news or secondary
    imprecise-date  a decision, designation or event known only to the month or year
    past-term       a conditional or time-limited approval with no event for longer than its term
    not-verified    no `verified` date, or one more than 12 months old
    claim-differs   a seed claim whose count differs from the graph
    """
    from cgt_graph.analysis.review import counts, review_queue
    from cgt_graph.sparql.library import format_result

    queue = review_queue(open_store(store_path), reasons)
    if fmt == "table" or summary:
        click.echo(format_result(counts(queue), fmt))
    if not summary:
        click.echo(format_result(queue, fmt))


@click.command()
@click.option("--port", default=7878, show_default=True, help="TCP port on 127.0.0.1.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind (keep it on loopback unless you put a proxy in front).")
@click.option("--workers", default=2, show_default=True,
              help="Worker processes of the fast lane (queries run in parallel).")
@click.option("--slow-workers", default=2, show_default=True,
              help="Worker processes of the slow lane (queries that overrun --fast-budget).")
@click.option("--slow-per-client", default=1, show_default=True,
              help="Slow queries one client address may run at once (more: 429).")
@click.option("--fast-budget", "fast_budget_s", default=0.5, show_default=True,
              help="Seconds a query may run in the fast lane before it moves to the slow lane.")
@click.option("--timeout", "timeout_s", default=10.0, show_default=True, help="Deadline per query, seconds.")
@click.option("--max-result-bytes", default=20_000_000, show_default=True, help="Largest result a query may return.")
@click.option("--max-connections", default=256, show_default=True,
              help="Open connections and requests at once (more: 503).")
@click.option("--request-timeout", "request_timeout_s", default=10.0, show_default=True,
              help="Seconds a client has to send its request head, and again its body.")
@store_option
def serve(port: int, host: str, workers: int, slow_workers: int, slow_per_client: int, fast_budget_s: float,
          timeout_s: float, max_result_bytes: int, max_connections: int, request_timeout_s: float,
          store_path: Path | None) -> None:
    """Serve a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql.

    Updates, SERVICE and LOAD are refused; every query has a deadline and a
    result-size limit; a query that runs out of time gets an error status.
    """
    from cgt_graph.errors import STORE, CgtError
    from cgt_graph.graph.store import require
    from cgt_graph.sparql.sandbox import WorkerFailed
    from cgt_graph.sparql.server import HttpLimits, Limits, serve as run_server

    location = store_path or paths.store_dir()
    require(location)
    if min(workers, slow_per_client, max_connections) < 1 or slow_workers < 0 or \
            min(timeout_s, fast_budget_s, request_timeout_s) <= 0:
        raise CgtError("--workers, --slow-per-client and --max-connections must be at least 1, "
                       "--slow-workers at least 0, and the times positive")
    click.echo(f"cgt-graph SPARQL endpoint: http://{host}:{port}/sparql (store {location}; Ctrl-C stops)", err=True)
    try:
        run_server(location, host, port, workers,
                   Limits(timeout_s, max_result_bytes, fast_budget_s=fast_budget_s, slow_workers=slow_workers,
                          slow_per_client=slow_per_client),
                   HttpLimits(max_connections=max_connections, request_timeout_s=request_timeout_s))
    except WorkerFailed as exc:
        raise CgtError(str(exc), code=STORE) from None
