"""The rules of the data model, checked on records before any RDF is made.

Per-record rules (types, required fields, enumerations, patterns, references to other
records) come from the one schema, `schema/cgt_graph.yaml`, read by `model.py`: this module
only interprets it. Each rule has a short name (shown in brackets in every message) so that a
curator can find it in docs/data-format.md. Cross-record rules that need the whole data set
(dates against agencies, jurisdictions that must agree, duplicates) follow `check`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

from cgt_graph.curation.load import Node, Problem, Record, clip
from cgt_graph.curation.model import TYPE_RULES, Class, Field, Model, compiled_pattern, model

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
NOT_CLASSIFIED = "not-classified"


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


def record_key(rec: Record) -> str:
    """The identifier of a record within its kind (default ids filled in)."""
    d = rec.data
    if rec.kind == "jurisdiction":
        return str(d.get("code", ""))
    if rec.kind == "authorisation" and not d.get("id"):
        return f"{d.get('product')}-{str(d.get('jurisdiction', '')).lower()}"
    if rec.kind == "designation" and not d.get("id"):
        return f"{d.get('product')}-{d.get('pathway')}"
    if rec.kind == "milestone":  # history (#14): milestones have no id of their own
        key = f"{d.get('authorisation')}-{d.get('milestone')}-{d.get('date')}"
        return f"{key}-{d.get('indication')}" if d.get("indication") else key
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
    m = model()
    idx = Index(records)
    problems: list[Problem] = []
    for first, dup in idx.duplicates:
        problems.append(dup.problem("duplicate-id", f"{dup.kind} id {clip(record_key(dup))} already defined at {first.file}:{first.line}", "id"))
    checker = _Checker(m, idx, today)
    for rec in records:
        problems.extend(checker.fields(rec, rec.data, m.by_kind(rec.kind), ""))
    problems.extend(_cross_rules(records, idx, today))
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.rule))


def rec_problem(rec: Record, data: Node, key: str | None, rule: str, message: str) -> Problem:
    line = data.line_of(key) if key else data.line
    return Problem(rec.file, line, rec.extra.get("id") or rec.id or None, rule, message)


def _short(value: Any, n: int = 60) -> str:
    """repr of a value, cut to n characters without building the repr of a huge value first."""
    if isinstance(value, str):
        return repr(value[: n + 1])[: n + 2]
    if isinstance(value, (list, dict)):
        return f"<{type(value).__name__} of {len(value)}>"
    return repr(value)[:n]


class _Checker:
    """The schema's per-record rules, interpreted."""

    def __init__(self, m: Model, idx: Index, today: dt.date):
        self.m, self.idx, self.today = m, idx, today

    def fields(self, rec: Record, data: Node, cls: Class, prefix: str) -> list[Problem]:
        out: list[Problem] = []
        keys = cls.keys
        allowed = {f.name for f in keys}
        for key in data:
            if key not in allowed:
                what = "identifier" if cls.name.endswith("Identifiers") else "field"
                out.append(rec_problem(rec, data, key, "unknown-key",
                                       f"unknown {what} {prefix}{clip(key)} (allowed: {', '.join(f.name for f in keys)})"))
        for f in keys:
            value = data.get(f.name)
            if value is None or value == [] or value == "":
                if f.required:
                    out.append(rec_problem(rec, data, None, "required", f"missing required field {prefix}{clip(f.name)}"))
                continue
            out.extend(self.value(rec, data, f, value, prefix))
        return out

    def value(self, rec: Record, data: Node, f: Field, value: Any, prefix: str) -> list[Problem]:
        name = prefix + f.name

        def bad(rule: str, msg: str) -> list[Problem]:
            return [rec_problem(rec, data, f.name, rule, msg)]

        if f.multivalued:
            if not isinstance(value, list):
                return bad("type", f"{name} must be a list")
            out: list[Problem] = []
            for item in value:
                out += self.one(rec, data, f, item, name, bad)
            if self.m.classes.get(f.range) is not None and self.m.kind_of(f.range) is None:
                if f.range == "Citation":
                    out += self._duplicate_citations(rec, value, name)
            elif len({str(v) for v in value}) != len(value):
                out += bad("duplicate-value", f"{name} lists a value twice")
            return out
        return self.one(rec, data, f, value, name, bad)

    def one(self, rec: Record, data: Node, f: Field, value: Any, name: str, bad: Any) -> list[Problem]:
        m = self.m
        if f.range in m.enums:
            enum = m.enums[f.range]
            if value not in enum.values:
                return bad("vocabulary", f"{name}: {_short(value)} is not one of: {', '.join(enum.values)}")
            return []
        cls = m.classes.get(f.range)
        if cls is not None and cls.kind is not None:  # a reference to another record
            if f.annotations.get("or_value") and value == f.annotations["or_value"]:
                return []
            if not isinstance(value, str) or self.idx.get(cls.kind, value) is None:
                rule = "unknown-class" if cls.kind == "class" else f"unknown-{cls.kind}"
                extra = " in data/classifications/ (or use not-classified)" if cls.kind == "class" else ""
                return bad(rule, f"{name} {_short(value)} is not a known {cls.kind}{extra}")
            return []
        if cls is not None:  # an inline mapping (citation, event, identifiers)
            if not isinstance(value, Node):
                what = "a mapping with source and quote" if cls.name == "Citation" else "a mapping"
                return bad("citation" if cls.name == "Citation" else "type", f"each of {name} must be {what}, got {_short(value)}")
            out = self.fields(rec, value, cls, f"{name}.")
            if cls.name == "Citation":
                out += self._confidence(rec, value)
            return out
        return self.scalar(f, value, name, bad)

    def scalar(self, f: Field, value: Any, name: str, bad: Any) -> list[Problem]:
        t = self.m.types.get(f.range)
        base = t.base if t else f.range
        if base in ("decimal", "float"):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return bad("type", f"{name} must be a number, got {_short(value)}")
            if t and t.minimum is not None and value < t.minimum:
                return bad("type", f"{name} must be at least {t.minimum}, got {value}")
            return []
        if base == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                return bad("type", f"{name} must be an integer, got {_short(value)}")
            if t and t.minimum is not None and value < t.minimum:
                return bad("type", f"{name} must be at least {t.minimum}, got {value}")
            return []
        if isinstance(value, bool) or not isinstance(value, (str, int)) or (isinstance(value, int) and (t is None or t.check != "date")):
            return bad("type", f"{name} must be text, got {_short(value)}")
        text = str(value)
        if t and t.pattern and not compiled_pattern(t.pattern).search(text):
            return bad(TYPE_RULES.get(f.range, "type"), f"{name} must be {t.description}, got {_short(value)}")
        if f.pattern and not compiled_pattern(f.pattern).search(text):
            return bad("type", f"{name} must be {f.annotations.get('pattern_says') or 'text matching ' + f.pattern}, got {_short(value)}")
        if t and t.check == "date":
            parsed = parse_date(text)
            if parsed is None:
                return bad("date-format", f"{name} must be YYYY-MM-DD, YYYY-MM or YYYY and a real date, got {_short(value)}")
            if parsed[0] > self.today:
                return bad("future-date", f"{name} {text} is in the future")
        return []

    def _duplicate_citations(self, rec: Record, items: list[Any], name: str) -> list[Problem]:
        out, seen = [], set()
        for item in items:
            if not isinstance(item, Node) or self.idx.get("source", str(item.get("source"))) is None:
                continue
            pair = (str(item.get("source")), str(item.get("quote", "")).strip())
            if pair in seen:
                out.append(rec_problem(rec, item, "source", "duplicate-citation", f"source {clip(item.get('source'))} cited twice with the same quote in {name}"))
            seen.add(pair)
        return out

    def _confidence(self, rec: Record, item: Node) -> list[Problem]:
        src = self.idx.get("source", str(item.get("source")))
        if src is not None and src.data.get("evidence") in ("secondary", "news") and not item.get("confidence"):
            return [rec_problem(rec, item, "source", "confidence-required",
                                f"source {clip(item.get('source'))} is {src.data.get('evidence')}: give a confidence (high, medium, low)")]
        return []


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
        elif rec.kind in ("milestone", "indication", "outcome"):  # history (#14)
            out.extend(_history_rules(rec, idx))
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


# history (#14) ---------------------------------------------------------------------------

def _history_rules(rec: Record, idx: Index) -> list[Problem]:
    """Procedure milestones, indication decisions and negative outcomes against their authorisation.

    milestone-after-decision   a milestone (other than the decision itself or a goal date) dated after the decision
                               it leads to: the authorisation's, or its indication's for a variation
    indication-mismatch        a milestone's indication belongs to another authorisation
    extension-before-approval  an extension, line-of-therapy change, restriction or removal dated
                               before the authorisation's first decision
    jurisdiction-mismatch      an indication's pathway, or an outcome's agency, of another jurisdiction
    outcome-needs-source       (the `required` rule on `sources`: an outcome, like every record, cites a page)
    """
    d = rec.data
    out: list[Problem] = []
    if rec.kind == "milestone":
        auth = idx.get("authorisation", str(d.get("authorisation")))
        ind = idx.get("indication", str(d.get("indication"))) if d.get("indication") else None
        if ind is not None and auth is not None and ind.data.get("authorisation") != record_key(auth):
            out.append(rec.problem("indication-mismatch", f"indication {clip(ind.id)} belongs to authorisation {clip(ind.data.get('authorisation'))}, not {clip(record_key(auth))}", "indication"))
            return out
        target, key = (ind, "decision_date") if ind is not None else (auth, "decision_date")
        # a decision is the end of the procedure; a goal date is a target that an early decision beats
        if target is None or d.get("milestone") in ("decision", "goal-date"):
            return out
        start = parse_date(str(d.get("date")))
        dec_end = end_of_period(str(target.data.get(key)))
        if start and dec_end and start[0] > dec_end:
            what = f"indication {clip(target.id)}" if ind is not None else f"authorisation {clip(record_key(target))}"
            out.append(rec.problem("milestone-after-decision", f"{d.get('milestone')} on {d.get('date')} is after the decision of {what} ({target.data.get(key)})", "date"))
    elif rec.kind == "indication":
        auth = idx.get("authorisation", str(d.get("authorisation")))
        if auth is None:
            return out
        if d.get("change") != "initial":
            end = end_of_period(str(d.get("decision_date")))
            first = parse_date(str(auth.data.get("decision_date")))
            if end and first and end < first[0]:
                out.append(rec.problem("extension-before-approval", f"{d.get('change')} on {d.get('decision_date')} is before the first approval of {clip(record_key(auth))} ({auth.data.get('decision_date')})", "decision_date"))
        for pid in d.get("pathways") or []:
            pw = idx.get("pathway", str(pid))
            if pw is not None and pw.data.get("jurisdiction") != auth.data.get("jurisdiction"):
                out.append(rec.problem("jurisdiction-mismatch", f"pathway {clip(pid)} belongs to {pw.data.get('jurisdiction')}, not {auth.data.get('jurisdiction')}", "pathways"))
    elif rec.kind == "outcome":
        ag = idx.get("agency", str(d.get("agency")))
        if ag is not None and ag.data.get("jurisdiction") != d.get("jurisdiction"):
            out.append(rec.problem("jurisdiction-mismatch", f"agency {clip(ag.id)} is in {ag.data.get('jurisdiction')}, not {d.get('jurisdiction')}", "agency"))
        out.extend(_not_before(rec, "date", d.get("agency"), idx))
    return out
