"""What a query and a pool are given: `Limits`, a `Job`, the `Reply` a worker sends back, and the
lanes' names and clocks (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass

FAST, SLOW, SPARE = "fast", "slow", "spare"
SLOW_NICE = 10
MONITOR_S = 0.1
SLOW_MEMORY_S = 30.0       # a client whose query overran goes to the slow lane for this long
KNOWN_SLOW_MAX = 4096      # query texts remembered as slow (least recently seen forgotten first)
RESPAWN_BACKOFF_S = 1.0    # after a worker failed to start

Reply = tuple[int, str, bytes]


@dataclass
class Limits:
    timeout_s: float = 10.0
    max_result_bytes: int = 20_000_000
    worker_memory_bytes: int = 8 * 1024**3
    startup_s: float = 600.0
    fast_budget_s: float = 0.5   # 2.5x the slowest library query on the real graph (~200 ms on 2 busy cores)
    slow_workers: int = 2
    slow_per_client: int = 1


@dataclass
class Job:
    """One query for a worker. `default_graph`/`named_graphs`: IRIs from the protocol's
    default-graph-uri / named-graph-uri (None: not given). `union`: with no dataset given by
    the protocol or the query (FROM), the default graph is the union of all graphs."""

    query: str
    accept: str | None = None
    default_graph: list[str] | None = None
    named_graphs: list[str] | None = None
    base_iri: str | None = None
    union: bool = True

