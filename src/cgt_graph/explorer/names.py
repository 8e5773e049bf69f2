"""Names for people and honest dates: labels of jurisdictions, agencies and modalities; Latin names beside non-Latin brands; a date's precision, span and sort key."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from pyoxigraph import Store

from cgt_graph.sparql.library import run_named
from cgt_graph.sparql.tables import read_table


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
    rows = read_table(store, "products").dicts()  # the build's table on a big graph, else the query
    return [ProductHit(r["product_id"] or "", r["label"] or "", r["nonproprietary_name"] or "",
                       _names(r["brand_names"]), "; ".join(sorted((r["modalities"] or "").split(";"))).strip("; "),
                       r["developer"] or "", ";".join(sorted((r["holders"] or "").split(";"))),  # GROUP_CONCAT: any order
                       r["jurisdictions"] or "",
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


# ----------------------------------------------------------------------------- names

@dataclass
class Names:
    """Codes -> names for what a person reads: jurisdictions, agencies, modalities, classes, pathways.
    `other` holds every other name the graph gives (acronyms, names in the original language,
    alternative labels); `parent` an agency's parent body or a modality's broader modality."""

    jurisdiction: dict[str, str]
    agency: dict[str, str]
    agency_acronym: dict[str, str]
    agency_jurisdiction: dict[str, str]
    modality: dict[str, str]
    pathway: dict[str, str]
    klass: dict[str, str]
    other: dict[tuple[str, str], list[str]]
    parent: dict[tuple[str, str], str]

    def ancestors(self, kind: str, code: str) -> list[str]:
        out, seen = [], set()
        while code and code not in seen:
            seen.add(code)
            out.append(code)
            code = self.parent.get((kind, code), "")
        return out

    def top_modality(self, code: str) -> str:
        chain = self.ancestors("modality", code)
        return chain[-1] if chain else code


def names(store: Store) -> Names:
    n = Names({}, {}, {}, {}, {}, {}, {}, {}, {})
    for r in run_named(store, "explorer-names").dicts():
        kind, code, name = r["kind"] or "", r["code"] or "", r["name"] or ""
        others = [o for o in (r["other_names"] or "").split("|") if o]
        n.other[(kind, code)] = others
        if r["parent"]:
            n.parent[(kind, code)] = r["parent"]
        if kind == "jurisdiction":
            n.jurisdiction[code] = name
        elif kind == "agency":
            n.agency[code] = name
            n.agency_jurisdiction[code] = r["jurisdiction"] or ""
            latin = [o for o in others if o.isascii() and o.replace("-", "").isalnum() and o.upper() == o]
            n.agency_acronym[code] = latin[0] if latin else name
        elif kind == "modality":
            n.modality[code] = name
    for r in run_named(store, "pathways").dicts():
        n.pathway[r["pathway_id"] or ""] = r["name"] or ""
        n.parent[("pathway", r["pathway_id"] or "")] = r["jurisdiction"] or ""
    for r in run_named(store, "classes").dicts():
        n.klass[r["class_id"] or ""] = r["label"] or ""
    n.klass["not-classified"] = "not classified in source"
    return n


def jurisdiction_label(n: Names, code: str) -> str:
    return n.jurisdiction.get(code, code)


def is_latin(text: str) -> bool:
    """True when every letter of `text` is a Latin letter (accents allowed)."""
    return all(not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in text)


def with_latin(brand: str, latin: str) -> str:
    """'睿铂生' + 'relmacabtagene autoleucel' -> '睿铂生 (relmacabtagene autoleucel)'; a Latin brand as is."""
    if not brand or is_latin(brand) or not latin or latin in brand:
        return brand
    return f"{brand} ({latin})"


# ----------------------------------------------------------------------------- dates

PRECISION = {10: "day", 7: "month", 4: "year"}


def precision(date: str) -> str:
    return PRECISION.get(len(date or ""), "")


def span(date: str) -> tuple[dt.date, dt.date] | None:
    """'2022' -> (2022-01-01, 2022-12-31); '2022-02' -> (2022-02-01, 2022-02-28); a day -> (day, day)."""
    parts = [int(p) for p in (date or "").split("-") if p.isdigit()]
    if not parts:
        return None
    if len(parts) == 1:
        return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    if len(parts) == 2:
        first = dt.date(parts[0], parts[1], 1)
        nxt = dt.date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1)
        return first, nxt - dt.timedelta(days=1)
    d = dt.date(parts[0], parts[1], parts[2])
    return d, d


def sort_key(date: str) -> str:
    """Sort by what is known: '2022' after every day of 2022 and '2022-02' after the days of
    February 2022 (the unknown part sorts last, never at the first of the period); '' last."""
    if not date:
        return "9999-99-99"
    parts = date.split("-")
    return "-".join(parts + ["99"] * (3 - len(parts)))


def shown_date(date: str) -> str:
    """How a date reads in a table: '2022 (year only)', '2019-06 (month only)', '2018-08-22'."""
    p = precision(date)
    return f"{date} ({p} only)" if p in ("month", "year") else date


# ----------------------------------------------------------------------------- search

#: facet -> column of a search row holding its stable keys (codes); multi-valued columns hold ";"-joined codes
