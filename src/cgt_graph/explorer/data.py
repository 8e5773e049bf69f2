"""What the explorer shows, as plain data: the page code only lays it out.

Every read goes through the query library (`query.run_named`) or the export
layer built on it; nothing here writes SPARQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping

from pyoxigraph import Store

from cgt_graph.publish.table import authorisation_rows
from cgt_graph.sparql.library import run_named

Row = dict[str, str]


@dataclass
class ProductHit:
    product_id: str
    label: str
    nonproprietary_name: str
    brand_names: str
    modalities: str
    developer: str
    holders: str
    jurisdictions: str
    authorisations: int


def _names(joined: str | None) -> str:
    """'KYMRIAH;Kymriah' -> 'Kymriah': one spelling per name, preferring mixed case."""
    best: dict[str, str] = {}
    for name in (joined or "").split(";"):
        if name and (name.lower() not in best or best[name.lower()].isupper()):
            best[name.lower()] = name
    return "; ".join(sorted(best.values(), key=str.lower))


def products(store: Store) -> list[ProductHit]:
    rows = run_named(store, "products").dicts()
    return [ProductHit(r["product_id"] or "", r["label"] or "", r["nonproprietary_name"] or "",
                       _names(r["brand_names"]), "; ".join(sorted((r["modalities"] or "").split(";"))).strip("; "),
                       r["developer"] or "", r["holders"] or "", r["jurisdictions"] or "",
                       int(r["authorisations"] or 0))
            for r in rows]


def search(hits: list[ProductHit], text: str) -> list[ProductHit]:
    """Case-insensitive match of every word on names, modalities, holders and jurisdictions."""
    words = [w for w in text.lower().split() if w]
    if not words:
        return hits

    def haystack(h: ProductHit) -> str:
        return " ".join([h.product_id, h.label, h.nonproprietary_name, h.brand_names, h.modalities,
                         h.developer, h.holders, h.jurisdictions]).lower()
    return [h for h in hits if all(w in haystack(h) for w in words)]


def product_authorisations(store: Store, product_id: str) -> list[dict[str, str | None]]:
    return run_named(store, "product-authorisations", {"product": product_id}).dicts()


# ----------------------------------------------------------------------------- search

#: facet name -> column of a search row; multi-valued columns hold "; "-joined values
FACETS = {"modality": "modality", "jurisdiction": "jurisdiction", "pathway": "pathways",
          "class": "class", "status": "status", "holder": "holder"}
MULTI = {"modality", "pathways"}
SEARCH_COLUMNS = ["product", "brand_name", "nonproprietary_name", "modality", "jurisdiction", "agency",
                  "decision_date", "status", "pathways", "class", "holder", "indication", "product_id",
                  "authorisation_id"]


ROW_KEYS = ["product", "brand_name", "nonproprietary_name", "modality", "modality_codes", "jurisdiction", "agency",
            "decision_date", "status", "pathways", "pathway_codes", "class", "class_code", "holder", "indication",
            "sources", "confidence", "product_id", "authorisation_id"]


def pathway_names(store: Store) -> dict[str, str]:
    """pathway id -> 'US: Regenerative Medicine Advanced Therapy designation'."""
    return {r["pathway_id"] or "": f"{r['jurisdiction']}: {r['name']}" for r in run_named(store, "pathways").dicts()}


def class_names(store: Store) -> dict[str, str]:
    """class id -> 'EU: Gene therapy medicinal product'."""
    names = {r["class_id"] or "": f"{r['jurisdiction']}: {r['label']}" for r in run_named(store, "classes").dicts()}
    names["not-classified"] = "not classified in source"
    return names


def search_rows(store: Store) -> list[Row]:
    """One row per authorisation (and one per product with none), with readable names for
    modality, pathway and class: what the Search page filters and facets."""
    hits = {h.product_id: h for h in products(store)}
    pw, cl = pathway_names(store), class_names(store)
    rows: list[Row] = []
    for r in authorisation_rows(store):
        h = hits.get(r["product_id"])
        rows.append({
            "product": h.label if h else r["product_id"],
            "brand_name": r["brand_name"], "nonproprietary_name": r["nonproprietary_name"],
            "modality": h.modalities if h else r["modality"], "modality_codes": r["modality"],
            "jurisdiction": r["jurisdiction"], "agency": r["agency"], "decision_date": r["decision_date"],
            "status": r["status"],
            "pathways": "; ".join(sorted(pw.get(p, p) for p in r["pathways"].split(";") if p)),
            "pathway_codes": r["pathways"],
            "class": cl.get(r["classification"], r["classification"]), "class_code": r["classification"],
            "holder": r["holder"], "indication": r["indication"], "sources": r["sources"],
            "confidence": r["confidence"], "product_id": r["product_id"],
            "authorisation_id": r.get("authorisation_id", ""),
        })
    for h in hits.values():
        if h.authorisations == 0:
            rows.append(dict.fromkeys(ROW_KEYS, ""))
            rows[-1].update(product=h.label, brand_name=h.brand_names, nonproprietary_name=h.nonproprietary_name,
                            modality=h.modalities, status="no authorisation recorded", product_id=h.product_id)
    return rows


def _values(row: Row, column: str) -> list[str]:
    v = row.get(column, "")
    if column in MULTI:
        return [x for x in (s.strip() for s in v.split(";")) if x]
    return [v] if v else []


_NOT_SEARCHED = {"sources", "confidence"}  # URLs would match almost any word


def _haystack(row: Row) -> str:
    return " ".join(v for k, v in row.items() if k not in _NOT_SEARCHED).lower()


def _matches_text(row: Row, words: list[str]) -> bool:
    """Every word starts a word of the row: "eu" finds EU and eu-atmp-gtmp, not leukaemia."""
    hay = _haystack(row)
    return all(re.search(r"(?<![a-z0-9])" + re.escape(w), hay) for w in words)


def _matches_facets(row: Row, selected: Mapping[str, Iterable[str]], skip: str | None = None) -> bool:
    for facet, chosen in selected.items():
        chosen = set(chosen)
        if facet == skip or not chosen:
            continue
        if not chosen & set(_values(row, FACETS[facet])):
            return False
    return True


def filter_rows(rows: list[Row], text: str = "", selected: Mapping[str, Iterable[str]] | None = None) -> list[Row]:
    """Rows where every word of `text` starts a word of the row (names, holder, modality, pathway,
    class, status, jurisdiction, agency, indication, and their ids) and, per facet, any of its
    chosen values."""
    words = [w for w in text.lower().split() if w]
    selected = selected or {}
    return [r for r in rows if _matches_text(r, words) and _matches_facets(r, selected)]


def facet_counts(rows: list[Row], text: str = "", selected: Mapping[str, Iterable[str]] | None = None
                 ) -> dict[str, list[tuple[str, int]]]:
    """For each facet, its values with the number of rows the table would show if that value
    alone were chosen for the facet (the other facets and the text applied), most frequent first.
    For a single-valued facet with nothing chosen, the counts add up to the table's rows."""
    words = [w for w in text.lower().split() if w]
    selected = selected or {}
    base = [r for r in rows if _matches_text(r, words)]
    out: dict[str, list[tuple[str, int]]] = {}
    for facet, column in FACETS.items():
        counter: Counter[str] = Counter()
        for r in base:
            if _matches_facets(r, selected, skip=facet):
                counter.update(set(_values(r, column)))
        for v in selected.get(facet, []):  # a chosen value stays listed even at 0
            counter.setdefault(v, 0)
        out[facet] = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0].lower()))
    return out


def to_csv(rows: list[Row], columns: list[str] | None = None) -> bytes:
    columns = columns or (list(rows[0]) if rows else SEARCH_COLUMNS)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


# ----------------------------------------------------------------------------- product page

def product_history(store: Store, product_id: str) -> list[Row]:
    """Authorisations, designations and status events in date order (dates as the source gives them)."""
    rows = run_named(store, "product-history", {"product": product_id}).dicts()
    return [{k: v or "" for k, v in r.items()} for r in rows]


def first_day(date: str) -> dt.date | None:
    """'2018-08-27' / '2018-08' / '2018' -> the first day of that period; '' -> None."""
    parts = [int(p) for p in date.split("-") if p.isdigit()] if date else []
    if not parts:
        return None
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def product_decisions(store: Store, product_id: str) -> list[Row]:
    """One row per authorisation of the product (the per-source rows folded), in date order."""
    seen: dict[str, Row] = {}
    for r in product_authorisations(store, product_id):
        aid = r["authorisation_id"] or ""
        if aid not in seen:
            seen[aid] = {k: r.get(k) or "" for k in ("jurisdiction", "decision_date", "agency", "brand_name", "holder",
                                                     "indication", "status", "classification", "pathways",
                                                     "authorisation_id")}
    return list(seen.values())


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


def lags(store: Store) -> list[Row]:
    """Months from a product's first authorisation anywhere to each later jurisdiction."""
    out = []
    for r in run_named(store, "lag-to-later-jurisdictions").dicts():
        if r["jurisdiction"] != r["first_jurisdiction"]:
            out.append({k: v or "" for k, v in r.items()})
    return out


def claims(store: Store) -> list[Row]:
    return [{k: v or "" for k, v in r.items()} for r in run_named(store, "claims-vs-graph").dicts()]


# ----------------------------------------------------------------------------- pathways and classes

def pathways(store: Store) -> list[Row]:
    return [{k: v or "" for k, v in r.items()} for r in run_named(store, "pathways").dicts()]


def pathway_use(store: Store) -> list[Row]:
    return [{k: v or "" for k, v in r.items()} for r in run_named(store, "pathway-use-by-agency-year").dicts()]


def classes(store: Store) -> list[Row]:
    return [{k: v or "" for k, v in r.items()} for r in run_named(store, "classes").dicts()]


def crosswalk(store: Store) -> list[Row]:
    return [{k: v or "" for k, v in r.items()} for r in run_named(store, "classification-crosswalk").dicts()]


def rows_using_pathway(rows: list[Row], pathway_id: str) -> list[Row]:
    return [r for r in rows if pathway_id in r.get("pathway_codes", "").split(";")]
