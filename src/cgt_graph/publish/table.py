"""The authorisations table (CSV): the columns the spine issue fixes."""

from __future__ import annotations

import csv
from typing import IO

from pyoxigraph import Store

from cgt_graph.sparql.tables import read_table

COLUMNS = ["product_id", "brand_name", "nonproprietary_name", "modality", "jurisdiction", "agency",
           "decision_date", "status", "pathways", "classification", "holder", "indication",
           "sources", "confidence"]
MULTI = {"modality", "pathways", "sources"}


def authorisation_rows(store: Store) -> list[dict[str, str]]:
    result = read_table(store, "authorisations-table")  # the build's Parquet table, else the query
    rows = []
    for r in result.dicts():
        row = {c: (r.get(c) or "") for c in COLUMNS}
        for c in MULTI:
            row[c] = ";".join(sorted(v for v in row[c].split(";") if v))
        rows.append(row)
    return rows


def write_authorisations_csv(store: Store, out: IO[str]) -> int:
    rows = authorisation_rows(store)
    w = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return len(rows)
