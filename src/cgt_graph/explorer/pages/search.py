"""Search: free text and facets over the authorisations; a readable table whose rows open
their product; CSV.

Facet values are stable keys (codes) over the whole data set, shown by name (format_func);
the counts sit beside the box, never in its labels: Streamlit 1.67 keeps a chosen option by
its label, and a label that changes between reruns would silently empty the table."""

from __future__ import annotations

import streamlit as st

from cgt_graph.explorer import data as explore
from cgt_graph.explorer.pages import common

COLUMNS = explore.SEARCH_COLUMNS
HELP = {
    "product": "The product: its first brand name and its nonproprietary name (INN where there is one).",
    "brand": "The brand authorised in this jurisdiction; a brand in another script is followed by a Latin name.",
    "jurisdiction": "Where the decision applies.",
    "date": "Decision date as precise as the source gives it; '(month only)' or '(year only)' when less is known.",
    "status": "Status today, as of the cited source.",
    "modality": "The product's modality (the most specific that applies).",
    "agency": "The body that took the decision.",
    "holder": "Marketing authorisation or licence holder at the decision.",
    "pathways": "Expedited pathways and designations used for this decision (or granted before it).",
    "class": "The product's class in the jurisdiction's own classification scheme.",
    "indication": "The initially authorised indication, short.",
    "verified": "The day a curator last checked the record against its sources (empty: not recorded yet).",
    "sources": "The sources of this authorisation (first shown; every one is in the CSV).",
}


def _sync_widgets() -> None:
    """Copy the widgets' values into the saved search (runs before the page, on each change)."""
    common.set_search(st.session_state.get("q", ""),
                      {f: list(st.session_state.get(f"facet_{f}", [])) for f in explore.FACETS})


def clear(facet: str) -> None:
    """Callback: remove one filter ("text" or a facet), or every one ("all")."""
    if facet in ("text", "all"):
        st.session_state["q"] = ""
    for f in explore.FACETS:
        if facet in (f, "all"):
            st.session_state[f"facet_{f}"] = []
    _sync_widgets()


def _open_selected() -> None:
    sel = st.session_state.get("results")
    rows = st.session_state.get("_shown_products") or []
    picked = list(getattr(getattr(sel, "selection", None), "rows", None) or
                  ((sel or {}).get("selection", {}).get("rows", []) if isinstance(sel, dict) else []))
    if picked and picked[0] < len(rows):
        common.open_product(rows[picked[0]])


def render() -> None:
    rows = common.search_rows()
    names = common.names()
    options = common.facet_options()
    q0, facets0 = common.search_state()
    if "q" not in st.session_state:  # back from another page: restore the saved search
        st.session_state["q"] = q0
    for f in explore.FACETS:
        if f"facet_{f}" not in st.session_state:
            st.session_state[f"facet_{f}"] = [v for v in facets0.get(f, []) if v in options[f]]
    q = st.text_input("Search", key="q", on_change=_sync_widgets,
                      placeholder="product, brand (any script), INN or short form (cilta-cel), holder, modality, "
                                  "jurisdiction or agency (China, EMA, 国家药品监督管理局), pathway, class")
    st.caption("Every word must start a word of the row (\"eu\" finds EU, not leukaemia); \"CAR T\", \"CAR-T\" and "
               "\"chimeric antigen receptor\" find the same rows. Best matches first.")
    chosen = {f: [v for v in st.session_state.get(f"facet_{f}", []) if v in options[f]] for f in explore.FACETS}
    counts = explore.facet_counts(rows, q, chosen)
    facets = list(explore.FACETS)
    for line in (facets[:3], facets[3:]):
        for col, facet in zip(st.columns(3), line, strict=False):  # the last line may have fewer
            def label(v: str, facet: str = facet) -> str:
                return explore.facet_label(names, facet, v)
            with col:
                chosen[facet] = st.multiselect(explore.FACET_TITLES[facet], options[facet], key=f"facet_{facet}",
                                               format_func=label, on_change=_sync_widgets,
                                               placeholder="any")
                top = [(v, k) for v, k in counts[facet] if k][:5]
                more = len([1 for _, k in counts[facet] if k]) - len(top)
                st.caption(("Would give: " + " · ".join(f"{label(v)} {k}" for v, k in top)
                            + (f" · {more} more" if more > 0 else "")) if top else "No value gives rows here.")
    common.set_search(q, chosen)
    found = explore.filter_rows(rows, q, chosen)
    n_products = len({r["product_id"] for r in found})
    st.markdown(f"**{len(found)} authorisations of {n_products} products** "
                f"(of {len(rows)} rows, {len({r['product_id'] for r in rows})} products)")
    if not found:
        culprits = explore.why_empty(rows, q, chosen)
        what = {"text": f"the search text “{q}”", **{f: f"the {explore.FACET_TITLES[f].lower()} filter ("
                + ", ".join(explore.facet_label(names, f, v) for v in chosen[f]) + ")" for f in chosen if chosen[f]}}
        if culprits:
            st.warning(common.md("No rows. Removing " + " or ".join(what[c] for c in culprits) + " gives rows again."))
            for c in culprits:
                st.button(f"Clear {'the search text' if c == 'text' else explore.FACET_TITLES[c].lower()}",
                          key=f"clear_{c}", on_click=clear, args=(c,))
        else:
            st.warning(common.md("No rows: " + "; ".join(what.values()) + " together match nothing."))
        st.button("Clear every filter", key="clear_all", on_click=clear, args=("all",))
        return
    shown = found[:2000]
    st.session_state["_shown_products"] = [r["product_id"] for r in shown]
    df = common.frame(shown, COLUMNS)
    df["sources"] = df["sources"].str.split(";").str[0]
    st.caption("Click a row's box on the left to open its product.")
    st.dataframe(df, hide_index=True, width="stretch", key="results", on_select=_open_selected,
                 selection_mode="single-row", height=min(36 + 35 * len(shown), 640),
                 column_config={
                     "product": st.column_config.TextColumn("Product", pinned=True, width="large", help=HELP["product"]),
                     "brand": st.column_config.TextColumn("Brand", width="medium", help=HELP["brand"]),
                     "jurisdiction": st.column_config.TextColumn("Jurisdiction", help=HELP["jurisdiction"]),
                     "date": st.column_config.TextColumn("Decision date", help=HELP["date"]),
                     "status": st.column_config.TextColumn("Status", help=HELP["status"]),
                     "modality": st.column_config.TextColumn("Modality", help=HELP["modality"]),
                     "agency": st.column_config.TextColumn("Decided by", width="small", help=HELP["agency"]),
                     "holder": st.column_config.TextColumn("Holder", help=HELP["holder"]),
                     "pathways": st.column_config.TextColumn("Pathways and designations", help=HELP["pathways"]),
                     "class": st.column_config.TextColumn("Regulatory class", help=HELP["class"]),
                     "indication": st.column_config.TextColumn("Indication", width="large", help=HELP["indication"]),
                     "verified": st.column_config.TextColumn("Verified", width="small", help=HELP["verified"]),
                     "sources": st.column_config.LinkColumn("Source", help=HELP["sources"],
                                                            display_text=r"https?://(?:www\.)?([^/]+)"),
                 })
    # made when clicked (0.3 s for 20,000 rows at 100x: not on every rerun), with no rerun after it
    st.download_button("Download these rows (CSV)", lambda: explore.to_csv(found, explore.CSV_COLUMNS),
                       file_name="cgt-graph-search.csv", mime="text/csv", key="download_search", on_click="ignore",
                       help="Every column with the codes beside the names, all source URLs and the citation confidence.")
    labels = {r["product_id"]: r["product"] for r in found}
    left, right = st.columns([3, 1])
    with left:
        pid = st.selectbox("Open a product from these results", list(labels), format_func=labels.__getitem__,
                           key="search_pick")
    with right:
        st.write("")
        st.button("Open product page", on_click=common.open_product, args=(pid,), key="open_product",
                  type="primary")
