"""`cgt-graph analyse ANALYSIS`: the regulatory history analyses of `analysis/history.py` (#14)."""

from __future__ import annotations

from pathlib import Path

import click

from cgt_graph.commands import format_option, open_store, store_option


@click.command()
@click.argument("analysis", type=click.Choice(["review-times", "review-pairs", "extensions", "extension-lags",
                                               "conversions", "outcomes", "claims"]))
@click.option("--by", type=click.Choice(["agency", "pathway", "modality", "year", "procedure"]), default="agency",
              show_default=True, help="review-times: group by agency, the decision's pathway, product modality, "
              "decision year, or procedure (initial authorisation vs indication variation).")
@click.option("--procedure", type=click.Choice(["initial", "indication", "all"]), default="initial", show_default=True,
              help="review-times, review-pairs: first authorisations, indication variations, or both.")
@format_option
@store_option
def analyse(analysis: str, by: str, procedure: str, fmt: str, store_path: Path | None) -> None:
    """Regulatory history analyses: n, median and quartiles, never a bare mean.

    \b
    review-times    days from the start of a review to the decision, per group (FDA: submission, else
                    acceptance; EMA: validation, else submission, to the Commission decision)
    review-pairs    the procedures behind review-times, one row each
    extensions      time from first approval to each later indication decision, summarised
    extension-lags  the same, one row per indication decision
    conversions     conditional / accelerated decisions and their conversion events, with days to conversion
    outcomes        negative and withdrawn outcomes per agency, year and kind
    claims          the sources' timing claims beside the graph's own figures, with a verdict

    Dates known to the month count from the first day of their period; n_day_precision says
    how many pairs are exact to the day; pairs with a date known only to the year are left out.
    """
    from cgt_graph.analysis import history as h
    from cgt_graph.sparql.library import Result, format_result

    store = open_store(store_path)
    rows: list[dict[str, object]]
    if analysis == "review-times":
        rows = h.review_times(store, by, None if procedure == "all" else procedure)
    elif analysis == "review-pairs":
        rows = [r for r in h.review_pairs(store) if procedure == "all" or r["procedure"] == procedure]
    elif analysis == "extensions":
        rows = h.extension_lags(store)[1]
    elif analysis == "extension-lags":
        rows = h.extension_lags(store)[0]
    elif analysis == "conversions":
        rows = h.conversions(store)
    elif analysis == "claims":
        rows = h.timing_claims(store)
    else:
        rows = h.outcomes_by_agency_year(store)
    click.echo(format_result(Result.from_dicts(rows), fmt), nl=False)
