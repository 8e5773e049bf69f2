"""cgt-graph explorer (Streamlit): search products, open one to see its authorisations and
every fact's source, compare jurisdictions, read pathways and classes, browse the graph,
write SPARQL, download.

Thin: the pages live in cgt_graph/explorer/pages/, their data come from the library (named queries).
Data labels are shown as text only (dataframes, escaped markdown), never as HTML.
"""

from __future__ import annotations

import importlib

import streamlit as st

from cgt_graph.explorer.pages import common

st.set_page_config(page_title="cgt-graph explorer", layout="wide")

# page -> module in cgt_graph.explorer.pages, imported when first shown (the first paint needs only Search)
MODULES = {"Search": "search", "Product": "product", "Compare jurisdictions": "compare",
           "Pathways and classes": "pathways", "Network": "network", "Graph": "graph", "SPARQL": "sparql",
           "Downloads": "downloads", "What changed": "changes"}

common.store()  # open (or build) once, before the first page needs it
common.from_url()  # the address names the view: ?page=Product&product=tisagenlecleucel (links, Back, Forward)
with st.sidebar:
    st.title("cgt-graph")
    st.caption("The cell and gene therapy regulatory landscape: every authorisation with its sources. "
               "Offline, on the embedded store.")
    page = st.radio("Page", common.PAGES, key="page")
    common.as_of_line()
st.header(page)
importlib.import_module(f"cgt_graph.explorer.pages.{MODULES[page]}").render()
common.to_url(page)
