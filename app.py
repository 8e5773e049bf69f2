"""cgt-graph explorer (Streamlit): search products, open one to see its authorisations and
every fact's source, compare jurisdictions, read pathways and classes, browse the graph,
write SPARQL, download.

Thin: the pages live in cgt_graph/ui/, their data come from the library (named queries).
Data labels are shown as text only (dataframes, escaped markdown), never as HTML.
"""

from __future__ import annotations

import streamlit as st

from cgt_graph.ui import common, compare, downloads, graph, network, pathways, product, search, sparql

st.set_page_config(page_title="cgt-graph explorer", layout="wide")

RENDER = {"Search": search.render, "Product": product.render, "Compare jurisdictions": compare.render,
          "Pathways and classes": pathways.render, "Network": network.render, "Graph": graph.render, "SPARQL": sparql.render,
          "Downloads": downloads.render}

common.store()  # open (or build) once, before the first page needs it
common.from_url()  # a shared link opens its page: ?page=Product&product=tisagenlecleucel
with st.sidebar:
    st.title("cgt-graph")
    st.caption("The cell and gene therapy regulatory landscape: every authorisation with its sources. "
               "Offline, on the embedded store.")
    page = st.radio("Page", common.PAGES, key="page")
st.header(page)
RENDER[page]()
common.to_url(page)
sparql.prestart()  # after the page is drawn: the SPARQL worker starts while the user reads
