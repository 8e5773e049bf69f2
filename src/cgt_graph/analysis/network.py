"""How therapies travel between regulators: networkx projections of the graph.

Everything starts from library queries (`network-authorisations`, and
`first-authorisations` and `lags`, which read the facts derived once at build
time by queries/derive/*.rq), so the analyses see exactly what a SPARQL user
sees and no rule is restated here. Lags are in days between the first days of
the decision dates' periods; a lag that involves a date known only to the month
or year carries that precision.

Definitions (written once, in queries/derive/)
-----------
* first authorisation of a product: its earliest decision anywhere; several
  jurisdictions tied on that date are all "first" (a tie gives no follow edge).
* lag: from a first authorisation to the first decision in each later
  jurisdiction (a second decision in a jurisdiction is not a new arrival).
* follow network: an edge A -> B for each product first authorised in A and
  later (strictly) in B; weight = number of such products; lag statistics
  over them.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable

import networkx as nx
from pyoxigraph import Store

from cgt_graph.errors import CgtError
from cgt_graph.sparql.library import run_named
from cgt_graph.sparql.tables import read_table


@dataclass(frozen=True)
class Auth:
    authorisation_id: str
    product: str
    jurisdiction: str
    date: dt.date
    precision: str
    pathways: tuple[str, ...]
    pathway_kinds: tuple[str, ...]
    classification: str
    holder: str
    sponsor: str
    modalities: tuple[str, ...]
    top_modalities: tuple[str, ...]


def _split(v: str | None) -> tuple[str, ...]:
    return tuple(sorted(x for x in (v or "").split(";") if x))


@dataclass
class Lag:
    product: str
    first: str
    later: str
    days: int
    precision: str
    expedited: bool  # the later decision used an expedited pathway or designation


class Authorisations(list[Auth]):
    """The authorisations, with the facts derived from them at build time: each product's first
    authorisation (`firsts`: product -> (date, first jurisdictions)) and the `lags`."""

    def __init__(self, auths: Iterable[Auth] = (), firsts: dict[str, tuple[dt.date, tuple[str, ...]]] | None = None,
                 lags: list[Lag] | None = None):
        super().__init__(auths)
        self.firsts = firsts or {}
        self.lags = lags or []


def load(store: Store) -> Authorisations:
    auths = []
    for r in read_table(store, "network-authorisations").dicts():
        auths.append(Auth(r["authorisation_id"] or "", r["product_id"] or "", r["jurisdiction"] or "",
                          dt.date.fromisoformat(r["sort_date"] or ""), r["precision"] or "day",
                          _split(r["pathways"]), _split(r["pathway_kinds"]), r["classification"] or "",
                          r["holder"] or "", r["developer"] or r["holder"] or "",
                          _split(r["modalities"]), _split(r["top_modalities"])))
    firsts: dict[str, tuple[dt.date, set[str]]] = {}
    for r in run_named(store, "first-authorisations").dicts():
        day = dt.date.fromisoformat(r["first_date"] or "")
        firsts.setdefault(r["product_id"] or "", (day, set()))[1].add(r["jurisdiction"] or "")
    lags = [Lag(r["product_id"] or "", r["first_jurisdiction"] or "", r["jurisdiction"] or "", int(r["lag_days"] or 0),
                r["precision"] or "day", r["expedited"] == "true")
            for r in run_named(store, "lags").dicts()]
    return Authorisations(auths, {p: (d, tuple(sorted(j))) for p, (d, j) in firsts.items()}, lags)


def by_product(auths: Iterable[Auth]) -> dict[str, list[Auth]]:
    groups: dict[str, list[Auth]] = defaultdict(list)
    for a in auths:
        groups[a.product].append(a)
    for g in groups.values():
        g.sort(key=lambda a: (a.date, a.jurisdiction))
    return dict(groups)


def lags(auths: Authorisations) -> list[Lag]:
    """For every product, the lag from its first authorisation to each later jurisdiction
    (derived at build time: queries/derive/lags.rq, read through the `lags` library query)."""
    return list(auths.lags)


def _stats(values: list[int]) -> dict[str, float]:
    values = sorted(values)
    q = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else [values[0]] * 3
    return {"n": len(values), "median": float(statistics.median(values)), "p25": float(q[0]),
            "p75": float(q[2]), "min": values[0], "max": values[-1]}


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


# ----------------------------------------------------------------------------- analyses

def first_movers(auths: Authorisations, by: str | None = None) -> list[dict[str, object]]:
    """How often each jurisdiction authorised a product first, overall or by top modality / period.

    by: None, "modality" (top modality: cell-therapy, gene-therapy, ...) or "period" (5-year periods).
    Ties on the first date count for every tied jurisdiction (column `tied`).
    """
    counts: Counter[tuple[str, str]] = Counter()
    ties: Counter[tuple[str, str]] = Counter()
    for product, group in by_product(auths).items():
        first_date, firsts = auths.firsts[product]  # derived: queries/derive/first-authorisations.rq
        if by == "modality":
            keys = group[0].top_modalities or ("unknown",)
        elif by == "period":
            start = first_date.year - (first_date.year - 2000) % 5
            keys = (f"{start}-{start + 4}",)
        else:
            keys = ("all",)
        for k in keys:
            for j in firsts:
                counts[(k, j)] += 1
                if len(firsts) > 1:
                    ties[(k, j)] += 1
    order = sorted(counts, key=lambda kj: (kj[0], -counts[kj], kj[1]))
    return [{"group": k, "jurisdiction": j, "first": counts[(k, j)], "tied": ties[(k, j)]} for k, j in order]


def lag_distribution(auths: Authorisations) -> list[dict[str, object]]:
    """Per later jurisdiction: lag from the product's first authorisation anywhere."""
    per: dict[str, list[int]] = defaultdict(list)
    for lag in lags(auths):
        per[lag.later].append(lag.days)
    stats = {j: _stats(v) for j, v in per.items()}
    return [{"jurisdiction": j, **stats[j]} for j in sorted(stats, key=lambda j: (stats[j]["median"], j))]


def centrality(follow: nx.DiGraph) -> list[dict[str, object]]:
    """Regulators in the follow network: leads (weighted out-degree: products it authorised first
    that others authorised later), follows (weighted in-degree), and out-/in-degree centrality
    (share of the other regulators it leads / follows). PageRank would need SciPy: not a dependency."""
    out_c = nx.out_degree_centrality(follow) if len(follow) > 1 else {n: 0.0 for n in follow}
    in_c = nx.in_degree_centrality(follow) if len(follow) > 1 else {n: 0.0 for n in follow}
    leads = {n: int(follow.out_degree(n, weight="weight")) for n in follow.nodes}
    follows = {n: int(follow.in_degree(n, weight="weight")) for n in follow.nodes}
    return [{"jurisdiction": n, "leads": leads[n], "follows": follows[n],
             "leads_share": round(out_c[n], 3), "follows_share": round(in_c[n], 3)}
            for n in sorted(follow.nodes, key=lambda n: (-leads[n], follows[n], str(n)))]


def communities(auths: Iterable[Auth]) -> list[dict[str, object]]:
    """Products grouped by regulatory path: modularity communities of the product projection
    (products linked by the number of jurisdictions they share).

    Products with the same set of jurisdictions are interchangeable in that projection, so they
    are merged into one node first (edge weights summed over their product pairs), and greedy
    modularity runs on that smaller graph: no millions of product pairs on a large graph.
    """
    paths_of: dict[str, frozenset[str]] = {}
    for product, group in by_product(auths).items():
        paths_of[product] = frozenset(a.jurisdiction for a in group)
    members: dict[frozenset[str], list[str]] = defaultdict(list)
    for product, sig in paths_of.items():
        members[sig].append(product)
    sigs = sorted(members, key=lambda x: sorted(x))
    g = nx.Graph()
    for sig in sigs:
        n = len(members[sig])
        g.add_node(sig)
        if n > 1:
            g.add_edge(sig, sig, weight=len(sig) * n * (n - 1) / 2)
    for i, a in enumerate(sigs):
        for b in sigs[i + 1:]:
            shared = len(a & b)
            if shared:
                g.add_edge(a, b, weight=shared * len(members[a]) * len(members[b]))
    comms = nx.algorithms.community.greedy_modularity_communities(g, weight="weight") if g.number_of_edges() else [set(sigs)]
    rows = []
    groups = [sorted(p for sig in c for p in members[sig]) for c in comms]
    for i, prods in enumerate(sorted(groups, key=lambda ps: (-len(ps), ps))):
        jur = Counter(j for p in prods for j in paths_of[p])
        typical = sorted(jur.items(), key=lambda jn: (-jn[1], jn[0]))[:5]  # ties by name: same data, same bytes
        rows.append({"community": i + 1, "products": len(prods),
                     "typical_jurisdictions": ";".join(f"{j}({n})" for j, n in typical),
                     "members": ";".join(prods)})
    return rows


def single_jurisdiction(auths: Iterable[Auth]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for product, group in sorted(by_product(auths).items()):
        jurs = {a.jurisdiction for a in group}
        if len(jurs) == 1:
            rows.append({"product": product, "jurisdiction": next(iter(jurs)), "decision_date": group[0].date.isoformat(),
                         "modalities": ";".join(group[0].modalities)})
    return rows


@dataclass
class ExpeditedEffect:
    rows: list[dict[str, object]] = field(default_factory=list)
    verdict: str = ""


def expedited_effect(auths: Authorisations, min_n: int = 5) -> ExpeditedEffect:
    """Lag to later jurisdictions with and without an expedited pathway on the later decision.

    Only a description: the data are observational, decision dates are partly known to the
    month only, and a missing pathway may be a gap in the sources rather than a standard review.
    """
    all_lags = lags(auths)
    out = ExpeditedEffect()
    for label, sel in (("with expedited pathway", True), ("without (or not recorded)", False)):
        days = [x.days for x in all_lags if x.expedited == sel]
        if days:
            out.rows.append({"later_decision": label, **_stats(days)})
    n_with = sum(1 for x in all_lags if x.expedited)
    n_without = len(all_lags) - n_with
    if n_with < min_n or n_without < min_n:
        out.verdict = (f"The data do not allow a comparison: {n_with} lags with and {n_without} without an expedited "
                       f"pathway (fewer than {min_n} in a group).")
    else:
        out.verdict = ("Descriptive only, not an effect estimate: jurisdictions, periods and products differ between "
                       "the groups, some dates are known only to the month, and an absent pathway may be a gap in "
                       "the sources. The medians above do not show that expedited pathways shorten the lag.")
    return out


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


# ----------------------------------------------------------------------------- the registry

@dataclass
class Outcome:
    """What an analysis gives: a table, the graph behind it (for --output), a note for stderr."""

    rows: list[dict[str, object]]
    graph: nx.Graph | None = None
    note: str = ""


@dataclass(frozen=True)
class Analysis:
    name: str
    help: str
    run: Callable[[Authorisations, str | None], Outcome]  # (authorisations, by) -> outcome
    graph: bool = False  # gives a graph that --output can write

    def __call__(self, auths: Authorisations, by: str | None = None) -> Outcome:
        return self.run(auths, by)


def _graph(build: Callable[[Authorisations], nx.Graph], table: Callable[[nx.Graph], list[dict[str, object]]]
           ) -> Callable[[Authorisations, str | None], Outcome]:
    def run(auths: Authorisations, by: str | None) -> Outcome:
        g = build(auths)
        return Outcome(table(g), g)
    return run


def _table(make: Callable[[Authorisations], list[dict[str, object]]]) -> Callable[[Authorisations, str | None], Outcome]:
    return lambda auths, by: Outcome(make(auths))


def _expedited(auths: Authorisations, by: str | None) -> Outcome:
    effect = expedited_effect(auths)
    return Outcome(effect.rows, note=effect.verdict)


def _bipartite_size(g: nx.Graph) -> list[dict[str, object]]:
    return [{"nodes": g.number_of_nodes(), "edges": g.number_of_edges()}]


ANALYSES: dict[str, Analysis] = {a.name: a for a in [
    Analysis("follow", "regulator follow network: A -> B per product first authorised in A, later in B",
             _graph(follow_network, follow_edges), graph=True),
    Analysis("first-movers", "which regulator authorises first most often (--by modality|period)",
             lambda auths, by: Outcome(first_movers(auths, None if by == "all" else by))),
    Analysis("lags", "lag from a product's first authorisation to each later jurisdiction",
             _table(lag_distribution)),
    Analysis("centrality", "regulators in the follow network (leads, follows)",
             _table(lambda auths: centrality(follow_network(auths)))),
    Analysis("communities", "products grouped by the jurisdictions they share", _table(communities)),
    Analysis("single", "products authorised in only one jurisdiction", _table(single_jurisdiction)),
    Analysis("expedited", "lag with and without an expedited pathway (descriptive; says when data do not "
             "allow more)", _expedited),
    Analysis("pathways", "pathway co-use network", _graph(pathway_co_use, pathway_pairs), graph=True),
    Analysis("sponsors", "sponsor-modality network", _graph(sponsor_modality, sponsor_pairs), graph=True),
    Analysis("bipartite", "product-jurisdiction network (with --output)",
             _graph(product_jurisdiction_graph, _bipartite_size), graph=True),
]}


def run(store: Store, name: str, by: str | None = None, output: str | None = None) -> Outcome:
    """Run the analysis `name` on the graph in `store`; with `output`, also write its graph there."""
    analysis = ANALYSES.get(name)
    if analysis is None:
        raise CgtError(f"no analysis {name!r}; known: {', '.join(ANALYSES)}")
    if output and not analysis.graph:
        graphs = ", ".join(n for n, a in ANALYSES.items() if a.graph)
        raise CgtError(f"{name} is a table, not a graph; --output works with {graphs}")
    outcome = analysis(load(store), by)
    if output and outcome.graph is not None:
        write_graph(outcome.graph, output)
    return outcome
