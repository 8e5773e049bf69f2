"""The review queue: what a curator should check next (`cgt-graph review`).

One row per record and reason, from the library query `review-queue`, plus the seed claims
whose count differs from the graph (`claims-vs-graph`), so that the queue and the claims
comparison stay one rule each. All three are read through `read_table`: from the build's
materialised tables on a big graph (review-queue: 3 CPU s as a query at 100x), else the query.
"""

from __future__ import annotations

from collections import Counter

from pyoxigraph import Store

from cgt_graph.sparql.library import Result
from cgt_graph.sparql.tables import read_table

COLUMNS = ["reason", "kind", "record", "detail"]


def review_queue(store: Store, reasons: tuple[str, ...] = ()) -> Result:
    rows = [list(r) for r in read_table(store, "review-queue").rows]
    claims = read_table(store, "claims-vs-graph").dicts()
    for c in claims:
        if c.get("difference") not in (None, "0"):
            rows.append(["claim-differs", "Claim", f"claim/{c['claim']}",
                         f"claimed {c['claimed']}, the graph holds {c['in_graph']}"])
    if reasons:
        rows = [r for r in rows if r[0] in reasons]
    return Result(COLUMNS, sorted(rows, key=lambda r: (r[0], r[1], r[2])))


def counts(result: Result) -> Result:
    """Rows per reason and kind."""
    c = Counter((r[0], r[1]) for r in result.rows)
    return Result(["reason", "kind", "records"], [[k[0], k[1], str(n)] for k, n in sorted(c.items())])


def data_as_of(store: Store) -> dict[str, str]:
    res = read_table(store, "data-as-of").dicts()
    return {k: (v or "") for k, v in (res[0] if res else {}).items()}
