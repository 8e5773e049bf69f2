"""The rules the schema language cannot say: named SPARQL checks over the built graph.

Each rule is a file `src/cgt_graph/queries/checks/<rule>-violation.rq` with a `# description:`
header, selecting `?focus ?field ?message`; it must return no rows. They run at every build on
the in-memory store (data, ontology and derived facts) before SHACL, and each row becomes a
Problem named by the record's file and the line of the field (the side map of `emit.py`), so a
curator reads `authorisations/CN.yaml:19 (x-cn): [before-agency] decision_date ...`.
The rules are documented in docs/queries.md; tests/test_rules.py breaks each once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import QuerySolutions, Store

from cgt_graph import paths
from cgt_graph.curation.load import Problem
from cgt_graph.graph.emit import Location
from cgt_graph.graph import terms

SUFFIX = "-violation.rq"


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    text: str


def rules_dir() -> Path:
    return paths.queries_dir() / "checks"


@functools.lru_cache(maxsize=4)
def _rules(directory: str) -> tuple[Rule, ...]:
    out = []
    for path in sorted(Path(directory).glob(f"*{SUFFIX}")):
        text = path.read_text(encoding="utf-8")
        desc = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                     if line.startswith("# description:")), "")
        out.append(Rule(path.name[: -len(SUFFIX)], desc, text))
    return tuple(out)


def rules() -> tuple[Rule, ...]:
    return _rules(str(rules_dir()))


def violations(store: Store, locations: dict[str, Location],
               field_lines: dict[str, dict[str, int]]) -> list[Problem]:
    """Every row of every rule, as a Problem at the record's file and the field's line."""
    out: list[Problem] = []
    for rule in rules():
        result = store.query(rule.text, use_default_graph_as_union=True)
        assert isinstance(result, QuerySolutions), f"{rule.name}: a rule is a SELECT"
        for row in result:
            focus = terms.text(row["focus"]) or ""
            field = terms.text(row["field"]) or ""
            message = terms.text(row["message"]) or ""
            where = locations.get(focus)
            if where is None:  # a node below a record (an event): the record it hangs from
                where = next((locations[k] for k in _parents(focus) if k in locations), None)
            if where is None:
                out.append(Problem(focus, None, None, rule.name, message))
                continue
            file, line, record = where
            line = field_lines.get(focus, {}).get(field, line) if field else line
            out.append(Problem(file, line, record, rule.name, message))
    return sorted(out, key=lambda p: (p.file, p.line or 0, p.rule))


def _parents(iri: str) -> list[str]:
    parts = iri.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts) - 1, 5, -1)]
