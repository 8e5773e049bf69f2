"""Regulatory history analyses (#14): review times, time to extension, conversions, negative outcomes.

Each reads a library query (`queries/*.rq`) and summarises with n, median and quartiles; never a bare mean.
Durations are counted from the first day of each date's period (`cgt:sortDate`), so a date known only to the
month can be off by up to a month: every summary says how many of its pairs are precise to the day.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any, Iterable

from pyoxigraph import Store

from cgt_graph.sparql.library import run_named

# which start milestone measures a review: the regulator's own clock start first
START_PREFERENCE = {"EU": ("validation", "submission", "acceptance")}
DEFAULT_PREFERENCE = ("submission", "validation", "acceptance")
BY = ("agency", "pathway", "modality", "year", "procedure", "all")


@dataclass
class Summary:
    group: str
    n: int
    n_day_precision: int
    median_days: float | None
    q1_days: float | None
    q3_days: float | None
    min_days: int | None
    max_days: int | None

    def row(self, label: str) -> dict[str, Any]:
        def months(d: float | None) -> float | None:
            return None if d is None else round(d / 30.4375, 1)

        return {label: self.group, "n": self.n, "n_day_precision": self.n_day_precision,
                "median_days": _fmt(self.median_days), "q1_days": _fmt(self.q1_days), "q3_days": _fmt(self.q3_days),
                "median_months": months(self.median_days), "q1_months": months(self.q1_days),
                "q3_months": months(self.q3_days), "min_days": self.min_days, "max_days": self.max_days}


def _fmt(x: float | None) -> object:
    if x is None:
        return None
    return int(x) if float(x).is_integer() else round(x, 1)


def _neg(iso: str) -> int:
    """Sort key that puts later dates first."""
    return -dt.date.fromisoformat(iso).toordinal()


def _days(a: str, b: str) -> int:
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


def summarise(group: str, values: list[tuple[int, bool]]) -> Summary:
    """n, median and quartiles (inclusive method: quartiles of the data themselves, fine for small n)."""
    days = sorted(v for v, _ in values)
    n = len(days)
    if n == 0:
        return Summary(group, 0, 0, None, None, None, None, None)
    med = statistics.median(days)
    if n >= 2:
        q1, _, q3 = statistics.quantiles(days, n=4, method="inclusive")
    else:
        q1 = q3 = float(days[0])
    return Summary(group, n, sum(1 for _, day in values if day), med, q1, q3, days[0], days[-1])


def review_pairs(store: Store) -> list[dict[str, Any]]:
    """One row per procedure: its start milestone, decision and days between.

    The start is the preferred kind of milestone (START_PREFERENCE) and, among those, the latest: a
    resubmission after a complete response letter restarts the clock of the application that was approved.
    A pair with a date known only to the year is listed but not `usable` (the error would be up to a year).
    """
    best: dict[str, dict[str, Any]] = {}
    for r in run_named(store, "review-time-pairs").dicts():
        pref = START_PREFERENCE.get(str(r["jurisdiction"]), DEFAULT_PREFERENCE)
        rank = pref.index(str(r["start_milestone"]))
        key = str(r["procedure_id"])
        cur = best.get(key)
        if cur is None or (rank, _neg(str(r["start_sort"]))) < (cur["_rank"], _neg(str(cur["start_sort"]))):
            best[key] = {**r, "_rank": rank}
    rows = []
    for key in sorted(best, key=lambda k: (str(best[k]["jurisdiction"]), k)):
        r = best[key]
        days = _days(str(r["start_sort"]), str(r["decision_sort"]))
        rows.append({"procedure_id": key, "procedure": r["procedure"], "product_id": r["product_id"],
                     "jurisdiction": r["jurisdiction"], "agency": r["agency"], "start": r["start_milestone"],
                     "start_date": r["start_date"], "decision_date": r["decision_date"], "days": days,
                     "day_precision": r["start_precision"] == "day" and r["decision_precision"] == "day",
                     "usable": "year" not in (r["start_precision"], r["decision_precision"]),
                     "pathways": r.get("pathways") or "", "modalities": r.get("modalities") or "",
                     "designations": r.get("designations") or "", "decision_sort": r["decision_sort"],
                     "year": str(r["decision_sort"])[:4]})
    return rows


def _groups(row: dict[str, Any], by: str) -> Iterable[str]:
    base = f"{row['agency']} ({row['jurisdiction']}, {row['start']}->decision)"
    if by == "all":
        return [base]
    if by == "agency":
        return [base]
    if by == "procedure":
        return [f"{base} {row['procedure']}"]
    if by == "year":
        return [f"{base} {row['year']}"]
    values = [v for v in str(row["pathways" if by == "pathway" else "modalities"]).split(";") if v] or ["(none)"]
    return [f"{base} {v}" for v in values]


def review_times(store: Store, by: str = "agency", procedure: str | None = "initial") -> list[dict[str, Any]]:
    """Review time summaries. procedure: 'initial' (first authorisations), 'indication' (variations) or None (both)."""
    groups: dict[str, list[tuple[int, bool]]] = {}
    for row in review_pairs(store):
        if (procedure and row["procedure"] != procedure) or not row["usable"]:
            continue
        for g in _groups(row, by):
            groups.setdefault(g, []).append((int(row["days"]), bool(row["day_precision"])))
    return [summarise(g, v).row("group") for g, v in sorted(groups.items())]


def extension_lags(store: Store) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each extension with its days since first approval, and a summary per jurisdiction and change."""
    rows = []
    groups: dict[str, list[tuple[int, bool]]] = {}
    for r in run_named(store, "extension-lags").dicts():
        days = _days(str(r["first_sort"]), str(r["decision_sort"]))
        day = r["first_precision"] == "day" and r["decision_precision"] == "day"
        usable = "year" not in (r["first_precision"], r["decision_precision"])
        rows.append({"indication_id": r["indication_id"], "product_id": r["product_id"], "jurisdiction": r["jurisdiction"],
                     "change": r["change"], "line_of_therapy": r["line_of_therapy"], "first_approval": r["first_approval"],
                     "decision_date": r["decision_date"], "days_since_first_approval": days if usable else None})
        if not usable:  # a date known only to the year: listed, not summarised
            continue
        groups.setdefault(f"{r['jurisdiction']} {r['change']}", []).append((days, day))
        groups.setdefault(f"{r['jurisdiction']} (all changes)", []).append((days, day))
    return rows, [summarise(g, v).row("group") for g, v in sorted(groups.items())]


def conversions(store: Store) -> list[dict[str, Any]]:
    rows = []
    for r in run_named(store, "conversions").dicts():
        days = _days(str(r["decision_sort"]), str(r["event_sort"])) if r.get("event_sort") else None
        rows.append({"authorisation_id": r["authorisation_id"], "jurisdiction": r["jurisdiction"],
                     "pathway": r.get("pathway") or "", "decision_date": r["decision_date"],
                     "conversion": r.get("event") or "(none recorded)", "conversion_date": r.get("event_date") or "",
                     "days_to_conversion": days})
    return rows


def outcomes_by_agency_year(store: Store) -> list[dict[str, Any]]:
    return [dict(r) for r in run_named(store, "outcomes-by-agency-year").dicts()]


def timing_claims(store: Store) -> list[dict[str, Any]]:
    """Each timing claim beside the graph's own figure for the nearest scope it can measure, and a verdict.

    The graph measures calendar days from the start of a review (FDA submission or acceptance; EMA validation
    or submission) to the decision, for the procedures whose milestones a page gives; it holds no clinical
    trial applications and no clock-stops.
    """
    pairs = [p for p in review_pairs(store) if p["usable"] and p["procedure"] == "initial"]
    out = []
    for c in run_named(store, "timing-claims").dicts():
        metric, claimed = str(c["metric"]), float(str(c["claimed"]))
        start = str(c.get("period_start") or "")[:10]
        end = str(c["period_end"])
        scope = [p for p in pairs if (not c.get("jurisdiction") or p["jurisdiction"] == c["jurisdiction"])]
        if c.get("pathway"):
            pw = str(c["pathway"])
            scope = [p for p in scope if pw in str(p["pathways"]).split(";") or pw in str(p.get("designations") or "").split(";")]
        row: dict[str, Any] = {"claim": c["claim"], "metric": metric, "claimed": c["claimed"], "graph_scope": "none",
                                  "unit": "", "graph_n": 0, "graph_median": None, "graph_q1": None, "graph_q3": None,
                                  "graph_mean": None}
        if metric == "mean-approval-time-months":
            year = [p for p in scope if (not start or str(p["decision_sort"]) >= start) and str(p["decision_sort"]) <= end]
            s = summarise("", [(int(p["days"]), bool(p["day_precision"])) for p in year]).row("g")
            mean = round(statistics.mean(int(p["days"]) for p in year) / 30.4375, 1) if year else None
            row.update({"graph_scope": f"first authorisations decided {start[:4] or '...'}-{end[:4]}, all agencies",
                        "unit": "months", "graph_n": s["n"], "graph_median": s["median_months"],
                        "graph_q1": s["q1_months"], "graph_q3": s["q3_months"], "graph_mean": mean,
                        "verdict": _verdict_mean(claimed, s["n"], mean)})
        elif metric == "review-clock-days":
            s = summarise("", [(int(p["days"]), bool(p["day_precision"])) for p in scope]).row("g")
            row.update({"graph_scope": f"{c.get('jurisdiction') or 'all'} first authorisations"
                                       + (f" with {c['pathway']}" if c.get("pathway") else "")
                                       + ", calendar days start->decision",
                        "unit": "days", "graph_n": s["n"], "graph_median": s["median_days"], "graph_q1": s["q1_days"],
                        "graph_q3": s["q3_days"],
                        "verdict": "not comparable: the claim is an active review clock without clock-stops or the "
                                   "Commission decision; the graph holds calendar time and no clock-stops"})
        else:
            row["verdict"] = "cannot support: the graph holds no clinical trial applications"
        row["sources"] = c["sources"]
        out.append(row)
    return out


def _verdict_mean(claimed: float, n: int, mean: float | None) -> str:
    if n == 0 or mean is None:
        return "cannot support: no procedure with both dates in that period"
    if n < 5:
        return f"too few procedures to test (n={n}); graph mean {mean} vs claimed {claimed} months, undefined scope"
    return f"graph mean {mean} vs claimed {claimed} months (n={n}); the claim's scope and start event are undefined"
