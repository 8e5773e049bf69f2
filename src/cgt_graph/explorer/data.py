"""What the explorer shows, as plain data: the page code only lays it out.

Every read goes through the query library (`query.run_named`) or the export
layer built on it; nothing here writes SPARQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from pyoxigraph import Store

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


def norm(text: str) -> str:
    """Folded for matching: NFKC, case-folded, hyphens, slashes and punctuation as spaces
    ("CAR-T", "CAR T" and "car_t" all read "car t")."""
    t = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"\s+", " ", re.sub(r"[-‐‑–—_/·,;:()\[\]\"'’.]", " ", t)).strip()


_SHORT_FORM = re.compile(r"(?<![\w-])([a-z]{2,})-(cel)(?![\w-])")


@dataclass
class Query:
    """A search text, parsed once: phrases that must each start a word of the row (a one-letter
    word is kept with its neighbour: "car t" is one phrase, so "t" alone never matches "therapy"),
    and INN short forms ("cilta-cel": an INN whose first word starts "cilta" and ends in "cel")."""

    text: str
    phrases: list[str]
    short_forms: list[str]
    whole: str

    @classmethod
    def parse(cls, text: str) -> "Query":
        raw = unicodedata.normalize("NFKC", text or "").casefold()
        shorts = [m.group(1) for m in _SHORT_FORM.finditer(raw)]
        rest = _SHORT_FORM.sub(" ", raw)
        words = norm(rest).split()
        phrases: list[str] = []
        for w in words:
            if phrases and (len(w) == 1 or len(phrases[-1].split()[-1]) == 1) and w.isascii():
                phrases[-1] += " " + w
            else:
                phrases.append(w)
        return cls(text, phrases, shorts, norm(text))

    def __bool__(self) -> bool:
        return bool(self.phrases or self.short_forms)


def _short_form_matches(row: Row, prefix: str) -> bool:
    inn = norm(row.get("inn") or row.get("nonproprietary_name") or "")
    words = inn.split()
    if words and words[0].startswith(prefix) and words[-1].endswith("cel"):
        return True
    # a short form the data give as another name ("inati-cel")
    return f"{prefix} cel" in norm(row.get("search_names", ""))


def _phrase_in(phrase: str, hay: str) -> bool:
    if not phrase.isascii():  # Chinese, Japanese, Korean: no spaces between words, match anywhere
        return phrase in hay
    return re.search(r"(?<![0-9a-z])" + re.escape(phrase), hay) is not None


def score(row: Row, q: Query) -> int:
    """0: the row does not match. Otherwise higher is better: a name equal to the search text,
    then a name starting with it, then the text inside a name, then every phrase found."""
    if not q:
        return 1
    names_ = row["hay_names"] if "hay_names" in row else norm(row.get("search_names", ""))
    other = row["hay_other"] if "hay_other" in row else norm(row.get("search_other", ""))
    hay = names_ + " | " + other
    if not all(_phrase_in(p, hay) for p in q.phrases):
        return 0
    if not all(_short_form_matches(row, s) for s in q.short_forms):
        return 0
    fields = [f.strip() for f in names_.split("|")]  # (only for matching rows: the cost stays small)
    if q.short_forms and not q.phrases:
        return 90
    if q.whole in fields:
        return 100
    keys = row.get("hay_keys") or "|" + "|".join(k.strip() for k in norm(row.get("search_keys", "")).split("|")) + "|"
    if q.whole and f"|{q.whole}|" in keys:
        return 95
    if any(f.startswith(q.whole) for f in fields):
        return 80
    if q.whole and _phrase_in(q.whole, names_):
        return 60
    if q.whole and _phrase_in(q.whole, other):
        return 40
    return 20


_SCORES: dict[tuple[int, int, str], tuple[list[Row], list[int]]] = {}


def scores(rows: list[Row], text: str) -> list[int]:
    """score() of every row for `text`, remembered for the last few (rows, text) pairs: the
    table, the facet counts and the empty-result check of one rerun share it."""
    key = (id(rows), len(rows), text)
    if key not in _SCORES:
        if len(_SCORES) > 8:
            _SCORES.clear()
        q = Query.parse(text)
        _SCORES[key] = (rows, [score(r, q) for r in rows])  # holding `rows` keeps its id from being reused
    return _SCORES[key][1]


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
