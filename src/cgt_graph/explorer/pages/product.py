"""Product page: the regulator's own records first (identifiers and links), the authorisations
side by side, a timeline that draws a date known to the month or year as that span, the full
history, every fact with its source, and the product's neighbourhood as a graph."""

from __future__ import annotations

import datetime as dt

import altair as alt
import streamlit as st

from cgt_graph.explorer import data as explore
from cgt_graph.explorer import graphview
from cgt_graph.explorer.pages import common, graph as graph_page

FACT_COLUMNS = ["fact", "jurisdiction", "source_title", "url", "evidence", "confidence", "quote", "publisher", "record"]
FACT_HELP = {"fact": "What the source supports: the product itself, an authorisation, a class, a designation.",
             "evidence": "official: the regulator's own page or register; secondary: a database or review copying "
                         "it; news: press; peer-reviewed: a journal article.",
             "confidence": "How directly the quote states the fact (high, medium, low).",
             "record": "The record in the data files (its id)."}


HISTORY_COLUMNS = {
    "date": st.column_config.TextColumn("Date", pinned=True, help="As precise as the source: a day, or “month only” "
                                        "/ “year only” when the source gives no more."),
    "jurisdiction": st.column_config.TextColumn("Jurisdiction"),
    "kind": st.column_config.TextColumn("Entry", help="decision: a marketing authorisation; designation: e.g. "
                                        "orphan, PRIME, RMAT; milestone: a step of the procedure (submission, "
                                        "validation, advisory committee, opinion...); indication: a dated decision "
                                        "on the indication (initial, extension, line of therapy, restriction, "
                                        "removal); negative outcome: a refusal, negative opinion, complete response "
                                        "letter or withdrawn application; status event: what happened after "
                                        "approval (conversion, renewal, withdrawal...)."),
    "event": st.column_config.TextColumn("What"),
    "detail": st.column_config.TextColumn("Detail", width="large", help="The brand and deciding body, the "
                                          "indication, a committee's vote or a reason, as the source gives it."),
    "source": st.column_config.LinkColumn("Source", display_text=r"https?://(?:www\.)?([^/]+)",
                                          help="The first source the record cites."),
    "more": st.column_config.NumberColumn("More sources", help="Further sources of the same record (all are "
                                          "listed in “All sources”)."),
    "sources": st.column_config.TextColumn("All sources", help="Every source URL of the record, “;” between them."),
}


def render() -> None:
    hits = {h.product_id: h for h in common.products()}
    ids = sorted(hits, key=lambda p: hits[p].label.casefold())
    current = st.session_state.get("product") or ("tisagenlecleucel" if "tisagenlecleucel" in hits else ids[0])
    if current not in hits:
        st.warning(common.md(f"No product “{current}” in the graph; showing the first one."))
        current = ids[0]
    st.session_state["product_pick"] = current

    def _picked() -> None:
        st.session_state["product"] = st.session_state["product_pick"]

    st.selectbox("Product", ids, format_func=lambda p: hits[p].label, key="product_pick", on_change=_picked)
    pid = current
    st.session_state["product"] = pid
    h = hits[pid]
    rows = common.search_rows()
    names = common.names()
    decisions = explore.product_decisions(rows, pid)
    facts = common.cached("product_facts", pid)
    ident = common.identifiers()

    st.subheader(common.md(h.label))
    left, right = st.columns(2)
    with left:
        common.say(f"Nonproprietary name: {h.nonproprietary_name}")
        brands = "; ".join(explore.with_latin(b, h.nonproprietary_name) for b in h.brand_names.split("; ") if b)
        common.say(f"Brand names: {brands or '—'}")
        common.say(f"Modality: {h.modalities or '—'}")
    with right:
        common.say(f"Developer: {h.developer or '—'}")
        common.say(f"Holders: {h.holders.replace(';', '; ') or '—'}")
        places = ", ".join(explore.jurisdiction_label(names, j) for j in sorted(set(h.jurisdictions.split(";"))) if j)
        common.say(f"Authorised in: {places or 'no jurisdiction recorded'}")

    st.markdown("#### The regulators' own records")
    if decisions:
        links = explore.official_links(decisions, facts, ident, names)
        st.dataframe(common.frame(links, ["jurisdiction", "identifiers", "page", "title", "publisher", "more"]),
                     hide_index=True, width="stretch", key="official",
                     column_config={
                         "jurisdiction": st.column_config.TextColumn("Jurisdiction", pinned=True),
                         "identifiers": st.column_config.TextColumn("Identifiers", width="large",
                                                                    help="Numbers the regulator "
                                                                    "issued (EU product number, BLA/STN, approval "
                                                                    "number, DIN, ARTG ID) as the data record them."),
                         "page": st.column_config.LinkColumn("Regulator's page",
                                                             display_text=r"https?://(?:www\.)?([^/]+)"),
                         "title": st.column_config.TextColumn("Title", width="medium"),
                         "publisher": st.column_config.TextColumn("Publisher"),
                         "more": st.column_config.NumberColumn("More official pages", help="Listed under Sources."),
                     })
    else:
        st.info("No authorisation recorded for this product.")

    st.markdown("#### Authorisations side by side")
    if decisions:
        table = explore.side_by_side(decisions, ident)
        # a static table: long text wraps and every column shows (text only, never HTML)
        st.table(common.frame(table).set_index(""))
        st.caption("Status as of the cited source; “Verified”: the day a curator last checked the record against "
                   "its sources (not recorded yet on most records).")

    history = common.cached("product_timeline", pid)
    st.markdown("#### Timeline")
    st.caption("Decisions, designations, procedure milestones (submission, validation, advisory committee, "
               "opinion...), indication decisions, negative outcomes and status events, each from its source.")
    dated = []
    for r in history:
        sp = explore.span(r["date"])
        if sp:
            dated.append({**r, "jurisdiction": explore.jurisdiction_label(names, r["jurisdiction"]),
                          "start": str(sp[0]), "end": str(sp[1] + dt.timedelta(days=1)),
                          "known to": explore.precision(r["date"])})
    if dated:
        df = common.frame(dated)
        kinds = [k for k in explore.TIMELINE_KINDS if any(d["kind"] == k for d in dated)]
        enc = dict(y=alt.Y("jurisdiction:N", title=None, sort=sorted({d["jurisdiction"] for d in dated})),
                   color=alt.Color("kind:N", title="entry", scale=alt.Scale(scheme="set1"), sort=kinds,
                                   legend=alt.Legend(orient="bottom")),
                   tooltip=["date", "known to", "jurisdiction", "kind", "event", "detail", "sources"])
        exact = alt.Chart(df[df["known to"] == "day"]).mark_point(filled=True, size=110).encode(
            x=alt.X("start:T", title="date (a bar: the month or year the source gives; a dot: the day)"),
            shape=alt.Shape("kind:N", legend=None, sort=kinds), **enc)
        spans = alt.Chart(df[df["known to"] != "day"]).mark_bar(height=10, opacity=0.55).encode(
            x="start:T", x2="end:T", **enc)
        st.altair_chart((spans + exact).properties(height=max(120, 40 * len({d["jurisdiction"] for d in dated}))),
                        width="stretch")
    undated = [r for r in history if not r["date"]]
    if undated:
        st.caption(f"{len(undated)} undated entry(ies) (e.g. a designation whose date no source gives) are listed "
                   "below but not on the timeline.")
    st.dataframe(common.frame([{**r, "date": explore.shown_date(r["date"]),
                                "jurisdiction": explore.jurisdiction_label(names, r["jurisdiction"]),
                                "source": r["sources"].split(";")[0],
                                "more": max(0, len([u for u in r["sources"].split(";") if u]) - 1)}
                               for r in history],
                              ["date", "jurisdiction", "kind", "event", "detail", "source", "more", "sources"]),
                 hide_index=True, width="stretch", key="history", column_config=HISTORY_COLUMNS)

    st.markdown("#### Sources: every fact and where it comes from")
    shown = [{**f, "jurisdiction": explore.jurisdiction_label(names, f["jurisdiction"])} for f in facts]
    shown.sort(key=lambda f: (f["evidence"] not in explore.OFFICIAL, f["fact"], f["jurisdiction"]))
    st.dataframe(common.frame(shown, FACT_COLUMNS), hide_index=True, width="stretch", key="facts",
                 row_height=60, height=min(36 + 60 * len(shown), 620),
                 column_config={"fact": st.column_config.TextColumn("Fact", help=FACT_HELP["fact"], pinned=True),
                                "jurisdiction": st.column_config.TextColumn("Jurisdiction"),
                                "source_title": st.column_config.TextColumn("Source", width="medium"),
                                "url": st.column_config.LinkColumn("Link", display_text=r"https?://(?:www\.)?([^/]+)"),
                                "evidence": st.column_config.TextColumn("Evidence", help=FACT_HELP["evidence"]),
                                "confidence": st.column_config.TextColumn("Confidence", help=FACT_HELP["confidence"]),
                                "quote": st.column_config.TextColumn("Quote", width="large"),
                                "publisher": st.column_config.TextColumn("Publisher"),
                                "record": st.column_config.TextColumn("Record", help=FACT_HELP["record"])})
    sources: dict[str, dict[str, str]] = {}
    for f in facts:
        sources.setdefault(f["url"], f)
    with st.expander(f"Source links ({len(sources)})", expanded=False):
        for url, f in sorted(sources.items(), key=lambda kv: (kv[1]["evidence"] not in explore.OFFICIAL,
                                                              kv[1]["publisher"])):
            st.markdown(f"- {common.link(f['source_title'], url)} — {common.md(f['publisher'])} · "
                        f"{common.md(f['evidence'])}")
    st.download_button("Download these sources (CSV)", explore.to_csv(facts, FACT_COLUMNS),
                       file_name=f"{pid}-sources.csv", mime="text/csv", key="download_facts")

    st.markdown("#### Neighbourhood")
    st.caption("The product, its authorisations and designations, and what they link to (agencies, pathways, "
               "classes, jurisdictions). Open the Graph page to expand further.")
    g = common.product_graph(pid)
    nodes = graphview.product_neighbourhood(g, pid)
    graph_page.legend([t for t in graphview.COLOURS if any(g.nodes[n]["type"] == t for n in nodes)])
    graph_page.draw(g, nodes, selected=graphview.product_node(pid), key=f"neighbourhood-{pid}", height=480)
