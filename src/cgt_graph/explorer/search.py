"""The Search page's data: one row per authorisation, facets with stable keys, text search (names, acronyms, short forms, brands in any script) and ranking; why a result is empty."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from functools import lru_cache
from itertools import chain
from typing import Iterable, Mapping

from pyoxigraph import Store

from cgt_graph.sparql.tables import read_table
from cgt_graph.explorer.ranking import norm, scores
from cgt_graph.explorer.names import Names, ProductHit, Row, is_latin, jurisdiction_label, names, precision, products, shown_date, sort_key, with_latin


FACETS = {"modality": "modality_all_codes", "jurisdiction": "jurisdiction_code", "pathway": "pathway_codes",
          "class": "class_code", "status": "status", "holder": "holder"}
FACET_TITLES = {"modality": "Modality", "jurisdiction": "Jurisdiction", "pathway": "Pathway or designation",
                "class": "Regulatory class", "status": "Status", "holder": "Holder"}
MULTI = {"modality_top_codes", "modality_all_codes", "modality_codes", "pathway_codes"}

#: the Search table: what a person reads first, then the rest; the CSV adds the codes
SEARCH_COLUMNS = ["product", "brand", "jurisdiction", "date", "status", "modality", "agency", "holder", "pathways",
                  "class", "indication", "verified", "sources"]
CSV_COLUMNS = ["product", "brand_name", "nonproprietary_name", "jurisdiction", "jurisdiction_code", "agency",
               "decision_date", "date_precision", "status", "modality", "modality_codes", "pathways", "pathway_codes",
               "class", "class_code", "holder", "indication", "verified", "sources", "confidence", "product_id",
               "authorisation_id"]
ROW_KEYS = CSV_COLUMNS + ["brand", "date", "date_sort", "modality_top", "modality_top_codes", "modality_all_codes", "search_names", "search_keys",
                          "search_other", "inn"]


def authorisation_rows(store: Store) -> list[Row]:
    """The export table's query (`authorisations-table`), every column kept (the id too)."""
    rows = []
    for r in read_table(store, "authorisations-table").dicts():  # the build's table on a big graph, else the query
        row = {k: v or "" for k, v in r.items()}
        for c in ("modality", "pathways", "sources"):
            row[c] = ";".join(sorted(v for v in row[c].split(";") if v))
        rows.append(row)
    return rows


def search_rows(store: Store, n: Names | None = None) -> list[Row]:
    """One row per authorisation (and one per product with none): readable names beside the
    codes they stand for, and the text each row is searched by."""
    n = n or names(store)
    hits = {h.product_id: h for h in products(store)}
    details = {r["authorisation_id"]: r for r in read_table(store, "explorer-authorisation-details").dicts()}
    rows: list[Row] = []

    def product_names(h: ProductHit | None, inn: str, other: list[str]) -> str:
        if h is None:
            return ""
        return " | ".join([h.label, h.nonproprietary_name, h.brand_names.replace("; ", " | "), inn, *other])

    @lru_cache(maxsize=None)  # a few hundred distinct lists of codes among 20,000 rows at 100x
    def modality_fields(codes: tuple[str, ...]) -> dict[str, str]:
        tops = sorted({n.top_modality(c) for c in codes})
        every = sorted({a for c in codes for a in n.ancestors("modality", c)})
        alts = [x for c in codes for x in n.other.get(("modality", c), [])]
        return {"modality": "; ".join(sorted(n.modality.get(c, c) for c in codes)),
                "modality_codes": ";".join(sorted(codes)),
                "modality_top": "; ".join(n.modality.get(t, t) for t in tops),
                "modality_top_codes": ";".join(tops),
                "modality_all_codes": ";".join(every),
                "modality_alt": " | ".join(alts)}

    latin_ = lru_cache(maxsize=None)(is_latin)
    for r in authorisation_rows(store):
        h = hits.get(r["product_id"])
        d = details.get(r.get("authorisation_id", ""), {})
        other = [o for o in (d.get("other_names") or "").split("|") if o]
        agencies = [a for a in [d.get("decided_by") or "", *(d.get("reviewed_by") or "").split(";")] if a]
        chain = []
        for a in agencies:
            chain += [x for x in n.ancestors("agency", a) if x not in chain]
        agency_names = [y for a in chain for y in [n.agency.get(a, a), *n.other.get(("agency", a), [])]]
        jcode = r["jurisdiction"]
        latin = next((b for b in (h.brand_names.split("; ") if h else []) if b and latin_(b)),
                     r["nonproprietary_name"])
        codes = tuple(c for c in r["modality"].split(";") if c)
        pw_codes = [p for p in r["pathways"].split(";") if p]
        row = {
            "product": h.label if h else r["product_id"],
            "brand_name": r["brand_name"], "brand": with_latin(r["brand_name"], latin),
            "nonproprietary_name": r["nonproprietary_name"], "inn": d.get("inn") or "",
            "jurisdiction": jurisdiction_label(n, jcode), "jurisdiction_code": jcode,
            "agency": n.agency_acronym.get(d.get("decided_by") or "", r["agency"]),
            "decision_date": r["decision_date"], "date": shown_date(r["decision_date"]),
            "date_precision": precision(r["decision_date"]), "date_sort": sort_key(r["decision_date"]),
            "status": r["status"],
            "pathways": "; ".join(sorted(f"{n.pathway.get(p, p)}" for p in pw_codes)),
            "pathway_codes": ";".join(pw_codes),
            "class": n.klass.get(r["classification"], r["classification"]), "class_code": r["classification"],
            "holder": r["holder"], "indication": r["indication"], "verified": d.get("verified") or "",
            "sources": r["sources"], "confidence": r["confidence"], "product_id": r["product_id"],
            "authorisation_id": r.get("authorisation_id", ""),
            "search_names": product_names(h, d.get("inn") or "", other) + " | " + r["brand_name"],
            **modality_fields(codes),
        }
        pw_alts = [x for p in pw_codes for x in n.other.get(("pathway", p), [])]
        # what names the row's place exactly: "China", "CN", "EMA", "国家药品监督管理局"
        row["search_keys"] = " | ".join([row["jurisdiction"], jcode, *agency_names])
        row["search_other"] = " | ".join([row["jurisdiction"], jcode, *agency_names, row["modality"], row["modality_alt"],
                                          row["modality_top"], row["pathways"], *pw_alts, row["class"], r["status"],
                                          r["holder"], h.developer if h else "", r["indication"]])
        rows.append(row)
    for h in hits.values():
        if h.authorisations == 0:
            row = dict.fromkeys(ROW_KEYS, "")
            codes = tuple(c for c, lab in n.modality.items() if lab in h.modalities.split("; "))
            row.update(product=h.label, brand_name=h.brand_names, brand=h.brand_names,
                       nonproprietary_name=h.nonproprietary_name, status="no authorisation recorded",
                       product_id=h.product_id, date_sort=sort_key(""), **modality_fields(codes))
            row["search_names"] = product_names(h, "", [])
            row["search_other"] = " | ".join([row["modality"], row["modality_alt"], row["modality_top"], h.developer])
            rows.append(row)
    fold = lru_cache(maxsize=None)(norm)  # rows of one product or one place share their text
    for row in rows:  # folded once here, not on every keystroke (18,000 rows at 100x)
        row["hay_names"] = fold(row["search_names"])
        row["hay_other"] = fold(row["search_other"])
        row["hay_keys"] = "|" + "|".join(k.strip() for k in fold(row.get("search_keys", "")).split("|")) + "|"
    _index(rows)
    return rows


def _values(row: Row, column: str) -> list[str]:
    v = row.get(column, "")
    if column in MULTI:
        return [x for x in (s.strip() for s in v.split(";")) if x]
    return [v] if v else []


def _matches_facets(row: Row, selected: Mapping[str, Iterable[str]], skip: str | None = None) -> bool:
    for facet, chosen in selected.items():
        chosen = set(chosen)
        if facet == skip or not chosen or facet not in FACETS:
            continue
        if not chosen & set(_values(row, FACETS[facet])):
            return False
    return True


_INDEX: dict[tuple[int, int], tuple[list[Row], list[dict[str, frozenset[str]]], list[tuple[str, str, str]]]] = {}


def _index(rows: list[Row]) -> tuple[list[dict[str, frozenset[str]]], list[tuple[str, str, str]]]:
    """Per row, its values of every facet and its place in the table (product, then date by what
    is known, then jurisdiction): made once per list of rows (search_rows makes it), not on every
    rerun, like `ranking.scores`."""
    key = (id(rows), len(rows))
    if key not in _INDEX:
        if len(_INDEX) > 8:
            _INDEX.clear()
        values: list[dict[str, frozenset[str]]] = [{} for _ in rows]
        for facet, column in FACETS.items():
            seen: dict[str, frozenset[str]] = {}  # a few hundred distinct cells per column among 20,000 rows
            for vals, r in zip(values, rows, strict=True):
                cell = r.get(column, "")
                if cell not in seen:
                    seen[cell] = frozenset(_values(r, column))
                vals[facet] = seen[cell]
        _INDEX[key] = (rows, values, [(r["product"].casefold(), r["date_sort"], r["jurisdiction"]) for r in rows])
    return _INDEX[key][1], _INDEX[key][2]


def _chosen(selected: Mapping[str, Iterable[str]] | None) -> dict[str, set[str]]:
    return {f: set(v) for f, v in (selected or {}).items() if f in FACETS and v and set(v)}


def filter_rows(rows: list[Row], text: str = "", selected: Mapping[str, Iterable[str]] | None = None) -> list[Row]:
    """The rows the search text and the facets give, best match first (then product, then
    date by what is known)."""
    chosen = _chosen(selected)
    values, order = _index(rows)
    hits = [i for i, s in enumerate(scores(rows, text))
            if s and all(c & values[i][f] for f, c in chosen.items())]
    score = scores(rows, text)
    hits.sort(key=lambda i: (-score[i], order[i]))
    return [rows[i] for i in hits]


def facet_options(rows: list[Row], n: Names | None = None) -> dict[str, list[str]]:
    """Every value of every facet over the whole data set: the options never change while
    a user filters, so a chosen value is always still there."""
    out: dict[str, set[str]] = defaultdict(set)
    # modalities in tree order: each broader modality followed by its narrower ones
    modality_path = {c: " / ".join(reversed([n.modality.get(a, a).casefold() for a in n.ancestors("modality", c)]))
                     for c in n.modality} if n else {}
    for vals in _index(rows)[0]:
        for facet in FACETS:
            out[facet].update(vals[facet])
    opts = {f: sorted(out[f], key=str.casefold) for f in FACETS}
    opts["modality"] = sorted(out["modality"], key=lambda c: modality_path.get(c, c))
    return opts


def facet_label(n: Names, facet: str, value: str) -> str:
    """The name a person reads for a facet value (the value itself is the stable key)."""
    if facet == "jurisdiction":
        return n.jurisdiction.get(value, value)
    if facet == "modality":  # options in tree order: a broader modality, then its narrower ones
        return n.modality.get(value, value)
    if facet == "pathway":
        j = n.parent.get(("pathway", value), "")
        return f"{n.pathway.get(value, value)}" + (f" ({n.jurisdiction.get(j, j)})" if j else "")
    if facet == "class":
        j = value.split("-")[0].upper()
        return f"{n.klass.get(value, value)}" + (f" ({n.jurisdiction.get(j, j)})" if j in n.jurisdiction else "")
    return value


def facet_counts(rows: list[Row], text: str = "", selected: Mapping[str, Iterable[str]] | None = None
                 ) -> dict[str, list[tuple[str, int]]]:
    """For each facet, its values with the number of rows the table would show if that value
    alone were chosen for the facet (the other facets and the text applied), most frequent first.
    For a single-valued facet with nothing chosen, the counts add up to the table's rows."""
    selected = selected or {}
    chosen = _chosen(selected)
    values, _ = _index(rows)
    every: list[dict[str, frozenset[str]]] = []  # rows every chosen facet lets through: they count for each facet
    all_but: dict[str, list[dict[str, frozenset[str]]]] = {f: [] for f in FACETS}  # only that facet stops them
    for s, vals in zip(scores(rows, text), values, strict=True):
        if not s:
            continue
        failed = [f for f, c in chosen.items() if not c & vals[f]]
        if not failed:
            every.append(vals)
        elif len(failed) == 1:
            all_but[failed[0]].append(vals)
    out: dict[str, list[tuple[str, int]]] = {}
    for facet in FACETS:
        counter = Counter(chain.from_iterable(v[facet] for v in every))
        counter.update(chain.from_iterable(v[facet] for v in all_but[facet]))
        for v in selected.get(facet, []):  # a chosen value stays listed even at 0
            counter.setdefault(v, 0)
        out[facet] = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0].lower()))
    return out


def why_empty(rows: list[Row], text: str, selected: Mapping[str, Iterable[str]]) -> list[str]:
    """When the search gives nothing: which filter emptied it. Returns the names of the
    filters ("text" or a facet) that, removed alone, give rows again; [] when only removing
    several would."""
    culprits = []
    if text and filter_rows(rows, "", selected):
        culprits.append("text")
    for facet, chosen in selected.items():
        if chosen and filter_rows(rows, text, {f: v for f, v in selected.items() if f != facet}):
            culprits.append(facet)
    return culprits


def to_csv(rows: list[Row], columns: list[str] | None = None) -> bytes:
    columns = columns or CSV_COLUMNS
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


# ----------------------------------------------------------------------------- product page
