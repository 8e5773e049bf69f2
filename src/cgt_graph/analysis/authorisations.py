"""The authorisations the network analyses start from (`load`: the library's
`network-authorisations`, `first-authorisations` and `lags` queries, read from the build's
materialised tables on a big graph), grouped by product, and their lags (definitions: `network.py`)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from pyoxigraph import Store

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
    for r in read_table(store, "first-authorisations").dicts():
        day = dt.date.fromisoformat(r["first_date"] or "")
        firsts.setdefault(r["product_id"] or "", (day, set()))[1].add(r["jurisdiction"] or "")
    lags = [Lag(r["product_id"] or "", r["first_jurisdiction"] or "", r["jurisdiction"] or "", int(r["lag_days"] or 0),
                r["precision"] or "day", r["expedited"] == "true")
            for r in read_table(store, "lags").dicts()]
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


