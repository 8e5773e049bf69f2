"""The data model's field order, for the canonical form of data files (`lint.py`)."""

from __future__ import annotations

from cgt_graph.curation.checks import CITATION, EVENT, SPECS


def field_order(kind: str) -> list[str]:
    if kind == "citation":
        return list(CITATION)
    if kind == "event":
        return list(EVENT)
    if kind == "classification-file":
        return ["scheme", "classes"]
    return list(SPECS.get(kind, {}))
