"""SPARQL: an editor with highlighting, the query library as examples, results as a table
with download; run under the endpoint's limits (screen + worker process with a deadline)."""

from __future__ import annotations

import threading
import uuid

import streamlit as st
from code_editor import code_editor

from cgt_graph import paths
from cgt_graph.sparql import usersparql
from cgt_graph.explorer.pages import common


_POOLS: dict[str, object] = {}
_LOCK = threading.Lock()


def pool():
    """One worker pool per store for the whole explorer process, started on the first Run.
    (Starting it from a background thread while the page loaded left the editor component
    hidden in Chromium: measured, so it is not done.)"""
    key = str(paths.store_dir())
    with _LOCK:
        if key not in _POOLS:
            _POOLS[key] = usersparql.open_pool(paths.store_dir())
        return _POOLS[key]


@st.cache_data(show_spinner=False)
def examples() -> dict[str, tuple[str, str, str]]:
    return usersparql.examples()


def _load_example() -> None:
    name = st.session_state["sparql_example"]
    st.session_state["sparql_text"] = examples()[name][2]
    st.session_state.pop("sparql_answer", None)


def _run() -> None:
    session = st.session_state.setdefault("sparql_client", f"session-{uuid.uuid4().hex}")
    st.session_state["sparql_answer"] = usersparql.run(pool(), st.session_state.get("sparql_text", ""), session)


def render() -> None:
    ex = examples()
    if "sparql_text" not in st.session_state:
        st.session_state["sparql_text"] = ex["products"][2] if "products" in ex else next(iter(ex.values()))[2]
    st.selectbox("Example from the query library", list(ex), format_func=lambda n: ex[n][0], key="sparql_example",
                 index=list(ex).index("products") if "products" in ex else 0, on_change=_load_example)
    common.say(ex[st.session_state["sparql_example"]][1])
    st.caption("Read-only: the default graph is the union of all data graphs. SERVICE, updates and very large or "
               "deeply nested queries are refused; each query has a 10 s deadline. Ctrl+Enter or Run.")
    # the editor's key follows the example, so a new example remounts it with the new text
    resp = code_editor(st.session_state["sparql_text"], lang="sparql", height=[12, 30], response_mode="debounce",
                       key=f"editor-{st.session_state['sparql_example']}",
                       options={"wrap": True, "showLineNumbers": True},
                       # Ace's own textmate theme: the component's streamlit_* themes @import a web font
                       # from fonts.googleapis.com, and the explorer makes no request off the machine
                       props={"theme": "textmate"})
    if isinstance(resp, dict) and resp.get("text") and resp.get("id") != st.session_state.get("sparql_resp_id"):
        st.session_state["sparql_resp_id"] = resp.get("id")
        st.session_state["sparql_text"] = resp["text"]
        if resp.get("type") == "submit":
            _run()
    st.button("Run query", on_click=_run, type="primary", key="sparql_run")
    answer = st.session_state.get("sparql_answer")
    if answer is None:
        return
    if answer.error:
        st.error(common.md(answer.error))
    elif answer.turtle is not None:
        st.code(answer.turtle, language="turtle")
        st.download_button("Download (Turtle)", answer.turtle.encode("utf-8"), file_name="query.ttl",
                           mime="text/turtle", key="sparql_download_ttl")
    else:
        st.markdown(f"**{len(answer.rows)} rows**")
        st.dataframe(common.frame([dict(zip(answer.columns, r, strict=True)) for r in answer.rows], answer.columns),
                     hide_index=True, width="stretch", key="sparql_result")
        st.download_button("Download results (CSV)", answer.csv_bytes(), file_name="query.csv", mime="text/csv",
                           key="sparql_download")
