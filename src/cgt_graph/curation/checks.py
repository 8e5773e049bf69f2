"""The rules of the data model, checked on records before any RDF is made.

Each rule has a short name (shown in brackets in every message) so that a
curator can find it in docs/data-format.md. The SHACL shapes in `ontology/`
restate the rules that can be said in RDF; these checks add what SHACL cannot
locate in a YAML file (file and line) or cannot say (dates against agencies).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from cgt_graph.curation.load import Node, Problem, Record, clip

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
JUR = re.compile(r"^(?:[A-Z]{2})$")
QID = re.compile(r"^Q[1-9][0-9]*$")
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

EVIDENCE = ("official", "peer-reviewed", "secondary", "news")
CONFIDENCE = ("high", "medium", "low")
STATUS = ("authorised", "suspended", "withdrawn", "expired", "revoked")
EVENT_TYPES = ("converted-to-standard", "renewed", "suspended", "withdrawn", "expired",
               "revoked", "reinstated", "indication-extended")
ROLES = ("regulator", "decision-maker", "review-body", "committee", "ministry")
POLICY_TYPES = ("law", "regulation", "guidance", "draft-guidance", "notice", "programme")
POLICY_STATUS = ("in-force", "draft", "superseded", "withdrawn")
METRICS = ("authorised-product-count",)
AUTH_IDENTIFIERS = ("fda-stn", "fda-bla", "ema-product-number", "nmpa-approval-number",
                    "jp-approval-number", "din", "artg-id")
PRODUCT_IDENTIFIERS = ("wikidata", "unii", "chembl", "drugbank", "cas")
NOT_CLASSIFIED = "not-classified"


@dataclass(frozen=True)
class F:
    """A field: its type and whether it is required."""

    type: Any
    required: bool = False


def parse_date(text: str) -> tuple[dt.date, str] | None:
    """'2017-08-30' -> (date, 'day'); '2017-08' -> (2017-08-01, 'month'); None if invalid."""
    m = DATE.match(text)
    if not m:
        return None
    y, mo, d = m.group(1), m.group(2), m.group(3)
    try:
        if d:
            return dt.date(int(y), int(mo), int(d)), "day"
        if mo:
            return dt.date(int(y), int(mo), 1), "month"
        return dt.date(int(y), 1, 1), "year"
    except ValueError:
        return None


SPECS: dict[str, dict[str, F]] = {
    "jurisdiction": {"code": F("jur", True), "name": F("str", True), "wikidata": F("qid")},
    "modality": {"id": F("id", True), "label": F("str", True), "alt_labels": F("strlist"),
                 "broader": F(("ref", "modality")), "definition": F("str", True)},
    "source": {"id": F("id", True), "url": F("url", True), "title": F("str", True),
               "publisher": F("str", True), "published": F("date"), "accessed": F("date", True),
               "evidence": F(("enum", EVIDENCE), True), "language": F("str"), "note": F("str")},
    "agency": {"id": F("id", True), "name": F("str", True), "acronym": F("str"),
               "name_original": F("str"), "jurisdiction": F(("ref", "jurisdiction"), True),
               "roles": F(("enumlist", ROLES), True), "part_of": F(("ref", "agency")),
               "predecessor": F(("ref", "agency")), "established": F("date"),
               "ended": F("date"), "homepage": F("url"), "note": F("str"),
               "sources": F("citations", True)},
    "pathway-kind": {"id": F("id", True), "name": F("str", True), "definition": F("str", True)},
    "pathway": {"id": F("id", True), "name": F("str", True), "acronym": F("str"),
                "name_original": F("str"),
                "jurisdiction": F(("ref", "jurisdiction"), True), "agency": F(("ref", "agency"), True),
                "kind": F(("ref", "pathway-kind"), True), "introduced": F("date", True),
                "ended": F("date"),
                "legal_basis": F("str", True), "grants": F("str", True),
                "close_match": F(("refs", "pathway")), "note": F("str"),
                "sources": F("citations", True)},
    "scheme": {"id": F("id", True), "name": F("str", True), "name_original": F("str"),
               "jurisdiction": F(("ref", "jurisdiction"), True),
               "policy": F(("ref", "policy")), "note": F("str"), "sources": F("citations", True)},
    "class": {"id": F("id", True), "label": F("str", True), "label_original": F("str"),
              "broader": F(("ref", "class")), "definition": F("str", True),
              "close_match": F(("refs", "class")), "exact_match": F(("refs", "class")),
              "note": F("str"), "sources": F("citations", True)},
    "product": {"id": F("id", True), "inn": F("str"), "nonproprietary_name": F("str", True),
                "other_names": F("strlist"),
                "brand_names": F("strlist"), "modalities": F(("refs", "modality"), True),
                "developer": F("str"), "description": F("str"),
                "identifiers": F(("identifiers", PRODUCT_IDENTIFIERS)), "note": F("str"),
                "sources": F("citations", True)},
    "authorisation": {"id": F("id"), "product": F(("ref", "product"), True),
                      "jurisdiction": F(("ref", "jurisdiction"), True),
                      "agency": F(("ref", "agency"), True), "reviewed_by": F(("refs", "agency")),
                      "brand_name": F("str"), "decision_date": F("date", True),
                      "holder": F("str", True), "indication": F("str", True),
                      "status": F(("enum", STATUS), True), "status_date": F("date"),
                      "pathways": F(("refs", "pathway")), "classification": F("classification", True),
                      "classification_sources": F("citations"),
                      "identifiers": F(("identifiers", AUTH_IDENTIFIERS)), "events": F("events"),
                      "note": F("str"), "sources": F("citations", True)},
    "designation": {"id": F("id"), "product": F(("ref", "product"), True),
                    "pathway": F(("ref", "pathway"), True), "date": F("date"),
                    "indication": F("str"), "identifier": F("str"), "note": F("str"),
                    "sources": F("citations", True)},
    "policy": {"id": F("id", True), "title": F("str", True), "title_original": F("str"),
               "type": F(("enum", POLICY_TYPES), True), "agency": F(("ref", "agency"), True),
               "jurisdiction": F(("ref", "jurisdiction"), True), "date": F("date", True),
               "status": F(("enum", POLICY_STATUS), True), "summary": F("str", True),
               "note": F("str"), "sources": F("citations", True)},
    "claim": {"id": F("id", True), "statement": F("str", True),
              "jurisdiction": F(("ref", "jurisdiction")), "modality": F(("ref", "modality")),
              "metric": F(("enum", METRICS), True), "value": F("int", True),
              "as_of": F("date", True), "period_start": F("date"), "pathway": F(("ref", "pathway")),
              "part_of": F(("ref", "claim")), "note": F("str"),
              "sources": F("citations", True)},
}
# when a curator last checked the record against its sources (issue #18): on every kind
for _spec in SPECS.values():
    _spec["verified"] = F("date")

CITATION = {"source": F(("ref", "source"), True), "quote": F("str", True),
            "confidence": F(("enum", CONFIDENCE))}
EVENT = {"type": F(("enum", EVENT_TYPES), True), "date": F("date", True), "note": F("str"),
         "sources": F("citations")}


def record_key(rec: Record) -> str:
    """The identifier of a record within its kind (default ids filled in)."""
    d = rec.data
    if rec.kind == "jurisdiction":
        return str(d.get("code", ""))
    if rec.kind == "authorisation" and not d.get("id"):
        return f"{d.get('product')}-{str(d.get('jurisdiction', '')).lower()}"
    if rec.kind == "designation" and not d.get("id"):
        return f"{d.get('product')}-{d.get('pathway')}"
    return str(d.get("id", ""))


class Index:
    """Records by kind and key, for reference resolution."""

    def __init__(self, records: list[Record]):
        self.by_kind: dict[str, dict[str, Record]] = defaultdict(dict)
        self.duplicates: list[tuple[Record, Record]] = []
        for rec in records:
            key = record_key(rec)
            rec.extra["id"] = key
            table = self.by_kind[rec.kind]
            if key in table:
                self.duplicates.append((table[key], rec))
            else:
                table[key] = rec

    def get(self, kind: str, key: str) -> Record | None:
        return self.by_kind.get(kind, {}).get(key)


def check(records: list[Record], today: dt.date | None = None) -> list[Problem]:
    """All rule violations in the records, in file order."""
    today = today or dt.date.today()
    idx = Index(records)
    problems: list[Problem] = []
    for first, dup in idx.duplicates:
        problems.append(dup.problem("duplicate-id", f"{dup.kind} id {clip(record_key(dup))} already defined at {first.file}:{first.line}", "id"))
    for rec in records:
        spec = SPECS.get(rec.kind)
        if spec is None:  # pragma: no cover - layout and specs agree
            continue
        problems.extend(_check_fields(rec, rec.data, spec, idx, today, ""))
    problems.extend(_cross_rules(records, idx, today))
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.rule))


def _check_fields(rec: Record, data: Node, spec: dict[str, F], idx: Index, today: dt.date,
                  prefix: str) -> list[Problem]:
    out: list[Problem] = []
    for key in data:
        if key not in spec:
            allowed = ", ".join(spec)
            out.append(rec_problem(rec, data, key, "unknown-key", f"unknown field {prefix}{clip(key)} (allowed: {allowed})"))
    for key, f in spec.items():
        value = data.get(key)
        if value is None or value == [] or value == "":
            if f.required:
                out.append(rec_problem(rec, data, None, "required", f"missing required field {prefix}{clip(key)}"))
            continue
        out.extend(_check_value(rec, data, key, f.type, value, idx, today, prefix))
    return out


def rec_problem(rec: Record, data: Node, key: str | None, rule: str, message: str) -> Problem:
    line = data.line_of(key) if key else data.line
    return Problem(rec.file, line, rec.extra.get("id") or rec.id or None, rule, message)


def _check_value(rec: Record, data: Node, key: str, typ: Any, value: Any, idx: Index,
                 today: dt.date, prefix: str) -> list[Problem]:
    name = prefix + key

    def bad(rule: str, msg: str) -> list[Problem]:
        return [rec_problem(rec, data, key, rule, msg)]

    if typ == "str":
        if not isinstance(value, str) or not value.strip():
            return bad("type", f"{name} must be text, got {clip(value, 60)}")
        return []
    if typ == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            return bad("type", f"{name} must be an integer, got {clip(value, 60)}")
        return []
    if typ == "id":
        if not isinstance(value, str) or not SLUG.match(value):
            return bad("id-format", f"{name} must be a lowercase slug [a-z0-9-], got {clip(value, 60)}")
        return []
    if typ == "jur":
        if not isinstance(value, str) or not (JUR.match(value)):
            return bad("jurisdiction-code", f"{name} must be an ISO 3166-1 alpha-2 code or EU, got {clip(value)}")
        return []
    if typ == "qid":
        if not isinstance(value, str) or not QID.match(value):
            return bad("type", f"{name} must be a Wikidata QID like Q30, got {clip(value)}")
        return []
    if typ == "url":
        if not isinstance(value, str) or not URL.match(value):
            return bad("url", f"{name} must be an http(s) URL, got {clip(value, 80)}")
        return []
    if typ == "date":
        text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
        parsed = parse_date(text) if text else None
        if parsed is None:
            return bad("date-format", f"{name} must be YYYY-MM-DD, YYYY-MM or YYYY and a real date, got {clip(value)}")
        if parsed[0] > today:
            return bad("future-date", f"{name} {text} is in the future")
        return []
    if typ == "strlist":
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            return bad("type", f"{name} must be a list of text")
        return []
    if typ == "citations":
        if not isinstance(value, list):
            return bad("type", f"{name} must be a list of citations")
        out: list[Problem] = []
        seen: set[tuple[str, str]] = set()
        for item in value:
            if not isinstance(item, Node):
                out += bad("citation", f"each of {name} must be a mapping with source and quote, got {clip(item, 60)}")
                continue
            out += _check_fields(rec, item, CITATION, idx, today, f"{name}.")
            src = idx.get("source", str(item.get("source")))
            if src is not None:
                pair = (str(item.get("source")), str(item.get("quote", "")).strip())
                if pair in seen:
                    out.append(rec_problem(rec, item, "source", "duplicate-citation", f"source {clip(item.get('source'))} cited twice with the same quote in {name}"))
                seen.add(pair)
                if src.data.get("evidence") in ("secondary", "news") and not item.get("confidence"):
                    out.append(rec_problem(rec, item, "source", "confidence-required",
                                           f"source {clip(item.get('source'))} is {src.data.get('evidence')}: give a confidence (high, medium, low)"))
        return out
    if typ == "events":
        if not isinstance(value, list):
            return bad("type", f"{name} must be a list")
        out = []
        for item in value:
            if not isinstance(item, Node):
                out += bad("type", f"each of {name} must be a mapping")
                continue
            out += _check_fields(rec, item, EVENT, idx, today, f"{name}.")
        return out
    if typ == "classification":
        if value == NOT_CLASSIFIED:
            return []
        if not isinstance(value, str) or idx.get("class", value) is None:
            return bad("unknown-class", f"{name} {clip(value)} is not a class in data/classifications/ (or use not-classified)")
        return []
    kind = typ[0]
    if kind == "ref":
        if not isinstance(value, str) or idx.get(typ[1], value) is None:
            return bad(f"unknown-{typ[1]}", f"{name} {clip(value)} is not a known {typ[1]}")
        return []
    if kind == "refs":
        if not isinstance(value, list):
            return bad("type", f"{name} must be a list of {typ[1]} ids")
        out = []
        for v in value:
            if not isinstance(v, str) or idx.get(typ[1], v) is None:
                out += bad(f"unknown-{typ[1]}", f"{name}: {clip(v)} is not a known {typ[1]}")
        if len(set(map(str, value))) != len(value):
            out += bad("duplicate-value", f"{name} lists a value twice")
        return out
    if kind == "enum":
        if value not in typ[1]:
            return bad("vocabulary", f"{name} {clip(value)} is not one of: {', '.join(typ[1])}")
        return []
    if kind == "enumlist":
        if not isinstance(value, list) or not value:
            return bad("type", f"{name} must be a non-empty list")
        return [p for v in value if v not in typ[1]
                for p in bad("vocabulary", f"{name}: {clip(v)} is not one of: {', '.join(typ[1])}")]
    if kind == "identifiers":
        if not isinstance(value, Node):
            return bad("type", f"{name} must be a mapping")
        out = []
        for k, v in value.items():
            if k not in typ[1]:
                out.append(rec_problem(rec, value, k, "unknown-key", f"unknown identifier {clip(k)} (allowed: {', '.join(typ[1])})"))
            elif not isinstance(v, (str, int)) or isinstance(v, bool):
                out.append(rec_problem(rec, value, k, "type", f"identifier {k} must be text"))
            elif k == "wikidata" and not QID.match(str(v)):
                out.append(rec_problem(rec, value, k, "type", f"wikidata must be a QID, got {clip(v)}"))
        return out
    raise AssertionError(typ)  # pragma: no cover


def _date(rec: Record, key: str) -> dt.date | None:
    v = rec.data.get(key)
    p = parse_date(str(v)) if v is not None else None
    return p[0] if p else None


def end_of_period(text: str) -> dt.date | None:
    parsed = parse_date(text)
    if not parsed:
        return None
    d, prec = parsed
    if prec == "year":
        return dt.date(d.year, 12, 31)
    if prec == "month":
        nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    return d


def _cross_rules(records: list[Record], idx: Index, today: dt.date) -> list[Problem]:
    out: list[Problem] = []
    urls: dict[str, Record] = {}
    inns: dict[str, Record] = {}
    authorised_products: set[str] = set()
    for rec in records:
        d = rec.data
        if rec.kind == "source":
            url = str(d.get("url", "")).rstrip("/")
            if url and url in urls:
                out.append(rec.problem("duplicate-url", f"url already registered as source {clip(urls[url].id)} ({urls[url].file}:{urls[url].line})", "url"))
            urls.setdefault(url, rec)
        elif rec.kind == "product":
            inn = d.get("inn")
            if isinstance(inn, str):
                key = inn.strip().lower()
                if key in inns:
                    out.append(rec.problem("duplicate-inn", f"INN {clip(inn)} already used by product {clip(inns[key].id)}", "inn"))
                inns.setdefault(key, rec)
        elif rec.kind == "authorisation":
            authorised_products.add(str(d.get("product")))
            out.extend(_authorisation_rules(rec, idx))
        elif rec.kind == "designation":
            pw = idx.get("pathway", str(d.get("pathway")))
            if pw is not None and d.get("date"):
                out.extend(_not_before(rec, "date", pw.data.get("agency"), idx))
        elif rec.kind == "pathway":
            ag = idx.get("agency", str(d.get("agency")))
            if ag is not None and ag.data.get("jurisdiction") != d.get("jurisdiction"):
                out.append(rec.problem("jurisdiction-mismatch", f"agency {clip(ag.id)} belongs to {ag.data.get('jurisdiction')}, pathway to {d.get('jurisdiction')}", "agency"))
        elif rec.kind == "class":
            broader = d.get("broader")
            b = idx.get("class", str(broader)) if broader else None
            if b is not None and b.extra.get("scheme") != rec.extra.get("scheme"):
                out.append(rec.problem("scheme-mismatch", f"broader class {clip(broader)} is in another scheme", "broader"))
        elif rec.kind == "agency":
            for key in ("ended",):
                if d.get(key) and _date(rec, key) and _date(rec, "established") and _date(rec, key) < _date(rec, "established"):  # type: ignore[operator]
                    out.append(rec.problem("date-order", "ended before established", key))
    for rec in idx.by_kind.get("product", {}).values():
        if rec.id not in authorised_products:
            out.append(rec.problem("no-authorisation", f"product {clip(rec.id)} has no authorisation in data/authorisations/"))
    return out


def _not_before(rec: Record, key: str, agency_id: Any, idx: Index) -> list[Problem]:
    """A decision cannot predate the agency that took it (nor its predecessors' chain)."""
    ag = idx.get("agency", str(agency_id)) if agency_id else None
    when = end_of_period(str(rec.data.get(key)))
    if ag is None or when is None:
        return []
    est = _date(ag, "established")
    if est is not None and when < est:
        return [rec.problem("before-agency", f"{key} {rec.data.get(key)} is before {ag.id} was established ({ag.data.get('established')})", key)]
    return []


def _authorisation_rules(rec: Record, idx: Index) -> list[Problem]:
    d = rec.data
    out: list[Problem] = []
    jur = d.get("jurisdiction")
    ag = idx.get("agency", str(d.get("agency")))
    if ag is not None and ag.data.get("jurisdiction") != jur:
        out.append(rec.problem("jurisdiction-mismatch", f"agency {clip(ag.id)} is in {ag.data.get('jurisdiction')}, not {jur}", "agency"))
    out.extend(_not_before(rec, "decision_date", d.get("agency"), idx))
    for pid in d.get("pathways") or []:
        pw = idx.get("pathway", str(pid))
        if pw is not None and pw.data.get("jurisdiction") != jur:
            out.append(rec.problem("jurisdiction-mismatch", f"pathway {clip(pid)} belongs to {pw.data.get('jurisdiction')}, not {jur}", "pathways"))
    cls = d.get("classification")
    c = idx.get("class", str(cls)) if cls and cls != NOT_CLASSIFIED else None
    if c is not None:
        scheme = idx.get("scheme", str(c.extra.get("scheme")))
        if scheme is not None and scheme.data.get("jurisdiction") != jur:
            out.append(rec.problem("jurisdiction-mismatch", f"class {clip(cls)} is in the {scheme.data.get('jurisdiction')} scheme {clip(scheme.id)}, not {jur}'s", "classification"))
    dec = _date(rec, "decision_date")
    for ev in d.get("events") or []:
        if isinstance(ev, Node) and dec is not None:
            p = parse_date(str(ev.get("date")))
            end = end_of_period(str(ev.get("date")))
            if p and end and end < dec:
                out.append(rec_problem(rec, ev, "date", "date-order", f"event {ev.get('type')} on {ev.get('date')} is before the decision ({d.get('decision_date')})"))
    if d.get("status") not in (None, "authorised") and not (d.get("status_date") or d.get("events")):
        out.append(rec.problem("status-date", f"status {clip(d.get('status'))} needs a status_date or an event saying when", "status"))
    return out

