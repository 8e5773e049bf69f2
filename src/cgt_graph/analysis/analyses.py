"""The network analyses' tables: first movers, lags, centrality, communities, single-jurisdiction
products, the expedited-pathway effect."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

import networkx as nx

from cgt_graph.analysis.authorisations import Auth, Authorisations, _stats, by_product, lags


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


