"""User-written SPARQL for the explorer, under the endpoint's limits.

The text is screened by `guard.py` (no SERVICE, no updates, no deep nesting)
and run in a worker process with a deadline, a memory limit and a result-size cap (`sandbox.Pool`,
the endpoint's own): the Streamlit process never hands user text to `Store.query`, and the worker
has no network (`nonet.py`). Workers are fresh interpreters, so Streamlit's `__main__` is never
re-run in them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from cgt_graph.sparql.library import bound_text, library
from cgt_graph.sparql.sandbox import Limits, Pool, run_screened

ACCEPT = "text/csv, text/turtle;q=0.9"
MAX_RESULT_BYTES = 5_000_000


@dataclass
class Answer:
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    turtle: str | None = None  # CONSTRUCT / DESCRIBE
    error: str | None = None

    def csv_bytes(self) -> bytes:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(self.columns)
        w.writerows(self.rows)
        return buf.getvalue().encode("utf-8")


def open_pool(store_path: Path, timeout_s: float = 10.0) -> Pool:
    """One fast and one slow worker holding the published build (started once per explorer process)."""
    return Pool(store_path, 1, Limits(timeout_s=timeout_s, max_result_bytes=MAX_RESULT_BYTES,
                                      worker_memory_bytes=4 * 1024**3, slow_workers=1, slow_per_client=1))


def run(pool: Pool, text: str, client: str = "explorer") -> Answer:
    """`client`: who the slow lane's per-client limit counts (the explorer passes its session)."""
    if not text.strip():
        return Answer(error="Write a query first (or pick an example).")
    status, ctype, body = run_screened(pool, text, ACCEPT, client=client)
    message = body.decode("utf-8", errors="replace").strip()
    if status != 200:
        return Answer(error=f"Refused or failed (HTTP {status}): {message}")
    if ctype.startswith("text/csv"):
        table = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        return Answer(columns=table[0] if table else [], rows=table[1:])
    return Answer(turtle=body.decode("utf-8"))


def examples() -> dict[str, tuple[str, str, str]]:
    """name -> (title, description, text with parameters at their defaults)."""
    return {q.name: (q.title, q.description, bound_text(q.name)) for q in library().values()}
