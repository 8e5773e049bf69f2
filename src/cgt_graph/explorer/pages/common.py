"""What every page shares: the store (opened once), cached reads, and text helpers."""

from __future__ import annotations

import io
import logging
import re

import pandas as pd
import streamlit as st

from cgt_graph.explorer import data as explore
from cgt_graph import paths
from cgt_graph.graph import store as storemod
from cgt_graph.publish import table as table_export
from cgt_graph.publish import selection as selection_export
from cgt_graph.sparql.library import run_named
from cgt_graph.sparql.tables import read_table
from cgt_graph.publish import turtle as turtle_export

PAGES = ["Search", "Product", "Compare jurisdictions", "Pathways and classes", "Review times", "Network", "Graph",
         "SPARQL", "Downloads", "What changed"]
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
    """The published build (graph/store.open_snapshot): a graph big enough for the build to have written
    its tables is read on disk (read-only, a consistent snapshot): the pages read its whole tables from
    the Parquet files and ask the store only about one product, where a query on disk takes
    milliseconds; copying it into memory first cost 18.6 s at 100x (docs/scale.md). A smaller graph is
    copied into memory, where the queries the pages run on the whole graph answer 3-5x faster."""
    location = paths.store_dir()
    if not storemod.exists(location):
        from cgt_graph.graph.build import build
        from cgt_graph.sparql.tables import materialise
        with st.spinner("Building the graph from data/ (first run)…"):
            build(location, materialise=materialise)
    return storemod.open_snapshot(location)


@st.cache_resource(show_spinner=False)  # shared, not copied on every rerun (18,000 rows at 100x); read only
def search_rows() -> list[explore.Row]:
    return explore.search_rows(store(), names())


@st.cache_resource(show_spinner=False)  # shared, not unpickled on every rerun (10,600 products at 100x); read only
def products() -> list[explore.ProductHit]:
    return explore.products(store())


@st.cache_data(show_spinner=False)
def cached(name: str, *args: str) -> list[explore.Row]:
    """explore.<name>(store, *args), cached for the process; `lags` reads the search rows."""
    if name == "lags":  # the derived lags (library query `lags`), named with the search rows
        return explore.lags(search_rows(), read_table(store(), "lags").dicts())
    return getattr(explore, name)(store(), *args)


@st.cache_resource(show_spinner=False)
def graph_tables():
    """`graph-nodes` and `graph-edges` as pyarrow Tables (read once; shared, read only)."""
    from cgt_graph.explorer import graphview  # networkx: imported when a graph is first drawn

    return graphview.tables(store())


@st.cache_resource(show_spinner=False)
def graph():
    """The whole graph (networkx), for the Graph page."""
    from cgt_graph.explorer import graphview

    nodes, edges = graph_tables()
    return graphview.from_tables(nodes, edges)


@st.cache_resource(show_spinner=False, max_entries=64)
def product_graph(product_id: str):
    """The part of the graph a product's neighbourhood is drawn from (the Product page), without
    making the whole graph."""
    from cgt_graph.explorer import graphview

    nodes, edges = graph_tables()
    return graphview.product_graph(nodes, edges, product_id)


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


@st.cache_resource(show_spinner=False)
def names() -> explore.Names:
    return explore.names(store())


@st.cache_resource(show_spinner=False)
def facet_options() -> dict[str, list[str]]:
    return explore.facet_options(search_rows(), names())


@st.cache_resource(show_spinner=False)  # shared, not unpickled on every rerun; read only
def identifiers() -> dict[str, list[str]]:
    """authorisation id -> the identifiers the regulator issued, with readable names (the Product page)."""
    return explore.authorisation_identifiers(store())


def warm_up() -> None:
    """Read what the Search page and a product page need, into the caches every session shares: run
    when the server starts (explore.py), so the first visit finds it read. A failure is left for the
    page to report to the person on their visit."""
    quiet = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = quiet.level  # "missing ScriptRunContext": true here, and harmless (no page is being drawn)
    quiet.setLevel(logging.ERROR)
    try:
        store()
        names()
        search_rows()
        facet_options()
        data_as_of()
        products()
        graph_tables()
        identifiers()
        import altair  # noqa: F401 - the Product page's charts
        # Streamlit's first element in a process walks the stack (its "not run with streamlit run" check,
        # inspect.stack(): 0.3 s with the ~1,900 modules loaded here): paid now, outside any page, not by
        # the first visit. Outside a script run the element is drawn nowhere.
        st.empty()
        # not the pages' modules: streamlit_cytoscape declared here, outside a page run, was never drawn (st.App)
    except Exception as e:  # noqa: BLE001 - any failure: the page shows it on the visit
        logging.getLogger(__name__).warning("the explorer's read-ahead stopped (%s); the pages read on the first visit", e)
    finally:
        quiet.setLevel(level)


@st.cache_data(show_spinner=False)
def data_as_of() -> dict[str, str]:
    rows = read_table(store(), "data-as-of").dicts()
    return {k: v or "" for k, v in (rows[0] if rows else {}).items()}


def as_of_line() -> None:
    """"Data as of" on every page (the library's `data-as-of`: the latest day a curator verified
    a record against its sources), and how many records carry a verified date."""
    d = data_as_of()
    verified, records = int(d.get("verified_records") or 0), int(d.get("records") or 0)
    if d.get("data_as_of"):
        st.caption(f"Data as of {d['data_as_of']} (the latest day a curator checked a record against its "
                   f"sources); {verified} of {records} records verified so far.")
    else:
        st.caption(f"No record carries a verified date yet ({records} records).")


# ----------------------------------------------------------------------------- the address
# Every page state lives in the address (st.query_params): written at the end of each run,
# read back when the address changes under the app (Back, Forward, a pasted link).
# Widgets forget their value when their page is not shown, so the Search state is mirrored
# in session_state["search_state"] and restored from there.

def _url_now() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def from_url() -> None:
    """When the address differs from what this session last wrote (a shared link, Back,
    Forward), make the session show what the address names."""
    now = _url_now()
    if now == st.session_state.get("_url"):
        return
    st.session_state["_url"] = now
    page = (now.get("page") or ["Search"])[0]
    st.session_state["page"] = page if page in PAGES else "Search"
    if now.get("product"):
        st.session_state["product"] = now["product"][0]
    options = facet_options()
    facets = {f: [v for v in now.get(f, []) if v in options[f]] for f in explore.FACETS}
    q = (now.get("q") or [""])[0]
    st.session_state["search_state"] = {"q": q, "facets": facets}
    st.session_state["q"] = q
    for f, values in facets.items():
        st.session_state[f"facet_{f}"] = values
    if now.get("pathway"):
        st.session_state["pathway_pick"] = now["pathway"][0]
    if page == "Review times":  # unknown values fall back to the defaults on the page
        st.session_state["review_by"] = (now.get("by") or ["agency"])[0]
        st.session_state["review_procedure"] = (now.get("procedure") or ["initial"])[0]


def to_url(page: str) -> None:
    """Write the current view into the address: a copied address reopens it, and each change
    is a step Back can undo."""
    params: dict[str, list[str]] = {"page": [page]}
    if page in ("Product", "Graph") and st.session_state.get("product"):
        params["product"] = [st.session_state["product"]]
    if page in ("Search", "Downloads"):
        q, facets = search_state()
        if q:
            params["q"] = [q]
        for f, values in facets.items():
            if values:
                params[f] = list(values)
    if page == "Pathways and classes" and st.session_state.get("pathway_pick"):
        params["pathway"] = [st.session_state["pathway_pick"]]
    if page == "Review times":
        params["by"] = [st.session_state.get("review_by") or "agency"]
        params["procedure"] = [st.session_state.get("review_procedure") or "initial"]
    if _url_now() != params:
        st.query_params.from_dict(params)
    st.session_state["_url"] = params


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


def set_search(q: str | None = None, facets: dict[str, list[str]] | None = None) -> None:
    saved_q, saved = search_state()
    st.session_state["search_state"] = {"q": saved_q if q is None else q,
                                        "facets": {**saved, **(facets or {})}}


def current_selection() -> list[explore.Row]:
    q, facets = search_state()
    return explore.filter_rows(search_rows(), q, facets)
