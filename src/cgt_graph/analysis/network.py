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

from dataclasses import dataclass
from typing import Callable

import networkx as nx
from pyoxigraph import Store

from cgt_graph.errors import CgtError
from cgt_graph.analysis.analyses import (ExpeditedEffect, centrality, communities,  # noqa: F401 - re-exported
                                         expedited_effect, first_movers, lag_distribution, single_jurisdiction)
from cgt_graph.analysis.authorisations import (Auth, Authorisations, Lag, by_product, lags,  # noqa: F401 - re-exported
                                               load)
from cgt_graph.analysis.projections import (follow_edges, follow_network, pathway_co_use,  # noqa: F401 - re-exported
                                            pathway_pairs, product_jurisdiction_graph, sponsor_modality,
                                            sponsor_pairs, write_graph)

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
