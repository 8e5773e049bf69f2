"""The Product page's data: the timeline (decisions, designations, milestones, indications, outcomes, events), review times, identifiers and the regulator's own pages, authorisations side by side."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from pyoxigraph import Store

from cgt_graph.analysis import history
from cgt_graph.sparql.library import run_named
from cgt_graph.sparql.tables import read_table
from cgt_graph.explorer.names import Names, Row, jurisdiction_label, names, products, shown_date, sort_key


def product_history(store: Store, product_id: str) -> list[Row]:
    """Authorisations, designations and status events in date order (dates as the source gives them)."""
    rows = run_named(store, "product-history", {"product": product_id}).dicts()
    return [{k: v or "" for k, v in r.items()} for r in rows]


#: the kinds of entry on a product's timeline, in the order the legend lists them
TIMELINE_KINDS = ("decision", "designation", "milestone", "indication", "negative outcome", "status event")


def _pretty(code: str) -> str:
    return (code or "").replace("-", " ")


def product_timeline(store: Store, product_id: str) -> list[Row]:
    """The product's whole regulatory history, one row per dated record with its source URLs:
    decisions and designations (`product-history`), procedure milestones (`milestones-table`),
    indication decisions (`indications-table`), negative outcomes (`outcomes-table`) and status
    events (`events-table`), in date order by what is known. Dates as precise as the source."""
    rows: list[Row] = []

    def add(date: str | None, jurisdiction: str | None, kind: str, event: str, detail: str,
            sources: str | None) -> None:
        rows.append({"date": date or "", "jurisdiction": jurisdiction or "", "kind": kind, "event": event,
                     "detail": detail, "sources": sources or ""})

    def table(name: str) -> list[Row]:  # the export table's rows of this product, '' for a missing value
        return [{k: v or "" for k, v in r.items()}
                for r in read_table(store, name, where={"product_id": product_id}).dicts()]

    for r in product_history(store, product_id):
        if r["event"] in ("authorised", "designated"):
            add(r["date"], r["jurisdiction"], "decision" if r["event"] == "authorised" else "designation",
                r["event"], r["detail"], r["sources"])
    indications = table("indications-table")
    text = {r["indication_id"]: r["indication"] for r in indications}
    for r in indications:
        line = f" (line of therapy {r['line_of_therapy']})" if r["line_of_therapy"] else ""
        add(r["decision_date"], r["jurisdiction"], "indication", f"indication: {_pretty(r['change'])}",
            f"{r['indication']}{line}", r["sources"])
    for r in table("milestones-table"):
        about = text.get(r["indication_id"], "")
        detail = "; ".join(x for x in (r["detail"], f"for the indication: {about}" if about else "") if x)
        add(r["date"], r["jurisdiction"], "milestone", _pretty(r["milestone"]), detail, r["sources"])
    for r in table("outcomes-table"):
        reason = f": {r['reason']}" if r["reason"] else ""
        add(r["date"], r["jurisdiction"], "negative outcome", _pretty(r["outcome"]),
            f"{r['name']} ({r['agency']}){reason}", r["sources"])
    for r in table("events-table"):
        add(r["date"], r["jurisdiction"], "status event", _pretty(r["event"]), r["detail"], r["sources"])
    rows.sort(key=lambda r: (sort_key(r["date"]), r["jurisdiction"], TIMELINE_KINDS.index(r["kind"])))
    return rows


# ----------------------------------------------------------------------------- review times (history, #14)

REVIEW_BY = {"agency": "Agency", "pathway": "Pathway of the decision"}
REVIEW_PROCEDURES = {"initial": "First authorisations", "indication": "Indication extensions and changes",
                     "all": "Both"}


def review_procedures(store: Store) -> list[Row]:
    """Each review the graph can time (analysis.history.review_pairs), with names for people."""
    n = names(store)
    hits = {h.product_id: h.label for h in products(store)}
    out = []
    for p in history.review_pairs(store):
        pathways = [c for c in str(p["pathways"]).split(";") if c]
        out.append({"product": hits.get(str(p["product_id"]), str(p["product_id"])),
                    "procedure": "first authorisation" if p["procedure"] == "initial" else "indication change",
                    "procedure_kind": str(p["procedure"]),
                    "jurisdiction": jurisdiction_label(n, str(p["jurisdiction"])), "agency": str(p["agency"]),
                    "start": _pretty(str(p["start"])), "start_date": shown_date(str(p["start_date"])),
                    "decision_date": shown_date(str(p["decision_date"])), "days": str(p["days"]),
                    "dates_known_to": "day" if p["day_precision"] else (
                        "month" if p["usable"] else "year (not counted)"),
                    "usable": "yes" if p["usable"] else "",
                    "pathways": "; ".join(n.pathway.get(c, c) for c in pathways),
                    "pathway_list": ";".join(n.pathway.get(c, c) for c in pathways) or "(no pathway recorded)"})
    return out


def review_groups(procedures: list[Row], by: str, procedure: str) -> tuple[list[Row], list[dict[str, Any]]]:
    """The timed reviews in scope, one row per (review, group), and n/median/quartiles per group.

    A group is the agency with its jurisdiction and start milestone (`by="agency"`), or that and one
    pathway of the decision (`by="pathway"`: a review under two pathways counts in both). Reviews whose
    dates are known only to the year are left out (the error would be up to a year)."""
    points: list[Row] = []
    for p in procedures:
        if not p["usable"] or (procedure != "all" and p["procedure_kind"] != procedure):
            continue
        base = f"{p['agency']}, {p['jurisdiction']}, from {p['start']}"
        labels = [base] if by == "agency" else [f"{base} · {w}" for w in p["pathway_list"].split(";")]
        points += [{**p, "group": g} for g in labels]
    groups: dict[str, list[tuple[int, bool]]] = {}
    for pt in points:
        groups.setdefault(pt["group"], []).append((int(pt["days"]), pt["dates_known_to"] == "day"))
    summary = [history.summarise(g, v).row("group") for g, v in sorted(groups.items())]
    for s in summary:
        s["shown"] = f"{s['group']} (n={s['n']})"
    shown = {s["group"]: s["shown"] for s in summary}
    return [{**pt, "shown": shown[pt["group"]]} for pt in points], summary


def timing_claims(store: Store) -> list[dict[str, Any]]:
    """The seed articles' timing claims beside the graph's own figure and a verdict
    (analysis.history.timing_claims), with each claim's statement."""
    statements = {str(r["claim"]): str(r["statement"] or "") for r in run_named(store, "timing-claims").dicts()}
    return [{"statement": statements.get(str(c["claim"]), ""), **c} for c in history.timing_claims(store)]


def first_day(date: str) -> dt.date | None:
    """'2018-08-27' / '2018-08' / '2018' -> the first day of that period; '' -> None."""
    parts = [int(p) for p in date.split("-") if p.isdigit()] if date else []
    if not parts:
        return None
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


IDENTIFIER_NAMES = {"fdaSTN": "FDA STN / BLA", "emaProductNumber": "EMA product number",
                    "nmpaApprovalNumber": "NMPA approval number", "jpApprovalNumber": "Japanese approval number",
                    "din": "Health Canada DIN", "artgId": "ARTG ID"}
#: evidence levels that mean "the regulator's own page" (today `official`; the new model may split it)
OFFICIAL = {"official", "regulator", "official-register"}


def authorisation_identifiers(store: Store) -> dict[str, list[str]]:
    """authorisation id -> ['EMA product number EMEA/H/C/004090', ...] (readable names of the properties)."""
    out: dict[str, list[str]] = defaultdict(list)
    for r in run_named(store, "authorisation-identifiers").dicts():
        prop = (r["property"] or "").rsplit("#", 1)[-1]
        out[r["authorisation_id"] or ""].append(f"{IDENTIFIER_NAMES.get(prop, prop)} {r['value']}")
    return dict(out)


def product_decisions(rows: list[Row], product_id: str) -> list[Row]:
    """The product's authorisations (search rows) in date order, by what is known."""
    return sorted((r for r in rows if r["product_id"] == product_id and r["jurisdiction_code"]),
                  key=lambda r: (r["date_sort"], r["jurisdiction"]))


def side_by_side(decisions: list[Row], identifiers: dict[str, list[str]]) -> list[Row]:
    """One row per field, one column per authorisation (named by its jurisdiction, and date when a
    jurisdiction decided twice): what a regulatory scientist compares across regulators."""
    fields = [("Brand", "brand"), ("Decision date", "date"), ("Decided by", "agency"), ("Status today", "status"),
              ("Regulatory class", "class"), ("Pathways and designations", "pathways"), ("Holder", "holder"),
              ("Indication", "indication"), ("Verified", "verified")]
    names = Counter(d["jurisdiction"] for d in decisions)
    cols = [d["jurisdiction"] if names[d["jurisdiction"]] == 1 else f"{d['jurisdiction']} ({d['decision_date']})"
            for d in decisions]
    out = []
    for title, key in fields:
        row = {"": title}
        for c, d in zip(cols, decisions, strict=True):
            row[c] = d.get(key) or ("not recorded" if key == "verified" else "—")
        out.append(row)
    ids = {"": "Identifiers"}
    for c, d in zip(cols, decisions, strict=True):
        ids[c] = "; ".join(identifiers.get(d["authorisation_id"], [])) or "—"
    out.insert(1, ids)
    return out


def official_links(decisions: list[Row], facts: list[Row], identifiers: dict[str, list[str]], n: Names
                   ) -> list[dict[str, Any]]:
    """Per authorisation: its identifiers and the regulator's own pages that support it (sources
    whose evidence is official), first the regulator's links, then the rest."""
    by_record: dict[str, list[Row]] = defaultdict(list)
    for f in facts:
        if f["evidence"] in OFFICIAL:
            by_record[f["record"]].append(f)
    out: list[dict[str, Any]] = []
    for d in decisions:
        first: dict[str, Row] = {}  # each page once, in the order the facts list them
        for f in by_record.get(d["authorisation_id"], []):
            first.setdefault(f["url"], f)
        links = list(first.values())
        out.append({"jurisdiction": d["jurisdiction"], "identifiers": "; ".join(identifiers.get(d["authorisation_id"], [])),
                    "page": links[0]["url"] if links else "", "title": links[0]["source_title"] if links else
                    "no regulator page cited yet", "publisher": links[0]["publisher"] if links else "",
                    "more": len(links) - 1 if links else 0})
    return out


def product_facts(store: Store, product_id: str) -> list[Row]:
    """Every fact about the product with its source (title, publisher, URL), evidence level,
    confidence and quote."""
    return [{k: v or "" for k, v in r.items()} for r in run_named(store, "product-facts", {"product": product_id}).dicts()]


def class_by_jurisdiction(decisions: list[Row]) -> dict[str, str]:
    out: dict[str, set[str]] = defaultdict(set)
    for d in decisions:
        out[d["jurisdiction"]].add(d["classification"])
    return {j: "; ".join(sorted(v)) for j, v in sorted(out.items())}


# ----------------------------------------------------------------------------- compare
