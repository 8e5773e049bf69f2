"""The worker pool that runs user SPARQL (sparql/sandbox/): replacement of dead workers, lanes, limits."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from cgt_graph.graph.build import build
from cgt_graph.sparql.sandbox import FAST, SLOW, SLOW_NICE, Job, Limits, Pool

from .conftest import FIXTURE_DATA

SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LOOKUP = "SELECT ?l WHERE { <https://w3id.org/cgt-graph/id/jurisdiction/US> <http://www.w3.org/2000/01/rdf-schema#label> ?l }"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    s = tmp_path_factory.mktemp("sandbox") / "store"
    build(s, FIXTURE_DATA)
    return s


@pytest.fixture
def pool(store):
    p = Pool(store, 2, Limits(timeout_s=3, fast_budget_s=0.2, slow_workers=1, slow_per_client=1,
                              worker_memory_bytes=2 * 1024**3))
    yield p
    p.stop()


def _wait(cond, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def test_a_killed_idle_worker_is_replaced_within_a_second(pool):
    victim = next(w for w in pool.workers() if w.lane == FAST)
    os.kill(victim.proc.pid, signal.SIGKILL)
    t0 = time.monotonic()
    assert _wait(lambda: victim not in pool.workers() and sum(w.lane == FAST for w in pool.workers()) == 2, 1.0)
    assert time.monotonic() - t0 < 1.0
    assert pool.run(LOOKUP, "text/csv")[0] == 200


def test_a_dead_worker_is_never_handed_a_query(store):
    # a deadline long enough for a replacement to start on a loaded CI machine (a fresh interpreter
    # loading the snapshot): the point is that no query is handed to a dead worker
    p = Pool(store, 2, Limits(timeout_s=30, fast_budget_s=5, slow_workers=1, slow_per_client=1,
                              worker_memory_bytes=2 * 1024**3))
    try:
        for w in p.workers():
            os.kill(w.proc.pid, signal.SIGKILL)
        # straight away, before the monitor can have noticed: every query still gets an answer
        assert [p.run(LOOKUP, "text/csv")[0] for _ in range(5)] == [200] * 5
    finally:
        p.stop()


def test_workers_have_a_memory_limit_and_no_network(pool):
    w = pool.workers()[0]
    limits = Path(f"/proc/{w.proc.pid}/limits").read_text()
    line = next(line for line in limits.splitlines() if line.startswith("Max address space"))
    assert str(2 * 1024**3) in line
    assert "Seccomp:\t2" in Path(f"/proc/{w.proc.pid}/status").read_text()


def test_a_slow_query_moves_to_the_slow_lane_and_fast_queries_keep_their_speed(pool):
    result = {}
    fast_pids = {w.proc.pid for w in pool.workers() if w.lane == FAST}
    t = threading.Thread(target=lambda: result.setdefault("slow", pool.run(Job(SLOW_QUERY), client="a")))
    t.start()
    time.sleep(0.5)  # past the fast budget: the query now runs in the slow lane
    moved = [w for w in pool._lanes[SLOW].idle]  # the slow lane's idle worker was exchanged
    assert moved == []
    # the worker that runs it is now at a lower priority: fast-lane workers win the CPU
    assert sorted(os.getpriority(os.PRIO_PROCESS, pid) for pid in fast_pids) == [0, SLOW_NICE]
    latencies = []
    for _ in range(20):
        t0 = time.perf_counter()
        assert pool.run(Job(LOOKUP, "text/csv"), client="b")[0] == 200
        latencies.append(time.perf_counter() - t0)
    # the same client may not start a second slow query while its first runs
    assert pool.run(Job(SLOW_QUERY + " LIMIT 1"), client="a")[0] == 429
    t.join()
    assert result["slow"][0] == 503 and b"deadline" in result["slow"][2]
    assert max(latencies) < 2.0  # behind the slow query a look-up would wait for its deadline (2.5 s more)
    # a known-slow text goes straight to the slow lane: the fast lane is not entered again
    assert pool._slow_route(repr((SLOW_QUERY, None, None, None)), "c", time.monotonic())
