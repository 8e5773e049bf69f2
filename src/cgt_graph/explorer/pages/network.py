"""Network: who follows whom between regulators, first movers, lags: the same lag definition
and unit (days) as the Compare page (data.lags)."""

from __future__ import annotations

import streamlit as st

from cgt_graph.explorer import data as explore
from cgt_graph.explorer.pages import common
from cgt_graph.explorer.pages.compare import LAG_COLUMNS, LAG_NOTE


def render() -> None:
    lags = common.cached("lags")
    rows = common.search_rows()
    st.subheader("Who follows whom")
    st.write("A row A → B counts the products first authorised in A and later in B, with the lag in days.")
    st.caption(LAG_NOTE)
    follow = explore.lag_summary(lags, ("first_jurisdiction", "jurisdiction"))
    st.dataframe(common.frame(follow), hide_index=True, width="stretch", key="follow", column_config=LAG_COLUMNS)
    st.subheader("Median lag to each later jurisdiction (days)")
    summary = common.frame(explore.lag_summary(lags))
    if not summary.empty:
        st.bar_chart(summary.set_index("jurisdiction")["median_days"], y_label="median lag (days)", x_label="")
    st.dataframe(summary, hide_index=True, width="stretch", key="network_lags", column_config=LAG_COLUMNS)
    left, right = st.columns(2)
    with left:
        st.subheader("First to authorise")
        st.dataframe(common.frame(explore.first_arrivals(rows)), hide_index=True, width="stretch",
                     key="first_movers", column_config={
                         "jurisdiction": st.column_config.TextColumn("Jurisdiction"),
                         "first": st.column_config.NumberColumn("First here",
                                                                help="Including products authorised nowhere else."),
                         "only_there": st.column_config.NumberColumn("Only here", help="Authorised nowhere else."),
                         "first_uncertain": st.column_config.NumberColumn(
                             "Not certain", help="Another jurisdiction's decision falls in the same month "
                             "or year as this one, and a date known only to the month or year leaves the order open.")})
    with right:
        st.subheader("Leads and follows")
        leads: dict[str, int] = {}
        follows: dict[str, int] = {}
        for r in lags:
            for f in r["first_jurisdiction"].split("; "):
                leads[f] = leads.get(f, 0) + 1
            follows[r["jurisdiction"]] = follows.get(r["jurisdiction"], 0) + 1
        table = [{"jurisdiction": j, "leads": leads.get(j, 0), "follows": follows.get(j, 0)}
                 for j in sorted(set(leads) | set(follows), key=lambda j: (-leads.get(j, 0), follows.get(j, 0)))]
        st.dataframe(common.frame(table), hide_index=True, width="stretch", key="centrality", column_config={
            "jurisdiction": st.column_config.TextColumn("Jurisdiction"),
            "leads": st.column_config.NumberColumn("Leads", help="Arrivals elsewhere of products it authorised first."),
            "follows": st.column_config.NumberColumn("Follows", help="Products it authorised after a first approval "
                                                     "elsewhere.")})
