"""`cgt-graph diff OLD NEW`: what changed between two releases, in the field's terms.

Compares the releases' tables (tables/*.csv) record by record, and their N-Quads
line by line for a triple count. A change is one row: (what, id, field, old, new).

    authorisation-added / authorisation-removed
    authorisation-withdrawn (or -suspended, -expired, -revoked, -reinstated): the status changed
    decision-date-corrected, holder-changed, indication-changed, classification-changed, pathways-changed,
    brand-name-changed, agency-changed
    product-added / product-removed / product-renamed (brand names changed, same IRI) / product-changed
    source-added / source-removed / source-changed (URL, title, publisher, dates, evidence)
    pathway-added / -removed / -changed, class-added / -removed / -changed
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from cgt_graph.errors import CgtError
from cgt_graph.publish.tables import TABLES

KIND = {"authorisations": "authorisation", "products": "product", "pathways": "pathway",
        "classes": "class", "sources": "source"}
AUTH_FIELDS = {"decision_date": "decision-date-corrected", "holder": "holder-changed",
               "indication": "indication-changed", "classification": "classification-changed",
               "pathways": "pathways-changed", "brand_name": "brand-name-changed", "agency": "agency-changed",
               "product_id": "product-changed", "jurisdiction": "jurisdiction-changed"}
IGNORED = {"sources", "confidence", "citations"}  # evidence bookkeeping, reported through sources-*
COLUMNS = ["change", "id", "field", "old", "new"]


class DiffError(CgtError):
    """A folder is not a release (exit code 2)."""


@dataclass(frozen=True)
class Change:
    change: str
    id: str
    field: str = ""
    old: str = ""
    new: str = ""


def _table(release: Path, name: str) -> dict[str, dict[str, str]]:
    path = release / "tables" / f"{name}.csv"
    if not path.is_file():
        raise DiffError(f"{release} is not a cgt-graph release: {path} is missing")
    key = TABLES[name][1][0]
    with open(path, encoding="utf-8", newline="") as fh:
        return {row[key]: row for row in csv.DictReader(fh)}


def _lines(release: Path) -> set[str]:
    path = release / "cgt-graph.nq"
    if not path.is_file():
        raise DiffError(f"{release} is not a cgt-graph release: {path} is missing")
    return set(path.read_text(encoding="utf-8").splitlines())


def diff(old: Path, new: Path) -> tuple[list[Change], dict[str, int]]:
    changes: list[Change] = []
    for name, kind in KIND.items():
        a, b = _table(old, name), _table(new, name)
        for key in sorted(b.keys() - a.keys()):
            changes.append(Change(f"{kind}-added", key, "", "", _summary(name, b[key])))
        for key in sorted(a.keys() - b.keys()):
            changes.append(Change(f"{kind}-removed", key, "", _summary(name, a[key]), ""))
        for key in sorted(a.keys() & b.keys()):
            for field in TABLES[name][1][1:]:
                if field in IGNORED or a[key].get(field, "") == b[key].get(field, ""):
                    continue
                x, y = a[key].get(field, ""), b[key].get(field, "")
                if name == "authorisations":
                    what = ("authorisation-reinstated" if y == "authorised" else f"authorisation-{y}") if field == "status" else AUTH_FIELDS.get(field, "authorisation-changed")
                elif name == "products" and field == "brand_names":
                    what = "product-renamed"
                else:
                    what = f"{kind}-changed"
                changes.append(Change(what, key, field, x, y))
    before, after = _lines(old), _lines(new)
    stats = {"quads_old": len(before), "quads_new": len(after), "quads_added": len(after - before),
             "quads_removed": len(before - after)}
    return changes, stats


def _summary(table: str, row: dict[str, str]) -> str:
    if table == "authorisations":
        return f"{row['brand_name'] or row['product_id']} in {row['jurisdiction']}, {row['decision_date']}, {row['status']}"
    if table == "products":
        return f"{row['nonproprietary_name']}" + (f" ({row['brand_names']})" if row["brand_names"] else "")
    if table == "sources":
        return f"{row['title']} <{row['url']}>"
    return row.get("name") or row.get("label") or ""


def as_text(changes: list[Change], stats: dict[str, int], old: Path, new: Path) -> str:
    head = (f"cgt-graph diff {old.name} -> {new.name}: {len(changes)} change{'s' if len(changes) != 1 else ''}; "
            f"quads {stats['quads_old']} -> {stats['quads_new']} (+{stats['quads_added']} -{stats['quads_removed']})")
    lines = [head]
    for c in changes:
        if c.field:
            lines.append(f"{c.change}: {c.id}: {c.field} {c.old or '(none)'} -> {c.new or '(none)'}")
        else:
            lines.append(f"{c.change}: {c.id}: {c.new or c.old}")
    return "\n".join(lines) + "\n"


def as_csv(changes: list[Change]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for c in changes:
        w.writerow([c.change, c.id, c.field, c.old, c.new])
    return buf.getvalue()
