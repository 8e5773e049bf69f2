"""Network: who follows whom between regulators, first movers, lags (network.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cgt_graph.analysis import network
from cgt_graph.explorer.pages import common


@st.cache_data(show_spinner=False)
def tables() -> dict[str, pd.DataFrame]:
    auths = network.load(common.store())
    follow = network.follow_network(auths)
    return {"follow": pd.DataFrame(network.follow_edges(follow)),
            "first": pd.DataFrame(network.first_movers(auths)),
            "lags": pd.DataFrame(network.lag_distribution(auths)),
            "centrality": pd.DataFrame(network.centrality(follow))}


def render() -> None:
    t = tables()
    st.subheader("Who follows whom")
    st.write("An edge A → B counts the products first authorised in A and later in B, with the lag in days "
             "(dates known only to the month or year are counted from the first day of that period).")
    st.dataframe(t["follow"], hide_index=True, width="stretch", key="follow")
    st.subheader("Median lag to each later jurisdiction (days)")
    st.bar_chart(t["lags"].set_index("jurisdiction")["median"])
    st.dataframe(t["lags"], hide_index=True, width="stretch", key="network_lags")
    left, right = st.columns(2)
    with left:
        st.subheader("First to authorise")
        st.dataframe(t["first"].drop(columns=["group"]), hide_index=True, width="stretch", key="first_movers")
    with right:
        st.subheader("Regulators in the follow network")
        st.dataframe(t["centrality"], hide_index=True, width="stretch", key="centrality")
