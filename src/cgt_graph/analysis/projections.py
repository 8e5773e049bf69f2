"""networkx projections of the authorisations (the follow network, product-jurisdiction,
pathway co-use, sponsor-modality), their edge tables, and writing a graph to a file."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

import networkx as nx

from cgt_graph.errors import CgtError
from cgt_graph.analysis.authorisations import Auth, Authorisations, Lag, _stats, lags


def follow_network(auths: Authorisations) -> nx.DiGraph:
    g = nx.DiGraph()
    per_edge: dict[tuple[str, str], list[Lag]] = defaultdict(list)
    for lag in lags(auths):
        per_edge[(lag.first, lag.later)].append(lag)
    for a in auths:
        g.add_node(a.jurisdiction)
    for (src, dst), items in per_edge.items():
        s = _stats([x.days for x in items])
        g.add_edge(src, dst, weight=len(items), median_lag_days=s["median"], p25_lag_days=s["p25"],
                   p75_lag_days=s["p75"], min_lag_days=s["min"], max_lag_days=s["max"],
                   products=";".join(sorted({x.product for x in items})),
                   coarse_dates=sum(1 for x in items if x.precision != "day"))
    return g


def product_jurisdiction_graph(auths: Iterable[Auth]) -> nx.Graph:
    """Bipartite: products (bipartite=0) and jurisdictions (bipartite=1); one edge per authorisation."""
    g = nx.Graph()
    for a in auths:
        p, j = f"product:{a.product}", f"jurisdiction:{a.jurisdiction}"
        g.add_node(p, bipartite=0, kind="product", label=a.product)
        g.add_node(j, bipartite=1, kind="jurisdiction", label=a.jurisdiction)
        if g.has_edge(p, j):  # a second decision in the same jurisdiction: keep the first
            continue
        g.add_edge(p, j, decision_date=a.date.isoformat(), precision=a.precision,
                   pathways=";".join(a.pathways), classification=a.classification)
    return g


def pathway_co_use(auths: Iterable[Auth]) -> nx.Graph:
    """Pathways and designations (nodes, with use counts) linked when used for the same decision."""
    g = nx.Graph()
    for a in auths:
        for p in a.pathways:
            g.add_node(p)
            g.nodes[p]["uses"] = g.nodes[p].get("uses", 0) + 1
        for i, p in enumerate(a.pathways):
            for q in a.pathways[i + 1:]:
                w = g.get_edge_data(p, q, {}).get("weight", 0)
                g.add_edge(p, q, weight=w + 1)
    return g


def sponsor_modality(auths: Iterable[Auth]) -> nx.Graph:
    """Sponsors (developer, else holder) and the modalities of their products; weight = products."""
    g = nx.Graph()
    seen: set[tuple[str, str, str]] = set()
    for a in auths:
        for m in a.modalities:
            key = (a.sponsor, m, a.product)
            if key in seen:
                continue
            seen.add(key)
            s, mn = f"sponsor:{a.sponsor}", f"modality:{m}"
            g.add_node(s, bipartite=0, kind="sponsor", label=a.sponsor)
            g.add_node(mn, bipartite=1, kind="modality", label=m)
            w = g.get_edge_data(s, mn, {}).get("weight", 0)
            g.add_edge(s, mn, weight=w + 1)
    return g




def write_graph(g: nx.Graph, path: str) -> None:
    """GraphML or GEXF by file extension (for Gephi, Cytoscape)."""
    if path.endswith(".gexf"):
        nx.write_gexf(g, path)
    elif path.endswith(".graphml"):
        nx.write_graphml(g, path)
    else:
        raise CgtError("--output must end in .graphml or .gexf")


def follow_edges(follow: nx.DiGraph) -> list[dict[str, object]]:
    edges = sorted(follow.edges(data=True), key=lambda e: (-int(e[2]["weight"]), str(e[0]), str(e[1])))
    return [{"from": u, "to": v, "products": d["weight"], "median_lag_days": d["median_lag_days"],
             "p25": d["p25_lag_days"], "p75": d["p75_lag_days"], "coarse_dates": d["coarse_dates"]}
            for u, v, d in edges]


def pathway_pairs(co_use: nx.Graph) -> list[dict[str, object]]:
    """The edges of the pathway co-use network, most shared decisions first."""
    edges = sorted(co_use.edges(data=True), key=lambda e: (-int(e[2]["weight"]), e[0], e[1]))
    return [{"pathway_a": u, "pathway_b": v, "decisions": d["weight"]} for u, v, d in edges]


def sponsor_pairs(sm: nx.Graph) -> list[dict[str, object]]:
    """The edges of the sponsor-modality network, by sponsor."""
    rows = []
    for u, v, d in sm.edges(data=True):
        sponsor, modality = (u, v) if sm.nodes[u]["kind"] == "sponsor" else (v, u)
        rows.append({"sponsor": sm.nodes[sponsor]["label"], "modality": sm.nodes[modality]["label"],
                     "products": d["weight"]})
    return sorted(rows, key=lambda r: (str(r["sponsor"]).lower(), str(r["modality"])))


