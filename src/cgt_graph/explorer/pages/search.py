"""Search: free text and facets over the authorisations; a sortable table; CSV."""

from __future__ import annotations

import streamlit as st

from cgt_graph.explorer import data as explore
from cgt_graph.explorer.pages import common

COLUMNS = ["product", "jurisdiction", "decision_date", "status", "modality", "pathways", "class", "holder",
           "agency", "indication", "product_id"]


def render() -> None:
    rows = common.search_rows()
    q0, facets0 = common.search_state()
    if "q" not in st.session_state:  # back from another page: restore the saved search
        st.session_state["q"] = q0
        for f, values in facets0.items():
            st.session_state[f"facet_{f}"] = list(values)
    q = st.text_input("Search", key="q",
                      placeholder="brand, nonproprietary name, holder, modality, pathway, class, jurisdiction "
                                  "(e.g. CAR-T, Kymriah, Novartis, RMAT, EU)")
    st.caption("Every word must start a word somewhere in the row (\"eu\" finds EU, not leukaemia). Narrow "
               "further with the facets: open one to see how many rows each value would give.")
    chosen = {f: list(st.session_state.get(f"facet_{f}", [])) for f in explore.FACETS}
    counts = explore.facet_counts(rows, q, chosen)
    cols = st.columns(len(explore.FACETS))
    for col, facet in zip(cols, explore.FACETS, strict=True):
        options = [v for v, _ in counts[facet]]
        n = dict(counts[facet])
        with col:
            chosen[facet] = st.multiselect(facet, options, key=f"facet_{facet}",
                                           format_func=lambda v, n=n: f"{v} ({n.get(v, 0)})")  # type: ignore[misc]  # mypy cannot infer a lambda with a default
    st.session_state["search_state"] = {"q": q, "facets": chosen}
    found = explore.filter_rows(rows, q, chosen)
    n_products = len({r["product_id"] for r in found})
    st.markdown(f"**{len(found)} authorisations of {n_products} products** "
                f"(of {len(rows)} rows, {len({r['product_id'] for r in rows})} products)")
    st.dataframe(common.frame(found, COLUMNS), hide_index=True, width="stretch", key="results")
    st.download_button("Download these rows (CSV)", explore.to_csv(found, COLUMNS + ["sources", "confidence"]),
                       file_name="cgt-graph-search.csv", mime="text/csv", key="download_search")
    if found:
        labels = {r["product_id"]: r["product"] for r in found}
        left, right = st.columns([3, 1])
        with left:
            pid = st.selectbox("Open a product from these results", list(labels), format_func=labels.__getitem__,
                               key="search_pick")
        with right:
            st.write("")
            st.button("Open product page", on_click=common.open_product, args=(pid,), key="open_product",
                      type="primary")
