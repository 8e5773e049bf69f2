"""The explorer's graph view as plain data: record nodes and their links (two library
queries, read as the build's tables on a big graph), positions computed here with networkx,
and Cytoscape elements. A product's neighbourhood is cut out of the two tables (pyarrow) without
making the whole graph: at 100x that is 127k nodes and 313k links.

Laying out a thousand nodes in the browser freezes it for minutes; positions computed
in Python and drawn with Cytoscape's `preset` layout take seconds (shared/NOTES.md).
"""

from __future__ import annotations

from typing import Any, Iterable

import networkx as nx
from pyoxigraph import Store

from cgt_graph.sparql.tables import read_arrow
from cgt_graph.graph.vocab import ID

ID_BASE = str(ID)

#: node type -> colour (Cytoscape background)
COLOURS = {
    "MedicinalProduct": "#1f77b4", "MarketingAuthorisation": "#ff7f0e", "Designation": "#ffbb78",
    "StatusEvent": "#c49c94", "RegulatoryBody": "#2ca02c", "Jurisdiction": "#d62728", "Pathway": "#9467bd",
    "PathwayKind": "#c5b0d5", "RegulatoryClass": "#8c564b", "ClassificationScheme": "#e377c2",
    "Modality": "#17becf", "PolicyDocument": "#7f7f7f", "Claim": "#bcbd22", "Source": "#aec7e8",
}
#: the types shown unless the user asks for more (sources and events crowd the picture)
DEFAULT_TYPES = ["MedicinalProduct", "MarketingAuthorisation", "Designation", "RegulatoryBody", "Jurisdiction",
                 "Pathway", "RegulatoryClass", "Modality"]


def short(node: str) -> str:
    """https://w3id.org/cgt-graph/id/product/tisagenlecleucel -> product/tisagenlecleucel"""
    return node[len(ID_BASE):] if node.startswith(ID_BASE) else node


def tables(store: Store) -> tuple[Any, Any]:
    """The library's `graph-nodes` and `graph-edges` as pyarrow Tables (the build's files, else the queries)."""
    return read_arrow(store, "graph-nodes"), read_arrow(store, "graph-edges")


def from_tables(nodes: Any, edges: Any) -> nx.MultiDiGraph:
    """The graph of `graph-nodes` / `graph-edges` rows (pyarrow Tables)."""
    g = nx.MultiDiGraph()
    for node, kind, label in zip(*(nodes.column(c).to_pylist() for c in ("node", "type", "label")), strict=True):
        node = node or ""
        if node in g:  # a node with two of the listed types keeps the first (types are sorted)
            continue
        g.add_node(node, type=kind or "", label=label or short(node))
    for s, rel, t in zip(*(edges.column(c).to_pylist() for c in ("source", "relation", "target")), strict=True):
        s, t = s or "", t or ""
        if s in g and t in g:
            g.add_edge(s, t, key=rel, relation=rel or "")
    return g


def load(store: Store) -> nx.MultiDiGraph:
    return from_tables(*tables(store))


def product_graph(nodes: Any, edges: Any, product_id: str) -> nx.MultiDiGraph:
    """The part of the graph `product_neighbourhood` reads for this product, with every link among
    its nodes: the product, its neighbours, and the neighbours of its authorisations and designations.
    `product_neighbourhood` and `layout` give on it what they give on the whole graph."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def touching(ids: set[str]) -> set[str]:
        keys = pa.array(sorted(ids), pa.string())
        near = edges.filter(pc.or_(pc.is_in(edges.column("source"), keys), pc.is_in(edges.column("target"), keys)))
        return set(near.column("source").to_pylist()) | set(near.column("target").to_pylist())

    seed = product_node(product_id)
    first = touching({seed}) | {seed}
    rows = nodes.filter(pc.is_in(nodes.column("node"), pa.array(sorted(first), pa.string())))
    kind: dict[str, str] = {}
    for node, t in zip(rows.column("node").to_pylist(), rows.column("type").to_pylist(), strict=True):
        kind.setdefault(node, t)  # the first of a node's types, as `from_tables` keeps it
    records = {n for n, t in kind.items() if t in ("MarketingAuthorisation", "Designation")}
    keep = pa.array(sorted(first | (touching(records) if records else set())), pa.string())
    return from_tables(nodes.filter(pc.is_in(nodes.column("node"), keep)),
                       edges.filter(pc.and_(pc.is_in(edges.column("source"), keep),
                                            pc.is_in(edges.column("target"), keep))))


def product_node(product_id: str) -> str:
    return f"{ID_BASE}product/{product_id}"


def neighbourhood(g: nx.MultiDiGraph, seeds: Iterable[str], types: Iterable[str] | None = None) -> set[str]:
    """The seeds and their direct neighbours (both directions), keeping only `types`."""
    allowed = set(types) if types is not None else None
    out: set[str] = set()
    for s in seeds:
        if s not in g:
            continue
        out.add(s)
        for n in list(g.successors(s)) + list(g.predecessors(s)):
            if allowed is None or g.nodes[n]["type"] in allowed:
                out.add(n)
    return out


def product_neighbourhood(g: nx.MultiDiGraph, product_id: str, types: Iterable[str] | None = None) -> set[str]:
    """The product, its authorisations and designations (and whatever else links to it), and
    what those link to: agencies, pathways, classes, jurisdictions."""
    types = list(types) if types is not None else DEFAULT_TYPES
    seed = product_node(product_id)
    first = neighbourhood(g, [seed], types)
    second = [n for n in first if g.nodes[n]["type"] in ("MarketingAuthorisation", "Designation")]
    keep = [t for t in ("RegulatoryBody", "Pathway", "RegulatoryClass", "Jurisdiction") if t in types]
    return first | neighbourhood(g, second, keep)


def jurisdiction_node(code: str) -> str:
    return f"{ID_BASE}jurisdiction/{code}"


def jurisdiction_neighbourhood(g: nx.MultiDiGraph, code: str, types: Iterable[str] | None = None) -> set[str]:
    """The jurisdiction, its agencies, pathways and classes, the authorisations and designations
    that name it, and their products."""
    types = list(types) if types is not None else DEFAULT_TYPES
    seed = jurisdiction_node(code)
    first = neighbourhood(g, [seed], types)
    records = [n for n in first if g.nodes[n]["type"] in ("MarketingAuthorisation", "Designation")]
    keep = [t for t in ("MedicinalProduct",) if t in types]
    return first | neighbourhood(g, records, keep)


def of_types(g: nx.MultiDiGraph, types: Iterable[str]) -> set[str]:
    allowed = set(types)
    return {n for n, d in g.nodes(data=True) if d["type"] in allowed}


def grouped_layout(g: nx.MultiDiGraph, nodes: Iterable[str], size: float = 1000.0) -> dict[str, tuple[float, float]]:
    """The whole graph grouped by jurisdiction: the jurisdictions fixed on a circle, every other
    node pulled towards the jurisdictions it links to (a product authorised in several sits
    between them); nodes far out (no links) are brought back to the rim, so the view is not
    zoomed out by a few outliers."""
    import math

    sub = _undirected(g, nodes)
    if sub.number_of_nodes() == 0:
        return {}
    places = sorted(n for n in sub if g.nodes[n]["type"] == "Jurisdiction")
    if not places:
        return layout(g, nodes, size)
    fixed = {p: (math.cos(2 * math.pi * i / len(places)), math.sin(2 * math.pi * i / len(places)))
             for i, p in enumerate(places)}
    start = _spread(sub, fixed)
    pos = nx.spring_layout(sub, pos=start, fixed=places, seed=7, iterations=40 if len(sub) < 500 else 10,
                           k=1.2 / max(1.0, len(sub) ** 0.5))
    scale = size  # compact: the whole circle fits at a zoom where the jurisdictions' names are readable
    out = {}
    for k, (x, y) in pos.items():
        r = math.hypot(x, y)
        if r > 1.25:  # an outlier: back to the rim
            x, y = x / r * 1.25, y / r * 1.25
        out[k] = (float(x) * scale, float(y) * scale)
    return out


def layout(g: nx.MultiDiGraph, nodes: Iterable[str], size: float = 1000.0) -> dict[str, tuple[float, float]]:
    """Spring layout of the subgraph on `nodes` (seeded: the same picture every time).

    From 500 nodes networkx switches to a sparse solver (scipy) that costs about 0.17 s per
    iteration on 1,100 nodes: there the record types are laid out first (dense, fast), every
    other node (sources, events, ...) starts beside its neighbours, and a few iterations settle
    the whole."""
    sub = _undirected(g, nodes)
    n = sub.number_of_nodes()
    if n == 0:
        return {}
    if n < 500:
        pos = nx.spring_layout(sub, seed=7, iterations=50 if n < 400 else 30)
    else:
        core = [x for x in sub if g.nodes[x]["type"] in DEFAULT_TYPES]
        start = _spread(sub, nx.spring_layout(sub.subgraph(core), seed=7, iterations=30) if 1 < len(core) < 500 else {})
        pos = nx.spring_layout(sub, pos=start, seed=7, iterations=8)
    scale = size * max(1.0, n ** 0.5) / 16  # labels readable once the view fits (Cytoscape hides small text)
    return {k: (float(x) * scale, float(y) * scale) for k, (x, y) in pos.items()}


def _undirected(g: nx.MultiDiGraph, nodes: Iterable[str]) -> nx.Graph:
    """The subgraph on `nodes` as a simple undirected graph, nodes and links in sorted order: a seeded
    layout then gives the same positions in every process (a set's order changes with the hash seed)
    and from any graph holding the same links among these nodes (the whole graph, or a product's part)."""
    keep = sorted(n for n in set(nodes) if n in g)
    sub = nx.Graph()
    sub.add_nodes_from(keep)
    sub.add_edges_from(sorted({(s, t) if s <= t else (t, s) for s, t in g.subgraph(keep).edges()}))
    return sub


def _spread(sub: nx.Graph, placed: dict) -> dict:
    """Initial positions: the placed nodes where they are, each other node at the mean of its
    placed neighbours plus a small seeded offset (or at random when none is placed)."""
    import random

    rnd = random.Random(7)
    pos = {k: (float(v[0]), float(v[1])) for k, v in placed.items()}
    for _ in range(3):
        for x in sub:
            if x in pos:
                continue
            near = [pos[y] for y in sub.neighbors(x) if y in pos]
            if near:
                pos[x] = (sum(p[0] for p in near) / len(near) + rnd.uniform(-0.03, 0.03),
                          sum(p[1] for p in near) / len(near) + rnd.uniform(-0.03, 0.03))
    for x in sub:
        pos.setdefault(x, (rnd.uniform(-1, 1), rnd.uniform(-1, 1)))
    return pos


def elements(g: nx.MultiDiGraph, nodes: Iterable[str], positions: dict[str, tuple[float, float]],
             selected: str | None = None) -> dict[str, list[dict]]:
    """Cytoscape elements: node data `label` is the node's type (the component styles by it),
    `name` its display text (drawn by Cytoscape on a canvas: text, never HTML)."""
    keep = set(nodes)
    out_nodes = []
    for n in sorted(keep):
        d = g.nodes[n]
        x, y = positions.get(n, (0.0, 0.0))
        out_nodes.append({"data": {"id": n, "label": d["type"], "name": d["label"][:60], "record": short(n)},
                          "position": {"x": round(x, 1), "y": round(y, 1)},
                          "selected": n == selected})
    out_edges = []
    for i, (s, t, rel) in enumerate(sorted((s, t, k) for s, t, k in g.edges(keys=True) if s in keep and t in keep)):
        out_edges.append({"data": {"id": f"e{i}", "source": s, "target": t, "label": rel}})
    return {"nodes": out_nodes, "edges": out_edges}


def node_details(g: nx.MultiDiGraph, node: str) -> dict[str, Any]:
    """A node's type, label and links, for the panel beside the graph."""
    d = g.nodes[node]
    links = [{"direction": "→", "relation": k, "type": g.nodes[t]["type"], "node": g.nodes[t]["label"], "record": short(t)}
             for _, t, k in g.out_edges(node, keys=True)]
    links += [{"direction": "←", "relation": k, "type": g.nodes[s]["type"], "node": g.nodes[s]["label"], "record": short(s)}
              for s, _, k in g.in_edges(node, keys=True)]
    return {"record": short(node), "type": d["type"], "label": d["label"], "links": links}
