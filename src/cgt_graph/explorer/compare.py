"""The Compare, Network and Pathways pages' data: modality by jurisdiction, approvals per year, the lag (the derived one), first arrivals, claims, pathways and classes."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pyoxigraph import Store

from cgt_graph.sparql.library import run_named
from cgt_graph.sparql.tables import read_table
from cgt_graph.explorer.names import Row, span
from cgt_graph.explorer.search import _values


def modality_matrix(rows: list[Row]) -> list[Row]:
    """Distinct products per (modality, jurisdiction), long form."""
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows:
        if not r["jurisdiction"]:
            continue
        for m in _values(r, "modality"):
            seen[(m, r["jurisdiction"])].add(r["product_id"])
    return [{"modality": m, "jurisdiction": j, "products": str(len(p))} for (m, j), p in sorted(seen.items())]


def approvals_per_year(rows: list[Row]) -> list[Row]:
    """Authorisations per decision year and jurisdiction (the regulator deciding there)."""
    c: Counter[tuple[str, str]] = Counter()
    for r in rows:
        if r["decision_date"]:
            c[(r["decision_date"][:4], r["jurisdiction"])] += 1
    return [{"year": y, "jurisdiction": j, "authorisations": str(n)} for (y, j), n in sorted(c.items())]


# ----------------------------------------------------------------------------- lags (one definition)
# A product "arrives" in a jurisdiction with its first decision there. Its first arrival anywhere
# is the earliest by what is known (sort_key); the lag of each later arrival is in days between
# the first days of the two dates' periods, with the range the periods allow when a date is known
# only to the month or year. The Compare and Network pages both read `lags`.

LagRow = dict[str, Any]  # lag_days and the flags are numbers and booleans


def lags(rows: list[Row], derived: list[dict[str, Any]]) -> list[LagRow]:
    """The one lag (the library query `lags`, read from the facts derived at build time:
    first authorisation anywhere to the first decision in each later jurisdiction, in days),
    with names for people, the range the imprecise dates allow, and whether the order is
    uncertain (the later decision's period starts before the first one's ends). Ties for first
    are joined in `first_jurisdiction`."""
    names = {r["product_id"]: r["product"] for r in rows}
    jur = {r["jurisdiction_code"]: r["jurisdiction"] for r in rows if r["jurisdiction_code"]}
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for d in derived:
        grouped[(str(d["product_id"]), str(d["jurisdiction"]))].append(d)
    out: list[LagRow] = []
    for (pid, code), items in sorted(grouped.items()):
        d = items[0]
        fs, fe = span(str(d["first_date"]))  # type: ignore[misc]
        s_, e_ = span(str(d["decision_date"]))  # type: ignore[misc]
        out.append({"product_id": pid, "product": names.get(pid, pid),
                    "first_jurisdiction": "; ".join(sorted(jur.get(str(i["first_jurisdiction"]), str(i["first_jurisdiction"]))
                                                           for i in items)),
                    "first_date": d["first_date"], "jurisdiction": jur.get(code, code),
                    "decision_date": d["decision_date"], "lag_days": int(d["lag_days"]),
                    "lag_min_days": max(0, (s_ - fe).days), "lag_max_days": (e_ - fs).days,
                    "imprecise": d["precision"] != "day", "order_uncertain": s_ <= fe})
    return out


def first_arrivals(rows: list[Row]) -> list[dict[str, Any]]:
    """Per jurisdiction: products it authorised first; how many of those are ties or rest on a
    date whose period overlaps another jurisdiction's decision (then "first" is not certain)."""
    per: dict[str, dict[str, Row]] = defaultdict(dict)
    for r in sorted((r for r in rows if r["jurisdiction_code"] and r["decision_date"]), key=lambda r: r["date_sort"]):
        per[r["product_id"]].setdefault(r["jurisdiction_code"], r)
    first: Counter[str] = Counter()
    uncertain: Counter[str] = Counter()
    alone: Counter[str] = Counter()
    for arrivals in per.values():
        ordered = sorted(arrivals.values(), key=lambda r: r["date_sort"])
        f = ordered[0]
        fe = span(f["decision_date"])[1]  # type: ignore[index]
        rivals = [a for a in ordered[1:] if span(a["decision_date"])[0] <= fe]  # type: ignore[index]
        first[f["jurisdiction"]] += 1
        if len(ordered) == 1:
            alone[f["jurisdiction"]] += 1
        if rivals:
            uncertain[f["jurisdiction"]] += 1
    return [{"jurisdiction": j, "first": n, "only_there": alone[j], "first_uncertain": uncertain[j]}
            for j, n in sorted(first.items(), key=lambda kv: (-kv[1], kv[0]))]


def lag_summary(lag_rows: list[LagRow], by: str | tuple[str, ...] = "jurisdiction") -> list[dict[str, Any]]:
    """Median and quartiles of lag_days per later jurisdiction (or per `by` pair such as
    ("first_jurisdiction", "jurisdiction")), with how many lags rest on an imprecise date."""
    import statistics

    keys = (by,) if isinstance(by, str) else tuple(by)
    groups: dict[tuple, list[LagRow]] = defaultdict(list)
    for r in lag_rows:
        groups[tuple(r[k] for k in keys)].append(r)
    out = []
    for k, items in groups.items():
        days = sorted(int(r["lag_days"]) for r in items)
        q = statistics.quantiles(days, n=4, method="inclusive") if len(days) > 1 else [days[0]] * 3
        out.append({**dict(zip(keys, k, strict=True)), "products": len(items), "median_days": float(statistics.median(days)),
                    "p25_days": float(q[0]), "p75_days": float(q[2]),
                    "imprecise": sum(1 for r in items if r["imprecise"]),
                    "order_uncertain": sum(1 for r in items if r["order_uncertain"])})
    return sorted(out, key=lambda r: (-r["products"], r["median_days"]))


def claims(store: Store) -> list[Row]:
    return [{k: v or "" for k, v in r.items()} for r in read_table(store, "claims-vs-graph").dicts()]


# ----------------------------------------------------------------------------- pathways and classes

def pathways(store: Store) -> list[Row]:
    return [{k: v or "" for k, v in r.items()} for r in run_named(store, "pathways").dicts()]


def pathway_use(store: Store) -> list[Row]:
    return [{k: v or "" for k, v in r.items()} for r in read_table(store, "pathway-use-by-agency-year").dicts()]


def classes(store: Store) -> list[Row]:
    return [{k: v or "" for k, v in r.items()} for r in run_named(store, "classes").dicts()]


def crosswalk(store: Store) -> list[Row]:
    return [{k: v or "" for k, v in r.items()} for r in read_table(store, "classification-crosswalk").dicts()]


def rows_using_pathway(rows: list[Row], pathway_id: str) -> list[Row]:
    return [r for r in rows if pathway_id in r.get("pathway_codes", "").split(";")]
