"""Product page: authorisations on a timeline, classes and pathways side by side, every
fact with its source, and the product's neighbourhood as a graph."""

from __future__ import annotations

import altair as alt
import streamlit as st

from cgt_graph.explorer import data as explore
from cgt_graph.explorer import graphview
from cgt_graph.explorer.pages import common, graph as graph_page

DECISION_COLUMNS = ["jurisdiction", "decision_date", "agency", "brand_name", "status", "classification", "pathways",
                    "holder", "indication"]
FACT_COLUMNS = ["fact", "record", "jurisdiction", "url", "evidence", "confidence", "source_title", "publisher", "quote"]


def render() -> None:
    hits = {h.product_id: h for h in common.products()}
    ids = list(hits)
    current = st.session_state.get("product") or ("tisagenlecleucel" if "tisagenlecleucel" in hits else ids[0])
    pid = st.selectbox("Product", ids, index=ids.index(current) if current in hits else 0,
                       format_func=lambda p: hits[p].label, key="product_pick")
    st.session_state["product"] = pid
    h = hits[pid]
    st.subheader(common.md(h.label))
    left, right = st.columns(2)
    with left:
        common.say(f"Nonproprietary name: {h.nonproprietary_name}")
        common.say(f"Brand names: {h.brand_names or '—'}")
        common.say(f"Modality: {h.modalities or '—'}")
    with right:
        common.say(f"Developer: {h.developer or '—'}")
        common.say(f"Holders: {h.holders.replace(';', '; ') or '—'}")
        common.say(f"Authorised in: {h.jurisdictions.replace(';', ', ') or 'no jurisdiction recorded'}")

    history = common.cached("product_history", pid)
    st.markdown("#### Timeline")
    dated = [dict(r, day=str(explore.first_day(r["date"]))) for r in history if r["date"]]
    if dated:
        chart = alt.Chart(common.frame(dated)).mark_point(filled=True, size=120).encode(
            x=alt.X("day:T", title="date (month/year-only dates at the period's first day)"),
            y=alt.Y("jurisdiction:N", title=None),
            color=alt.Color("event:N", title="event", scale=alt.Scale(scheme="set1")),
            shape=alt.Shape("event:N"),
            tooltip=["date", "jurisdiction", "event", "detail"],
        ).properties(height=max(120, 40 * len({r['jurisdiction'] for r in dated})))
        st.altair_chart(chart, width="stretch")
    undated = [r for r in history if not r["date"]]
    if undated:
        st.caption(f"{len(undated)} undated event(s) (e.g. a designation whose date no source gives) are listed "
                   "in the history below but not on the timeline.")

    decisions = common.cached("product_decisions", pid)
    st.markdown("#### Authorisations side by side")
    if decisions:
        st.dataframe(common.frame(decisions, DECISION_COLUMNS), hide_index=True, width="stretch", key="decisions")
    else:
        st.info("No authorisation recorded for this product.")
    with st.expander("Full history (authorisations, designations, status events)", expanded=False):
        st.dataframe(common.frame(history), hide_index=True, width="stretch", key="history")

    facts = common.cached("product_facts", pid)
    st.markdown("#### Sources: every fact and where it comes from")
    st.dataframe(common.frame(facts, FACT_COLUMNS), hide_index=True, width="stretch", key="facts",
                 column_config={"url": st.column_config.LinkColumn("source link"),
                                "quote": st.column_config.TextColumn("quote", width="large")})
    sources: dict[str, dict[str, str]] = {}
    for f in facts:
        sources.setdefault(f["url"], f)
    with st.expander(f"Source links ({len(sources)})", expanded=False):
        for url, f in sorted(sources.items(), key=lambda kv: (kv[1]["evidence"] != "official", kv[1]["publisher"])):
            st.markdown(f"- {common.link(f['source_title'], url)} — {common.md(f['publisher'])} · "
                        f"{common.md(f['evidence'])}")
    st.download_button("Download these sources (CSV)", explore.to_csv(facts, FACT_COLUMNS),
                       file_name=f"{pid}-sources.csv", mime="text/csv", key="download_facts")

    st.markdown("#### Neighbourhood")
    st.caption("The product, its authorisations and designations, and what they link to (agencies, pathways, "
               "classes, jurisdictions). Open the Graph page to expand further.")
    g = common.graph()
    nodes = graphview.product_neighbourhood(g, pid)
    graph_page.draw(g, nodes, selected=graphview.product_node(pid), key=f"neighbourhood-{pid}", height=480)
