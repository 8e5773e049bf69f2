"""Pathways and classifications: definitions, use over time, products; the crosswalk, by name."""

from __future__ import annotations

import altair as alt
import streamlit as st

from cgt_graph.explorer import data as explore
from cgt_graph.explorer.pages import common

USE = {"decision": "used for a decision", "designation": "designation granted"}


def render() -> None:
    names = common.names()
    hits = {h.product_id: h.label for h in common.products()}
    pws = common.cached("pathways")
    by_id = {p["pathway_id"]: p for p in pws}
    j = lambda code: explore.jurisdiction_label(names, code)  # noqa: E731
    st.markdown("#### Expedited pathways and designations")
    uses: dict[str, int] = {}
    for u in common.cached("pathway_use"):
        uses[u["pathway"]] = uses.get(u["pathway"], 0) + int(u["count"])
    ids = sorted(by_id, key=lambda p: (-uses.get(p, 0), p))  # the most used first
    if st.session_state.get("pathway_pick") not in by_id:
        st.session_state.pop("pathway_pick", None)
    pid = st.selectbox("Pathway (most used first)", ids, key="pathway_pick",
                       format_func=lambda p: f"{by_id[p]['name']} ({j(by_id[p]['jurisdiction'])})")
    p = by_id[pid]
    st.markdown(f"##### {common.md(p['name'])}")
    common.say(f"{j(p['jurisdiction'])} · {p['agency']} · kind: {p['kind']} · introduced {p['introduced'] or '?'}"
               + (f" · ended {p['ended']}" if p["ended"] else ""))
    common.say(f"What it grants: {p['grants']}")
    common.say(f"Legal basis: {p['legal_basis']}")
    if p["close_match"]:
        common.say("Close equivalents: " + ", ".join(f"{by_id[c]['name']} ({j(by_id[c]['jurisdiction'])})"
                                                     if c in by_id else c for c in p["close_match"].split(";")))
    st.dataframe(common.frame([{"source": u} for u in p["sources"].split(";") if u]), hide_index=True,
                 column_config={"source": st.column_config.LinkColumn("Sources")}, key="pathway_sources")
    use = [dict(u, use=USE.get(u["use"], u["use"])) for u in common.cached("pathway_use") if u["pathway"] == pid]
    left, right = st.columns(2)
    with left:
        st.markdown("##### Use over time")
        if use:
            df = common.frame(use)
            df["count"] = df["count"].astype(int)
            st.altair_chart(alt.Chart(df).mark_bar().encode(
                x=alt.X("year:O"), y=alt.Y("count:Q", axis=alt.Axis(tickMinStep=1), title="products"),
                color=alt.Color("use:N", title="counted as"),
                tooltip=["year", "use", "count", "agency"]), width="stretch")
        else:
            st.info("No recorded use of this pathway.")
    with right:
        st.markdown("##### Authorisations that used it")
        used = explore.rows_using_pathway(common.search_rows(), pid)
        st.dataframe(common.frame(used, ["product", "jurisdiction", "date", "status"]), hide_index=True,
                     width="stretch", key="pathway_products",
                     column_config={"product": st.column_config.TextColumn("Product", pinned=True),
                                    "date": st.column_config.TextColumn("Decision date")})
    with st.expander("All pathways", expanded=False):
        st.dataframe(common.frame([{**x, "jurisdiction": j(x["jurisdiction"])} for x in pws],
                                  ["name", "jurisdiction", "agency", "kind", "introduced", "ended", "grants",
                                   "legal_basis", "pathway_id"]),
                     hide_index=True, width="stretch", key="pathways_all", row_height=60,
                     column_config={"name": st.column_config.TextColumn("Pathway", pinned=True),
                                    "grants": st.column_config.TextColumn("What it grants", width="large"),
                                    "legal_basis": st.column_config.TextColumn("Legal basis", width="large"),
                                    "pathway_id": st.column_config.TextColumn("Code")})

    st.markdown("#### Classification crosswalk (EU ATMP · China 2025 draft · Japan · US · Korea)")
    st.caption("Each product's class in each jurisdiction's own scheme; empty: not authorised there (or no "
               "scheme recorded). Hover a column header for the scheme.")
    cross = common.cached("crosswalk")
    schemes = [k for k in (cross[0] if cross else {}) if k != "product_id"]
    rows = [{"product": hits.get(r["product_id"], r["product_id"]),
             **{j(s): names.klass.get(r[s], r[s]) if r[s] else "" for s in schemes}} for r in cross]
    st.dataframe(common.frame(rows), hide_index=True, width="stretch", key="crosswalk", height=520,
                 column_config={"product": st.column_config.TextColumn("Product", pinned=True),
                                **{j(s): st.column_config.TextColumn(j(s), width="medium") for s in schemes}})
    st.markdown("##### The classes and how they match across schemes")
    cls = [{**c, "jurisdiction": j(c["jurisdiction"]),
            "close_match": "; ".join(names.klass.get(x, x) for x in c["close_match"].split(";") if x),
            "exact_match": "; ".join(names.klass.get(x, x) for x in c["exact_match"].split(";") if x),
            "broader": names.klass.get(c["broader"], c["broader"])} for c in common.cached("classes")]
    st.dataframe(common.frame(cls, ["label", "jurisdiction", "definition", "broader", "close_match", "exact_match",
                                    "scheme", "class_id"]),
                 hide_index=True, width="stretch", key="classes", row_height=80,
                 column_config={"label": st.column_config.TextColumn("Class", pinned=True),
                                "definition": st.column_config.TextColumn("Definition", width="large"),
                                "broader": st.column_config.TextColumn("Broader class"),
                                "close_match": st.column_config.TextColumn("Close match in other schemes"),
                                "exact_match": st.column_config.TextColumn("Exact match in other schemes"),
                                "scheme": st.column_config.TextColumn("Scheme", width="medium"),
                                "class_id": st.column_config.TextColumn("Code")})
