"""The Search page's data: one row per authorisation, facets with stable keys, text search (names, acronyms, short forms, brands in any script) and ranking; why a result is empty."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from typing import Iterable, Mapping

from pyoxigraph import Store

from cgt_graph.sparql.library import run_named
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
    for r in run_named(store, "authorisations-table").dicts():
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
    details = {r["authorisation_id"]: r for r in run_named(store, "explorer-authorisation-details").dicts()}
    rows: list[Row] = []

    def product_names(h: ProductHit | None, inn: str, other: list[str]) -> str:
        if h is None:
            return ""
        return " | ".join([h.label, h.nonproprietary_name, h.brand_names.replace("; ", " | "), inn, *other])

    def modality_fields(codes: list[str]) -> dict[str, str]:
        tops = sorted({n.top_modality(c) for c in codes})
        every = sorted({a for c in codes for a in n.ancestors("modality", c)})
        alts = [x for c in codes for x in n.other.get(("modality", c), [])]
        return {"modality": "; ".join(sorted(n.modality.get(c, c) for c in codes)),
                "modality_codes": ";".join(sorted(codes)),
                "modality_top": "; ".join(n.modality.get(t, t) for t in tops),
                "modality_top_codes": ";".join(tops),
                "modality_all_codes": ";".join(every),
                "modality_alt": " | ".join(alts)}

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
        latin = next((b for b in (h.brand_names.split("; ") if h else []) if b and is_latin(b)),
                     r["nonproprietary_name"])
        codes = [c for c in r["modality"].split(";") if c]
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
            codes = [c for c, lab in n.modality.items() if lab in h.modalities.split("; ")]
            row.update(product=h.label, brand_name=h.brand_names, brand=h.brand_names,
                       nonproprietary_name=h.nonproprietary_name, status="no authorisation recorded",
                       product_id=h.product_id, date_sort=sort_key(""), **modality_fields(codes))
            row["search_names"] = product_names(h, "", [])
            row["search_other"] = " | ".join([row["modality"], row["modality_alt"], row["modality_top"], h.developer])
            rows.append(row)
    for row in rows:  # folded once here, not on every keystroke (18,000 rows at 100x)
        row["hay_names"] = norm(row["search_names"])
        row["hay_other"] = norm(row["search_other"])
        row["hay_keys"] = "|" + "|".join(k.strip() for k in norm(row.get("search_keys", "")).split("|")) + "|"
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


def filter_rows(rows: list[Row], text: str = "", selected: Mapping[str, Iterable[str]] | None = None) -> list[Row]:
    """The rows the search text and the facets give, best match first (then product, then
    date by what is known)."""
    selected = selected or {}
    hits = [(s, r) for s, r in zip(scores(rows, text), rows, strict=True) if s and _matches_facets(r, selected)]
    hits.sort(key=lambda sr: (-sr[0], sr[1]["product"].casefold(), sr[1]["date_sort"], sr[1]["jurisdiction"]))
    return [r for _, r in hits]


def facet_options(rows: list[Row], n: Names | None = None) -> dict[str, list[str]]:
    """Every value of every facet over the whole data set: the options never change while
    a user filters, so a chosen value is always still there."""
    out: dict[str, set[str]] = defaultdict(set)
    # modalities in tree order: each broader modality followed by its narrower ones
    modality_path = {c: " / ".join(reversed([n.modality.get(a, a).casefold() for a in n.ancestors("modality", c)]))
                     for c in n.modality} if n else {}
    for r in rows:
        for facet, column in FACETS.items():
            out[facet].update(_values(r, column))
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
    base = [r for s, r in zip(scores(rows, text), rows, strict=True) if s]
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
