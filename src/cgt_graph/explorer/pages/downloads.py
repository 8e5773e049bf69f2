"""Downloads: the whole graph and the current search selection, as Turtle and CSV. Files are
made when their button is clicked (callables), so the page opens at once."""

from __future__ import annotations

import streamlit as st

from cgt_graph.explorer import data as explore
from cgt_graph.explorer.pages import common


def render() -> None:
    names = common.names()
    st.markdown("#### The whole graph")
    c1, c2 = st.columns(2)
    with c1:
        st.download_button("Whole graph (Turtle)", common.whole_turtle, file_name="cgt-graph.ttl",
                           mime="text/turtle", key="dl_all_ttl")
        st.caption("Every data file's triples merged into one graph (the ontology is separate: `cgt-graph export "
                   "--ontology`).")
    with c2:
        st.download_button("All authorisations (CSV)", common.whole_csv, file_name="cgt-graph-authorisations.csv",
                           mime="text/csv", key="dl_all_csv")
        st.caption("One row per authorisation with its source URLs: the same table as `cgt-graph export --format csv`.")
    st.markdown("#### The current selection (from the Search page)")
    q, facets = common.search_state()
    chosen = "; ".join(f"{explore.FACET_TITLES[f].lower()}: "
                       + ", ".join(explore.facet_label(names, f, v) for v in vs) for f, vs in facets.items() if vs)
    common.say(f"Search: “{q or '(no text)'}”" + (f"; {chosen}" if chosen else "") + ".")
    rows = common.current_selection()
    products = tuple(sorted({r["product_id"] for r in rows if r["product_id"]}))
    st.markdown(f"**{len(rows)} rows, {len(products)} products.**")
    c3, c4 = st.columns(2)
    with c3:
        st.download_button("Selection (CSV)", explore.to_csv(rows, explore.CSV_COLUMNS),
                           file_name="cgt-graph-selection.csv", mime="text/csv", key="dl_sel_csv",
                           help="Names and the codes beside them, all source URLs, the citation confidence.")
    with c4:
        st.download_button("Selection (Turtle)", lambda: common.selection_turtle(products),
                           file_name="cgt-graph-selection.ttl", mime="text/turtle", key="dl_sel_ttl",
                           help="The selected products with their authorisations, designations, events, citations "
                                "and the sources they cite.")
