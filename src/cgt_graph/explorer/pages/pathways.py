"""Pathways and classifications: definitions, use over time, products; the crosswalk."""

from __future__ import annotations

import altair as alt
import streamlit as st

from cgt_graph.explorer import data as explore
from cgt_graph.explorer.pages import common


def render() -> None:
    pws = common.cached("pathways")
    by_id = {p["pathway_id"]: p for p in pws}
    st.markdown("#### Expedited pathways and designations")
    uses: dict[str, int] = {}
    for u in common.cached("pathway_use"):
        uses[u["pathway"]] = uses.get(u["pathway"], 0) + int(u["count"])
    ids = sorted(by_id, key=lambda p: (-uses.get(p, 0), p))  # the most used first
    pid = st.selectbox("Pathway (most used first)", ids, format_func=lambda p: f"{by_id[p]['jurisdiction']}: {by_id[p]['name']}",
                       key="pathway_pick")
    p = by_id[pid]
    st.markdown(f"##### {common.md(p['name'])}")
    common.say(f"{p['jurisdiction']} · {p['agency']} · kind: {p['kind']} · introduced {p['introduced'] or '?'}"
               + (f" · ended {p['ended']}" if p["ended"] else ""))
    common.say(f"What it grants: {p['grants']}")
    common.say(f"Legal basis: {p['legal_basis']}")
    if p["close_match"]:
        common.say(f"Close equivalents: {p['close_match'].replace(';', ', ')}")
    st.dataframe(common.frame([{"source": u} for u in p["sources"].split(";") if u]), hide_index=True,
                 column_config={"source": st.column_config.LinkColumn("sources")}, key="pathway_sources")
    use = [u for u in common.cached("pathway_use") if u["pathway"] == pid]
    left, right = st.columns(2)
    with left:
        st.markdown("##### Use over time")
        if use:
            df = common.frame(use)
            df["count"] = df["count"].astype(int)
            st.altair_chart(alt.Chart(df).mark_bar().encode(
                x=alt.X("year:O"), y=alt.Y("count:Q", axis=alt.Axis(tickMinStep=1)), color=alt.Color("use:N", title="counted as"),
                tooltip=["year", "use", "count", "agency"]), width="stretch")
        else:
            st.info("No recorded use of this pathway.")
    with right:
        st.markdown("##### Authorisations that used it")
        used = explore.rows_using_pathway(common.search_rows(), pid)
        st.dataframe(common.frame(used, ["product", "jurisdiction", "decision_date", "status"]), hide_index=True,
                     width="stretch", key="pathway_products")
    with st.expander("All pathways", expanded=False):
        st.dataframe(common.frame(pws), hide_index=True, width="stretch", key="pathways_all")

    st.markdown("#### Classification crosswalk (EU ATMP · China 2025 draft · Japan · US · Korea)")
    st.caption("Each product's class in each jurisdiction's scheme; empty: not authorised there.")
    st.dataframe(common.frame(common.cached("crosswalk")), hide_index=True, width="stretch", key="crosswalk")
    st.markdown("##### The classes and how they match across schemes")
    st.dataframe(common.frame(common.cached("classes")), hide_index=True, width="stretch", key="classes")
