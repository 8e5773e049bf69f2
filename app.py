"""cgt-graph explorer (Streamlit): search a product, see its authorisations and their sources.

Thin over the library: every read is a named query in cgt_graph/queries/.
Data labels are shown as text only (st.dataframe / st.text), never as HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cgt_graph import explore, paths
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


st.title("cgt-graph explorer")
st.caption("The cell and gene therapy regulatory landscape: every authorisation with its sources.")

hits = all_products()
text = st.text_input("Search products", placeholder="brand, nonproprietary name, modality, holder, jurisdiction (e.g. CAR-T, Kymriah, EU)")
found = explore.search(hits, text)
table = pd.DataFrame([h.__dict__ for h in found]).rename(columns=str)
st.write(f"{len(found)} of {len(hits)} products")
st.dataframe(table, hide_index=True, use_container_width=True)

if found:
    labels = {h.product_id: h.label for h in found}
    chosen = st.selectbox("Product", list(labels), format_func=lambda pid: labels[pid], key="product")
    rows = explore.product_authorisations(open_store(), chosen)
    st.subheader("Authorisations and sources")
    if rows:
        frame = pd.DataFrame(rows)
        st.dataframe(frame, hide_index=True, use_container_width=True,
                     column_config={"url": st.column_config.LinkColumn("source")})
        st.download_button("Download CSV", frame.to_csv(index=False).encode("utf-8"),
                           file_name=f"{chosen}-authorisations.csv", mime="text/csv")
    else:
        st.info("No authorisation recorded for this product.")
