"""Compare jurisdictions: products per modality (top-level categories, drill down to the
narrower ones), authorisations per year, lag after the first approval (the one definition the
Network page reads too); the seed articles' claims beside what the graph holds."""

from __future__ import annotations

import altair as alt
import streamlit as st

from cgt_graph.explorer import data as explore
from cgt_graph.explorer.pages import common

CLAIM_COLUMNS = ["statement", "claimed", "in_graph", "difference", "as_of", "jurisdiction", "modality", "pathway",
                 "period_start", "claim", "sources"]
CLAIM_HELP = {"claimed": "The count the source states.", "in_graph": "How many products the graph holds for the "
              "same scope (jurisdiction, modality, pathway, period).", "difference": "in graph − claimed.",
              "as_of": "The date the claim is about.", "claim": "The claim's record id."}


def modality_matrix(rows: list[explore.Row], names: explore.Names, parent: str | None) -> list[dict]:
    """Distinct products per (modality, jurisdiction): the top-level modalities, or the modalities
    directly under `parent`. A product counts once per jurisdiction: one whose modalities fall in two
    categories (an ex vivo gene therapy is a cell therapy and a gene therapy) has its own row
    "A + B", so the rows add up to the products."""
    seen: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        keys = set()
        for code in r["modality_codes"].split(";"):
            chain = list(reversed(names.ancestors("modality", code)))  # top first
            if parent is None:
                key = chain[0] if chain else code
            elif parent in chain and chain.index(parent) + 1 < len(chain):
                key = chain[chain.index(parent) + 1]
            elif parent in chain:
                key = parent  # the product's modality is the parent itself
            else:
                continue
            keys.add(names.modality.get(key, key))
        if keys:
            seen.setdefault((" + ".join(sorted(keys)), r["jurisdiction"]), set()).add(r["product_id"])
    return [{"modality": m, "jurisdiction": j, "products": len(p)} for (m, j), p in sorted(seen.items())]


def render() -> None:
    rows = [r for r in common.search_rows() if r["jurisdiction_code"]]
    names = common.names()
    st.markdown("#### Products per modality and jurisdiction")
    tops = sorted({names.top_modality(c) for r in rows for c in r["modality_codes"].split(";") if c})
    narrower = sorted({p for (k, c), p in names.parent.items() if k == "modality"}, key=lambda c: names.modality.get(c, c))
    drill = st.selectbox("Modalities", [""] + narrower, key="compare_modality",
                         format_func=lambda c: "Top-level categories" if not c else f"Inside {names.modality.get(c, c)}")
    st.caption("Distinct products authorised in each jurisdiction. Top level: "
               + ", ".join(names.modality.get(t, t) for t in tops)
               + "; a product counts once in each jurisdiction (a product in two categories is counted under "
                 "“A + B”), so a column adds up to the products authorised there. Choose a category to see the "
                 "modalities inside it.")
    matrix = common.frame(modality_matrix(rows, names, drill or None))
    if matrix.empty:
        st.info("No product in this category.")
    else:
        base = alt.Chart(matrix).encode(x=alt.X("jurisdiction:N", title=None,  # every name shown, none dropped
                                                axis=alt.Axis(labelAngle=-40, labelOverlap=False, labelLimit=200)),
                                        y=alt.Y("modality:N", title=None, axis=alt.Axis(labelLimit=320)))
        heat = base.mark_rect().encode(color=alt.Color("products:Q", scale=alt.Scale(scheme="blues")),
                                       tooltip=["modality", "jurisdiction", "products"])
        st.altair_chart(heat + base.mark_text().encode(text="products:Q"), width="stretch")

    st.markdown("#### Authorisations per year and jurisdiction")
    per_year = common.frame(explore.approvals_per_year(rows))
    per_year["authorisations"] = per_year["authorisations"].astype(int)
    st.altair_chart(alt.Chart(per_year).mark_bar().encode(
        x=alt.X("year:O"), y=alt.Y("authorisations:Q"),
        color=alt.Color("jurisdiction:N", scale=alt.Scale(scheme="category20")),  # one colour per jurisdiction
        tooltip=["year", "jurisdiction", "authorisations"]), width="stretch")
    st.caption("By the year of the decision (every date the sources give has at least its year).")

    st.markdown("#### Lag from the first approval anywhere to each later jurisdiction (days)")
    st.caption(LAG_NOTE)
    lags = common.frame(common.cached("lags"))
    if not lags.empty:
        lags["dates"] = lags["imprecise"].map({True: "a month or year only", False: "both to the day"})
        dots = alt.Chart(lags).mark_circle(size=60, opacity=0.7).encode(
            x=alt.X("lag_days:Q", title="days after the first approval"), y=alt.Y("jurisdiction:N", title=None),
            color=alt.Color("first_jurisdiction:N", title="first approved in", scale=alt.Scale(scheme="category10")),
            shape=alt.Shape("dates:N", title="dates known"),
            tooltip=["product", "jurisdiction", "decision_date", "first_jurisdiction", "first_date", "lag_days",
                     "lag_min_days", "lag_max_days"])
        median = alt.Chart(lags).mark_tick(color="black", thickness=3, size=20).encode(
            x="median(lag_days):Q", y="jurisdiction:N")
        st.altair_chart(dots + median, width="stretch")
        st.caption("Black tick: median lag per jurisdiction (the same figures as the Network page).")
        st.dataframe(common.frame(explore.lag_summary(common.cached("lags"))), hide_index=True, width="stretch",
                     key="compare_lags", column_config=LAG_COLUMNS)

    st.markdown("#### The seed articles' claims beside the graph")
    st.caption("A claim (a source's dated count) and how many products the graph holds for the same scope.")
    claims = [{**c, "jurisdiction": explore.jurisdiction_label(names, c["jurisdiction"]),
               "modality": names.modality.get(c["modality"], c["modality"]),
               "pathway": names.pathway.get(c["pathway"], c["pathway"])} for c in common.cached("claims")]
    st.dataframe(common.frame(claims, CLAIM_COLUMNS), hide_index=True, width="stretch", key="claims",
                 row_height=60,
                 column_config={"statement": st.column_config.TextColumn("statement", width="large", pinned=True),
                                **{k: st.column_config.Column(k, help=v) for k, v in CLAIM_HELP.items()},
                                "sources": st.column_config.LinkColumn("source",
                                                                      display_text=r"https?://(?:www\.)?([^/]+)")})


LAG_NOTE = ("A product arrives in a jurisdiction with its first decision there. Lag: days from the product's first "
            "decision anywhere to its arrival in each later jurisdiction, counted between the first days of the two "
            "dates' periods (0 when the two periods overlap and the order is not known); when a date is known only to "
            "the month or year, the lag's possible range is given too (hover a dot). Dates are ordered by what is "
            "known: “2022” comes after every day of 2022.")
LAG_COLUMNS = {
    "jurisdiction": st.column_config.TextColumn("Later jurisdiction", pinned=True),
    "first_jurisdiction": st.column_config.TextColumn("First approved in"),
    "products": st.column_config.NumberColumn("Products", help="Products that arrived there after a first "
                                              "approval elsewhere."),
    "median_days": st.column_config.NumberColumn("Median lag (days)"),
    "p25_days": st.column_config.NumberColumn("25th percentile (days)"),
    "p75_days": st.column_config.NumberColumn("75th percentile (days)"),
    "imprecise": st.column_config.NumberColumn("Resting on imprecise dates",
                                               help="How many of these lags involve a date known only to the month "
                                                    "or year."),
    "order_uncertain": st.column_config.NumberColumn("Order uncertain",
                                                     help="How many arrivals fall in the same month or year as the "
                                                          "first decision, so which came first is not known (lag "
                                                          "counted as 0)."),
}
