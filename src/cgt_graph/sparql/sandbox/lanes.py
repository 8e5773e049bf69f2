"""The lanes' bookkeeping: which workers are idle in which lane, the spare, replacing dead
workers, moving an overrunning query's worker to the slow lane (see the package docstring)."""

from __future__ import annotations

import collections
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cgt_graph.sparql.sandbox.limits import (FAST, KNOWN_SLOW_MAX, MONITOR_S, RESPAWN_BACKOFF_S, SLOW, SLOW_MEMORY_S,
                                             SLOW_NICE, SPARE, Limits)
from cgt_graph.sparql.sandbox.worker import Worker


@dataclass
class _Lane:
    size: int
    idle: collections.deque = field(default_factory=collections.deque)
    count: int = 0  # workers alive or starting, idle or busy


class Lanes:
    """The fast and slow lanes' workers: starting, watching, handing out and replacing them, and
    the cost accounting that routes a client to the slow lane. `Pool` runs queries on them."""

    def __init__(self, store_path: Path, workers: int, limits: Limits | None = None):
        self.store_path = store_path
        self.limits = limits or Limits()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)  # the monitor's clock; state changes under this lock
        # one condition per lane on the same lock: a released worker wakes one waiter of its lane,
        # not every waiting thread (with 16 waiters, notify_all halved the pool's throughput)
        self._ready = {FAST: threading.Condition(self._lock), SLOW: threading.Condition(self._lock)}
        self._async_waiters: dict[str, collections.deque] = {FAST: collections.deque(), SLOW: collections.deque()}
        self._lanes = {FAST: _Lane(max(1, workers)), SLOW: _Lane(max(0, self.limits.slow_workers))}
        self._slow_by_client: collections.Counter[str] = collections.Counter()
        self._overran: dict[str, float] = {}
        self._known_slow: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._closed = False
        self._last_failure = 0.0
        # one started worker standing by: a lane that loses a worker (killed, crashed, moved to the
        # slow lane) is whole again at once, not after a new interpreter has loaded the snapshot
        self.spares = 1
        self._spare: collections.deque[Worker] = collections.deque()
        self._spare_count = 0
        self.replaced = 0  # workers started to replace dead or killed ones (for tests and logs)
        # start every worker now and serve only once all hold the snapshot
        try:
            for name, lane in self._lanes.items():
                for _ in range(lane.size):
                    lane.idle.append(Worker(store_path, self.limits, name))
                    lane.count += 1
            for _ in range(self.spares):
                self._spare.append(Worker(store_path, self.limits, SPARE))
                self._spare_count += 1
        except Exception:
            self.stop()
            raise
        self._monitor = threading.Thread(target=self._watch, name="sparql-pool-monitor", daemon=True)
        self._monitor.start()

    # ------------------------------------------------------------ worker bookkeeping
    def _watch(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                for lane in self._lanes.values():
                    dead = [w for w in lane.idle if not w.alive()]
                    for w in dead:
                        lane.idle.remove(w)
                        lane.count -= 1
                        w.kill()
                for w in [w for w in self._spare if not w.alive()]:
                    self._spare.remove(w)
                    self._spare_count -= 1
                    w.kill()
                self._fill()
                self._cond.wait(MONITOR_S)

    def _fill(self) -> None:
        """Bring lanes below their size back up, from the spare at once, else by starting a worker;
        keep a spare started (caller holds the lock)."""
        if self._closed:
            return
        fast = self._lanes[FAST]
        while fast.count < fast.size and self._spare:  # the slow lane starts its own, at low priority:
            w = self._spare.popleft()                  # a start costs a second of CPU, which look-ups need
            self._spare_count -= 1
            if not w.alive():
                w.kill()
                continue
            w.lane = FAST
            fast.count += 1
            self.replaced += 1
            self._offer(w)
        if time.monotonic() - self._last_failure < RESPAWN_BACKOFF_S:
            return
        for name, lane in self._lanes.items():
            while lane.count < lane.size:
                lane.count += 1
                threading.Thread(target=self._spawn, args=(name,), daemon=True).start()
        while self._spare_count < self.spares:
            self._spare_count += 1
            threading.Thread(target=self._spawn, args=(SPARE,), daemon=True).start()

    def _spawn(self, name: str) -> None:
        try:
            w = Worker(self.store_path, self.limits, name)  # a slow-lane worker starts at low priority
        except Exception as exc:  # noqa: BLE001 - logged; the monitor tries again after a pause
            print(f"cgt-graph: a SPARQL worker failed to start: {exc}", file=sys.stderr)
            with self._cond:
                if name == SPARE:
                    self._spare_count -= 1
                else:
                    self._lanes[name].count -= 1
                self._last_failure = time.monotonic()
            return
        with self._cond:
            if self._closed:
                w.kill()
                return
            if name == SPARE:
                self._spare.append(w)
                self._fill()  # a lane may have been waiting for it
                return
            self.replaced += 1
            self._offer(w)

    def _offer(self, w: Worker) -> None:
        """An idle worker for its lane (caller holds the lock): handed straight to the first
        coroutine waiting for one (`arun`), else made idle for threads waiting in `_acquire`."""
        waiters = self._async_waiters[w.lane]
        while waiters:
            loop, fut = waiters.popleft()
            if fut.done():
                continue

            def give(fut=fut, w=w) -> None:
                if fut.done():  # the waiter gave up meanwhile: the worker goes back
                    self._release(w)
                else:
                    fut.set_result(w)
            try:
                loop.call_soon_threadsafe(give)
                return
            except RuntimeError:  # that loop is closed
                continue
        self._lanes[w.lane].idle.append(w)
        self._ready[w.lane].notify()

    def _retire(self, w: Worker) -> None:
        """Kill a worker taken out of its lane (caller holds the lock); a replacement is started."""
        self._lanes[w.lane].count -= 1
        w.kill()
        self._fill()

    def _acquire(self, name: str, deadline: float) -> Worker | None:
        lane = self._lanes[name]
        with self._cond:
            while True:
                while lane.idle:
                    w = lane.idle.popleft()
                    if w.alive():
                        return w
                    lane.count -= 1  # died while idle, before the monitor saw it
                    w.kill()
                    self._fill()
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed or lane.size == 0:
                    return None
                self._ready[name].wait(min(remaining, MONITOR_S))

    def _release(self, w: Worker) -> None:
        with self._cond:
            if self._closed:
                w.kill()
                return
            self._offer(w)

    # ------------------------------------------------------------ queries
    def _slow_route(self, key: str, client: str, now: float) -> bool:
        if key in self._known_slow:
            self._known_slow.move_to_end(key)
            return True
        t = self._overran.get(client)
        return t is not None and now - t < SLOW_MEMORY_S

    def _account(self, key: str, client: str, overran: bool) -> None:
        """After a query ran in the slow lane: still slow, the client stays there; fast after all
        (a look-up that overran once on a starved machine), its text and its client are forgotten,
        so one unlucky moment does not send a whole address to the slow lane."""
        with self._cond:
            if overran:
                self._overran[client] = time.monotonic()
            else:
                self._known_slow.pop(key, None)
                if self._slow_by_client[client] <= 1:
                    self._overran.pop(client, None)

    def _remember_slow(self, key: str, client: str) -> None:
        self._known_slow[key] = None
        self._known_slow.move_to_end(key)
        while len(self._known_slow) > KNOWN_SLOW_MAX:
            self._known_slow.popitem(last=False)
        self._overran[client] = time.monotonic()
        if len(self._overran) > KNOWN_SLOW_MAX:
            cutoff = time.monotonic() - SLOW_MEMORY_S
            self._overran = {c: t for c, t in self._overran.items() if t > cutoff}

    def _move_to_slow(self, w: Worker, client: str) -> bool:
        """Move a running fast-lane worker into the slow lane in exchange for an idle slow worker
        (caller holds the lock). False if the slow lane is full or the client is at its limit."""
        slow = self._lanes[SLOW]
        if self._slow_by_client[client] >= self.limits.slow_per_client:
            return False
        spare = None
        while slow.idle:
            candidate = slow.idle.popleft()
            if candidate.alive():
                spare = candidate
                break
            slow.count -= 1
            candidate.kill()
        if spare is None:
            return False
        self._slow_by_client[client] += 1
        spare.kill()                       # the slow lane keeps its size: the moved worker takes its place
        w.renice(SLOW_NICE)
        w.lane = SLOW
        self._lanes[FAST].count -= 1       # ... and the fast lane gets a new worker at once
        self._fill()
        return True

    def workers(self) -> list[Worker]:
        """Idle workers (a snapshot, for tests and monitoring)."""
        with self._cond:
            return [w for lane in self._lanes.values() for w in lane.idle]

    def stop(self) -> None:
        with self._cond:
            self._closed = True
            workers = [w for lane in self._lanes.values() for w in lane.idle] + list(self._spare)
            self._spare.clear()
            for lane in self._lanes.values():
                lane.idle.clear()
            self._cond.notify_all()
            for ready in self._ready.values():
                ready.notify_all()
        for w in workers:
            w.kill()

