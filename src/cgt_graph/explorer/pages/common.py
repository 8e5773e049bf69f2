"""What every page shares: the store (opened once), cached reads, and text helpers."""

from __future__ import annotations

import io
import re

import pandas as pd
import streamlit as st

from cgt_graph.explorer import data as explore
from cgt_graph import paths
from cgt_graph.graph import store as storemod
from cgt_graph.publish import table as table_export
from cgt_graph.publish import selection as selection_export
from cgt_graph.publish import turtle as turtle_export
from cgt_graph.sparql.library import run_named

PAGES = ["Search", "Product", "Compare jurisdictions", "Pathways and classes", "Network", "Graph", "SPARQL", "Downloads"]
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&])")


def md(text: str) -> str:
    """Escape data for st.markdown: every markdown/HTML character shows as itself."""
    return _MD_SPECIAL.sub(r"\\\1", text or "")


def link(title: str, url: str) -> str:
    """A markdown link to an http(s) URL with escaped text; anything else is shown as text."""
    if not re.match(r"^https?://[^\s]+$", url or ""):
        return md(f"{title} ({url})")
    safe = url.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
    return f"[{md(title)}]({safe})"


def say(text: str) -> None:
    st.markdown(md(text))


@st.cache_resource(show_spinner=False)
def store():
    location = paths.store_dir()
    if not storemod.exists(location):
        from cgt_graph.graph.build import build
        with st.spinner("Building the graph from data/ (first run)…"):
            build(location)
    return storemod.open_snapshot(location)


@st.cache_data(show_spinner=False)
def search_rows() -> list[explore.Row]:
    return explore.search_rows(store())


@st.cache_data(show_spinner=False)
def products() -> list[explore.ProductHit]:
    return explore.products(store())


@st.cache_data(show_spinner=False)
def cached(name: str, *args: str) -> list[explore.Row]:
    """explore.<name>(store, *args), cached for the process."""
    return getattr(explore, name)(store(), *args)


@st.cache_resource(show_spinner=False)
def graph():
    from cgt_graph.explorer import graphview  # networkx: imported when a graph is first drawn

    return graphview.load(store())


@st.cache_data(show_spinner=False)
def whole_turtle() -> bytes:
    buf = io.BytesIO()
    turtle_export.write_graph(store(), buf)
    return buf.getvalue()


@st.cache_data(show_spinner=False)
def whole_csv() -> bytes:
    buf = io.StringIO()
    table_export.write_authorisations_csv(store(), buf)
    return buf.getvalue().encode("utf-8")


@st.cache_data(show_spinner=False)
def selection_turtle(product_ids: tuple[str, ...]) -> bytes:
    nodes: list[str] = []
    for pid in product_ids:
        nodes += [r["node"] or "" for r in run_named(store(), "product-nodes", {"product": pid}).dicts()]
    buf = io.BytesIO()
    selection_export.write_subjects(store(), nodes, buf)
    return buf.getvalue()


def from_url() -> None:
    """On a session's first run, open the page (and product) the link names:
    ?page=Product&product=tisagenlecleucel."""
    if st.session_state.get("url_read"):
        return
    st.session_state["url_read"] = True
    page, product = st.query_params.get("page"), st.query_params.get("product")
    if page in PAGES:
        st.session_state["page"] = page
    if product:
        st.session_state["product"] = product


def to_url(page: str) -> None:
    """Write the current page (and product) into the address bar, so it can be shared."""
    params = {"page": page}
    if page == "Product" and st.session_state.get("product"):
        params["product"] = st.session_state["product"]
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def open_product(product_id: str) -> None:
    """Callback: show a product's page."""
    st.session_state["product"] = product_id
    st.session_state["page"] = "Product"


def frame(rows: list[dict], columns: list[str] | None = None) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if columns is not None:
        df = df.reindex(columns=columns)
    return df


def search_state() -> tuple[str, dict[str, list[str]]]:
    """The Search page's text and chosen facet values (kept across pages)."""
    saved = st.session_state.get("search_state") or {"q": "", "facets": {}}
    return saved["q"], saved["facets"]


def current_selection() -> list[explore.Row]:
    q, facets = search_state()
    return explore.filter_rows(search_rows(), q, facets)
