"""Generate docs/queries.md from the query library (run: python -m cgt_graph.sparql.docs).

A test fails when the committed file differs from what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cgt_graph.graph import derive, rules
from cgt_graph.sparql.library import library


def queries_markdown() -> str:
    lines = ["# The query library", "",
             "Generated from `src/cgt_graph/queries/*.rq` by `python -m cgt_graph.sparql.docs`; do not edit by hand.", "",
             "Run one with `cgt-graph query --name NAME [--param key=value] [--format table|csv|tsv|json]`, "
             "or send its text to the endpoint (`cgt-graph serve`, then `/sparql`). In the text a parameter "
             "is written `$name`; the CLI writes the typed value in its place. On a graph of 250,000 quads or more "
             "(`sparql/tables.MIN_QUADS`) the build also runs the whole-graph queries (`sparql/tables.TABLES`) and the "
             "counting ones (`tables.ANSWERED`) once and keeps their answers beside the store; `cgt-graph query --name` "
             "without parameters and `cgt-graph stats` print those (the same rows), the endpoint sends the counting "
             "ones for their exact text. `review-queue` reads the clock (ages in months): its kept answer is used only "
             "in the UTC month it was made, after that the query runs.", ""]
    for q in library().values():
        lines += [f"## `{q.name}`: {q.title}", "", q.description, ""]
        if q.params:
            lines += ["| parameter | type | default | meaning |", "|---|---|---|---|"]
            lines += [f"| `{p.name}` | {p.type} | `{p.default}` | {p.help} |" for p in q.params]
            lines.append("")
        lines += ["```sparql", q.text.rstrip(), "```", ""]
    lines += ["# Derived facts", "",
              "CONSTRUCT queries in `src/cgt_graph/queries/derive/`, run at every build in this order; their "
              "triples form the named graph `https://w3id.org/cgt-graph/graph/derived` and are validated with the rest. "
              "Each rule is written here once; the library queries above read its facts.", ""]
    for r in derive.rules():
        lines += [f"## `{r.name}`", "", r.description, "", "```sparql", r.text.rstrip(), "```", ""]
    lines += ["# Data rules", "",
              "The rules the schema language cannot say: SELECT queries in `src/cgt_graph/queries/checks/`, run at "
              "every build and by `cgt-graph validate`; each must return no rows. A row is reported as "
              "`file:line (record): [rule] message`, the line being the field's.", ""]
    for c in rules.rules():
        lines += [f"## `{c.name}`", "", c.description, "", "```sparql", c.text.rstrip(), "```", ""]
    return "\n".join(lines)


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/queries.md")
    target.write_text(queries_markdown(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
