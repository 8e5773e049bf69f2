"""Graph view: an interactive Cytoscape graph with positions computed in Python (networkx);
click a node to see it, expand its neighbours, filter by type, or draw the whole graph."""

from __future__ import annotations

import re

import altair as alt
import streamlit as st
from streamlit_cytoscape import Event, NodeStyle, streamlit_cytoscape

from cgt_graph.explorer import graphview
from cgt_graph.explorer.pages import common

# the component's default is 20 px nodes with 3.6 px text, shown only when zoomed in 3x
_SMALL = {"width": 12, "height": 12, "font-size": 10, "text-wrap": "ellipsis", "text-max-width": "140px"}
STYLES = [NodeStyle(t, color=c, caption="name", custom_styles=_SMALL) for t, c in graphview.COLOURS.items()]
# the grouped whole graph: jurisdictions are its landmarks, big enough to read with the whole circle in view
GROUPED_STYLES = [NodeStyle(t, color=c, caption="name", custom_styles=_SMALL if t != "Jurisdiction" else
                            {"width": 60, "height": 60, "font-size": 64, "font-weight": "bold",
                             "text-valign": "center", "text-outline-color": "#ffffff", "text-outline-width": 3})
                  for t, c in graphview.COLOURS.items()]
EVENTS = [Event("select", "tap", "node")]


@st.cache_data(show_spinner=False)
def _positions(_g, nodes: frozenset[str], grouped: bool = False) -> dict[str, tuple[float, float]]:
    """Positions of `nodes`, cached by the nodes: they depend only on the links among them, which the
    whole graph and a product's part of it (common.product_graph) both hold."""
    if grouped:
        return graphview.grouped_layout(_g, nodes)
    return graphview.layout(_g, nodes)


def draw(g, nodes: set[str], selected: str | None, key: str, height: int = 600, grouped: bool = False):
    """Draw `nodes` with preset positions; returns the component's last event (or None).
    A node is always selected, so the component's side panel shows it (never an empty panel)."""
    if selected not in nodes and nodes:
        selected = max(nodes, key=lambda n: (g.degree(n), n))
    pos = _positions(g, frozenset(nodes), grouped)
    return streamlit_cytoscape(graphview.elements(g, nodes, pos, selected), layout={"name": "preset", "fit": True,
                                                                                 "padding": 20, "animate": False},
                               node_styles=GROUPED_STYLES if grouped else STYLES, height=height, key=key,
                               events=EVENTS,
                               node_actions=["expand"])


def pretty(node_type: str) -> str:
    """MarketingAuthorisation -> Marketing authorisation"""
    return re.sub(r"(?<=[a-z])([A-Z])", lambda m: " " + m.group(1).lower(), node_type)


def legend(types: list[str]) -> None:
    """A strip of coloured dots named by node type (Cytoscape draws no legend)."""
    df = common.frame([{"type": pretty(t)} for t in types])
    st.altair_chart(alt.Chart(df).mark_circle(size=140, opacity=1).encode(
        x=alt.X("type:N", sort=None, title=None, axis=alt.Axis(labelAngle=0, orient="top", domain=False, ticks=False,
                                                                   labelLimit=160)),
        color=alt.Color("type:N", legend=None, scale=alt.Scale(domain=[pretty(t) for t in types],
                                                               range=[graphview.COLOURS[t] for t in types]))
    ).properties(height=45).configure_view(stroke=None), width="stretch")


def _on_event(g, event) -> None:
    if not isinstance(event, dict) or event.get("timestamp") == st.session_state.get("graph_event_ts"):
        return
    st.session_state["graph_event_ts"] = event.get("timestamp")
    data = event.get("data") or {}
    if event.get("action") == "select" and data.get("target_id") in g:
        st.session_state["graph_selected"] = data["target_id"]
    elif event.get("action") == "expand":
        ids = data.get("node_ids") or ([data["target_id"]] if data.get("target_id") else [])
        for n in ids:
            if n in g:
                st.session_state["graph_selected"] = n
                _expand(g, n)


def _expand(g, node: str) -> None:
    shown = set(st.session_state.get("graph_nodes") or [])
    shown |= graphview.neighbourhood(g, [node], st.session_state.get("graph_types") or graphview.DEFAULT_TYPES)
    st.session_state["graph_nodes"] = sorted(shown)


MODES = ["Neighbourhood of a product", "Neighbourhood of a jurisdiction", "Whole graph, grouped by jurisdiction"]


def render() -> None:
    g = common.graph()
    names = common.names()
    hits = {h.product_id: h for h in common.products()}
    ids = sorted(hits, key=lambda p: hits[p].label.casefold())
    places = sorted(names.jurisdiction, key=lambda c: names.jurisdiction[c])
    left, mid, right = st.columns([3, 3, 2])
    with left:
        mode = st.radio("Show", MODES, key="graph_mode")
    with mid:
        types = st.multiselect("Node types", list(graphview.COLOURS), default=graphview.DEFAULT_TYPES,
                               key="graph_types", format_func=pretty)
    with right:
        if mode == MODES[1]:
            code = st.selectbox("Jurisdiction", places, format_func=names.jurisdiction.__getitem__,
                                key="graph_jurisdiction")
            seed = graphview.jurisdiction_node(code)
            start_nodes = lambda: graphview.jurisdiction_neighbourhood(g, code, types)  # noqa: E731
        else:
            start = st.session_state.get("product") or ("tisagenlecleucel" if "tisagenlecleucel" in hits else ids[0])
            pid = st.selectbox("Product", ids, index=ids.index(start) if start in hits else 0,
                               format_func=lambda p: hits[p].label, key="graph_product",
                               disabled=mode == MODES[2])
            seed = graphview.product_node(pid)
            start_nodes = lambda: graphview.product_neighbourhood(g, pid, types)  # noqa: E731
    if st.session_state.get("graph_seed") != seed:  # a new start: reset what was expanded
        st.session_state["graph_seed"] = seed
        st.session_state["graph_nodes"] = sorted(start_nodes())
        st.session_state["graph_selected"] = seed
    if mode == MODES[2]:
        nodes = graphview.of_types(g, types)
    else:
        nodes = {n for n in st.session_state["graph_nodes"] if n in g and (g.nodes[n]["type"] in types or n == seed)}
    selected = st.session_state.get("graph_selected")
    st.caption(f"{len(nodes)} nodes. Click a node to see its links below; double-click it (or use its expand "
               "button) to add its neighbours. Scroll to zoom: names appear as you zoom in."
               + (" Jurisdictions sit on a circle; each record is drawn near the jurisdictions it links to."
                  if mode == MODES[2] else ""))
    legend([t for t in graphview.COLOURS if t in types and any(g.nodes[n]["type"] == t for n in nodes)])
    event = draw(g, nodes, selected, key=f"graph-{MODES.index(mode)}-{len(types)}", height=640,
                 grouped=mode == MODES[2])
    _on_event(g, event)
    selected = st.session_state.get("graph_selected")
    if isinstance(selected, str) and selected in g:
        d = graphview.node_details(g, selected)
        st.markdown(f"#### {common.md(str(d['label']))}")
        common.say(f"{pretty(str(d['type']))} · {d['record']}")
        c1, c2 = st.columns([1, 4])
        with c1:
            st.button("Expand its neighbours", key="graph_expand", on_click=_expand, args=(g, selected),
                      disabled=mode == MODES[2])
        with c2:
            product = str(d["record"]).removeprefix("product/") if d["type"] == "MedicinalProduct" else None
            if product in hits:
                st.button("Open its product page", key="graph_open", on_click=common.open_product, args=(product,))
        links = [{**x, "type": pretty(str(x["type"]))} for x in d["links"]]
        st.dataframe(common.frame(links, ["direction", "relation", "node", "type", "record"]), hide_index=True,
                     width="stretch", key="graph_links")
