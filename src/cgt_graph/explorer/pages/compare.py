"""Compare jurisdictions: modality x jurisdiction, approvals per year, lag after the first
approval; the seed articles' claims beside what the graph holds."""

from __future__ import annotations

import altair as alt
import streamlit as st

from cgt_graph.explorer import data as explore
from cgt_graph.explorer.pages import common


CLAIM_COLUMNS = ["statement", "claimed", "in_graph", "difference", "as_of", "jurisdiction", "modality", "pathway",
                 "period_start", "claim", "sources"]


def render() -> None:
    rows = [r for r in common.search_rows() if r["jurisdiction"]]
    st.markdown("#### Products per modality and jurisdiction")
    st.caption("Distinct products authorised in each jurisdiction, by the product's own modality.")
    matrix = common.frame(explore.modality_matrix(rows))
    matrix["products"] = matrix["products"].astype(int)
    base = alt.Chart(matrix).encode(x=alt.X("jurisdiction:N", title=None), y=alt.Y("modality:N", title=None,
                                                                          axis=alt.Axis(labelLimit=300)))
    heat = base.mark_rect().encode(color=alt.Color("products:Q", scale=alt.Scale(scheme="blues")),
                                   tooltip=["modality", "jurisdiction", "products"])
    st.altair_chart(heat + base.mark_text().encode(text="products:Q"), width="stretch")

    st.markdown("#### Authorisations per year and regulator")
    per_year = common.frame(explore.approvals_per_year(rows))
    per_year["authorisations"] = per_year["authorisations"].astype(int)
    st.altair_chart(alt.Chart(per_year).mark_bar().encode(
        x=alt.X("year:O"), y=alt.Y("authorisations:Q"), color=alt.Color("jurisdiction:N"),
        tooltip=["year", "jurisdiction", "authorisations"]), width="stretch")

    st.markdown("#### Lag from the first approval anywhere to each later jurisdiction")
    st.caption("Months after the product's first authorisation (dates known only to the month or year are "
               "compared at that precision). Each dot is a product; hover for its name.")
    lags = common.frame(common.cached("lags"))
    if not lags.empty:
        lags["lag_months"] = lags["lag_months"].astype(float)
        dots = alt.Chart(lags).mark_circle(size=60, opacity=0.7).encode(
            x=alt.X("lag_months:Q", title="months after first approval"), y=alt.Y("jurisdiction:N", title=None),
            color=alt.Color("first_jurisdiction:N", title="first approved in"),
            tooltip=["product_id", "jurisdiction", "decision_date", "first_jurisdiction", "first_date", "lag_months"])
        median = alt.Chart(lags).mark_tick(color="black", thickness=3, size=20).encode(
            x="median(lag_months):Q", y="jurisdiction:N")
        st.altair_chart(dots + median, width="stretch")
        st.caption("Black tick: median lag per jurisdiction.")

    st.markdown("#### The seed articles' claims beside the graph")
    st.caption("A claim (a source's dated count) and how many products the graph holds for the same scope; "
               "difference = graph − claim.")
    st.dataframe(common.frame(common.cached("claims"), CLAIM_COLUMNS), hide_index=True, width="stretch", key="claims",
                 column_config={"statement": st.column_config.TextColumn("statement", width="large")})
