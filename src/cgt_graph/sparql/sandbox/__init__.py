"""Where user-written SPARQL runs: worker processes with no network, a memory limit and a
deadline, in two lanes so that slow queries cannot starve fast ones.

Used by the endpoint (`server.py`) and the explorer's SPARQL page (`usersparql.py`).

Workers
  Each worker is a fresh interpreter (`python -c "...sandbox.worker import worker_main..."`), not a
  multiprocessing child, so nothing of the parent's `__main__` (Streamlit's app, a test runner)
  is re-run in it. It talks to the pool over one end of a socket pair (a multiprocessing
  Connection). First it removes its own ability to reach the network (`nonet.deny_network`,
  a seccomp filter: no spelling of SERVICE connects), then sets RLIMIT_AS (the memory limit),
  then loads the published build as an in-memory snapshot and says it is ready. It reopens the
  snapshot when `cgt-graph build` switches the store.

Lanes (fairness)
  * Every query starts in the *fast lane* (`fast` workers) with a short budget
    (`Limits.fast_budget_s`). Almost every query (every library query at the real graph's
    size) finishes inside it.
  * A query that overruns its budget is *moved* to the *slow lane* without being restarted:
    its worker is lowered in priority (nice 10, so fast-lane workers win the CPU), counted
    as a slow-lane worker, and an idle slow-lane worker is retired in exchange; a new
    fast-lane worker is started at once. If the slow lane has no idle worker, or the client
    already has `slow_per_client` queries there, the overrunning query is stopped (503).
  * Cost accounting: a query text that overran once, and any query from a client (its peer
    address) whose query overran in the last `SLOW_MEMORY_S` seconds, goes straight to the slow
    lane, so a client cannot keep occupying fast workers with slow queries (not even by varying
    the text). A query routed there that turns out fast clears its text and its client.
    A client in the slow lane waits for a slow worker, or gets 429 past its concurrency limit.
  * Oxigraph cannot cancel a query: a query past its deadline has its worker killed and
    replaced, and the client gets an error status (never a truncated 200).

Dead workers are replaced whether busy or idle: a busy worker that dies is seen when its pipe
closes (its query is sent once more, to another worker); a monitor thread checks the idle ones
every `MONITOR_S` seconds and every worker is checked again before it is handed a query. One
started worker stands by (the spare), so a lane that loses a worker is whole again at once rather
than after a new interpreter has loaded the snapshot (seconds on a busy machine); a new spare is
then started in the background.
"""

from __future__ import annotations

from cgt_graph.sparql.sandbox.formats import CONTENT_TYPE, GRAPH_TYPES, SELECT_TYPES, negotiate
from cgt_graph.sparql.sandbox.lanes import Lanes
from cgt_graph.sparql.sandbox.limits import (FAST, KNOWN_SLOW_MAX, MONITOR_S, RESPAWN_BACKOFF_S, SLOW, SLOW_MEMORY_S,
                                             SLOW_NICE, SPARE, Job, Limits, Reply)
from cgt_graph.sparql.sandbox.pool import Pool, run_screened
from cgt_graph.sparql.sandbox.worker import Worker, WorkerFailed, worker_main

__all__ = ["CONTENT_TYPE", "FAST", "GRAPH_TYPES", "KNOWN_SLOW_MAX", "MONITOR_S", "RESPAWN_BACKOFF_S", "SELECT_TYPES",
           "SLOW", "SLOW_MEMORY_S", "SLOW_NICE", "SPARE", "Job", "Lanes", "Limits", "Pool", "Reply", "Worker",
           "WorkerFailed", "negotiate", "run_screened", "worker_main"]
