"""The release's CSV tables: authorisations, products, pathways, classes, sources; indications, milestones,
outcomes, events (history, #14).

Each table is one library query (`<table>-table.rq`); rows sorted by their first
column, values in a cell joined by `;` and sorted, so the same data gives the same bytes.
"""

from __future__ import annotations

import csv
import io

from pyoxigraph import Store

from cgt_graph.sparql.tables import read_table
from cgt_graph.publish.table import COLUMNS as AUTHORISATION_COLUMNS

TABLES = {
    "authorisations": ("authorisations-table", ["authorisation_id", *AUTHORISATION_COLUMNS]),
    "products": ("products-table", ["product_id", "inn", "nonproprietary_name", "brand_names", "modalities", "developer"]),
    "pathways": ("pathways-table", ["pathway_id", "name", "acronym", "jurisdiction", "agency_id", "kind", "introduced",
                                    "legal_basis"]),
    "classes": ("classes-table", ["class_id", "label", "scheme_id", "jurisdiction", "broader_id"]),
    "sources": ("sources-table", ["source_id", "url", "title", "publisher", "published", "accessed", "evidence",
                                  "citations"]),
    # history (#14): columns fixed by the issue
    "indications": ("indications-table", ["product_id", "jurisdiction", "agency", "decision_date", "change", "indication",
                                          "line_of_therapy", "pathways", "sources"]),
    "milestones": ("milestones-table", ["product_id", "jurisdiction", "agency", "milestone", "date", "detail", "sources"]),
    "outcomes": ("outcomes-table", ["product_id", "name", "jurisdiction", "agency", "outcome", "date", "reason", "sources"]),
    "events": ("events-table", ["product_id", "jurisdiction", "agency", "event", "date", "detail", "sources"]),
}
MULTI = {"modality", "pathways", "sources", "brand_names", "modalities"}


def table_rows(store: Store, table: str) -> list[dict[str, str]]:
    query, columns = TABLES[table]
    rows = []
    result = read_table(store, query)  # materialised at build time, else the query
    for r in result.dicts():
        row = {c: (r.get(c) or "") for c in columns}
        for c in MULTI & set(columns):
            row[c] = ";".join(sorted({v for v in row[c].split(";") if v}))
        rows.append(row)
    return sorted(rows, key=lambda row: [row[c] for c in columns])


def table_csv(store: Store, table: str) -> bytes:
    columns = TABLES[table][1]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(table_rows(store, table))
    return buf.getvalue().encode("utf-8")
