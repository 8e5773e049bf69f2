"""cgt-graph explorer (Streamlit): search a product, see its authorisations and their sources.

Thin over the library: every read is a named query in cgt_graph/queries/.
Data labels are shown as text only (st.dataframe / st.text), never as HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cgt_graph import explore, network, paths
from cgt_graph import store as storemod

st.set_page_config(page_title="cgt-graph explorer", layout="wide")


@st.cache_resource(show_spinner=False)
def open_store():
    location = paths.store_dir()
    if not storemod.exists(location):
        from cgt_graph.build import build
        with st.spinner("Building the graph from data/ (first run)…"):
            build(location)
    return storemod.open_snapshot(location)


@st.cache_data(show_spinner=False)
def all_products() -> list[explore.ProductHit]:
    return explore.products(open_store())


@st.cache_data(show_spinner=False)
def network_tables() -> dict[str, pd.DataFrame]:
    auths = network.load(open_store())
    follow = network.follow_network(auths)
    return {"follow": pd.DataFrame(network.follow_edges(follow)),
            "first": pd.DataFrame(network.first_movers(auths)),
            "lags": pd.DataFrame(network.lag_distribution(auths)),
            "centrality": pd.DataFrame(network.centrality(follow))}


st.title("cgt-graph explorer")
st.caption("The cell and gene therapy regulatory landscape: every authorisation with its sources.")
products_tab, network_tab = st.tabs(["Products", "Network"])

with network_tab:
    tables = network_tables()
    st.subheader("Who follows whom")
    st.write("An edge A → B counts the products first authorised in A and later in B, with the lag in days "
             "(dates known only to the month or year are counted from the first day of that period).")
    st.dataframe(tables["follow"], hide_index=True, width="stretch")
    st.subheader("Median lag to each later jurisdiction (days)")
    st.bar_chart(tables["lags"].set_index("jurisdiction")["median"])
    st.dataframe(tables["lags"], hide_index=True, width="stretch")
    left, right = st.columns(2)
    with left:
        st.subheader("First to authorise")
        st.dataframe(tables["first"].drop(columns=["group"]), hide_index=True, width="stretch")
    with right:
        st.subheader("Regulators in the follow network")
        st.dataframe(tables["centrality"], hide_index=True, width="stretch")

with products_tab:
    hits = all_products()
    text = st.text_input("Search products", placeholder="brand, nonproprietary name, modality, holder, jurisdiction (e.g. CAR-T, Kymriah, EU)")
    found = explore.search(hits, text)
    table = pd.DataFrame([h.__dict__ for h in found]).rename(columns=str)
    st.write(f"{len(found)} of {len(hits)} products")
    st.dataframe(table, hide_index=True, width="stretch")

    if found:
        labels = {h.product_id: h.label for h in found}
        chosen = st.selectbox("Product", list(labels), format_func=lambda pid: labels[pid], key="product")
        rows = explore.product_authorisations(open_store(), chosen)
        st.subheader("Authorisations and sources")
        if rows:
            frame = pd.DataFrame(rows)
            st.dataframe(frame, hide_index=True, width="stretch",
                         column_config={"url": st.column_config.LinkColumn("source")})
            st.download_button("Download CSV", frame.to_csv(index=False).encode("utf-8"),
                               file_name=f"{chosen}-authorisations.csv", mime="text/csv")
        else:
            st.info("No authorisation recorded for this product.")
