"""User-written SPARQL for the explorer, under the endpoint's limits.

The text is screened by `guard.py` (no SERVICE, no updates, no deep nesting)
and run in a worker process with a deadline and a result-size cap (`server.Pool`): the
Streamlit process never hands user text to `Store.query`, and the worker has no network (`nonet.py`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import sys
import threading
import types
from dataclasses import dataclass, field
from pathlib import Path

from cgt_graph.sparql.library import bound_text, library
from cgt_graph.sparql.server import Limits, Pool, run_screened

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


_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def _plain_main():
    """While a worker is spawned: multiprocessing's spawn re-runs the parent's `__main__` in the
    child, and under `streamlit run` that is app.py (the whole explorer, again, in the worker)."""
    with _MAIN_LOCK:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main


def open_pool(store_path: Path, timeout_s: float = 10.0) -> Pool:
    """One worker process holding the published build (started once per explorer process)."""
    with _plain_main():
        return Pool(store_path, 1, Limits(timeout_s=timeout_s, max_result_bytes=MAX_RESULT_BYTES,
                                          worker_memory_bytes=4 * 1024**3))


def run(pool: Pool, text: str) -> Answer:
    if not text.strip():
        return Answer(error="Write a query first (or pick an example).")
    with _plain_main():  # a query past its deadline has its worker killed and a new one spawned
        status, ctype, body = run_screened(pool, text, ACCEPT)
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
