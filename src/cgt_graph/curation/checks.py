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
        self._keys: dict[str, tuple[tuple[Field, ...], frozenset[str]]] = {}
        self._types: dict[str, tuple[Any, Any]] = {}  # type name -> (Type, its compiled pattern)

    def _class_keys(self, cls: Class) -> tuple[tuple[Field, ...], frozenset[str]]:
        got = self._keys.get(cls.name)
        if got is None:
            keys = tuple(cls.keys)
            got = self._keys[cls.name] = (keys, frozenset(f.name for f in keys))
        return got

    def fields(self, rec: Record, data: Node, cls: Class, prefix: str) -> list[Problem]:
        out: list[Problem] = []
        keys, allowed = self._class_keys(cls)
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
        typed = self._types.get(f.range)
        if typed is None:
            t0 = self.m.types.get(f.range)
            typed = self._types[f.range] = (t0, compiled_pattern(t0.pattern) if t0 and t0.pattern else None)
        t, type_pattern = typed
        if f.range == "text" and not f.pattern and type(value) is str:  # the common case: non-empty text
            return [] if value.strip() else bad("type", f"{name} must be {t.description if t else 'text'}, got {_short(value)}")
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
        if type_pattern is not None and not type_pattern.search(text):
            return bad(TYPE_RULES.get(f.range, "type"), f"{name} must be {t.description if t else f.range}, got {_short(value)}")
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
