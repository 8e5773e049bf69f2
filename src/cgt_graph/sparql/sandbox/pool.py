"""`Pool`: running one query on the lanes, from a thread (`run`) or from the event loop (`arun`),
and `run_screened`, the screen and the pool together as `/sparql` uses them."""

from __future__ import annotations

import signal
import subprocess
import time
from typing import Any

from cgt_graph.sparql.guard import Refusal, check
from cgt_graph.sparql.sandbox.lanes import Lanes
from cgt_graph.sparql.sandbox.limits import FAST, SLOW, Job, Reply
from cgt_graph.sparql.sandbox.worker import Worker


class Pool(Lanes):
    """The fast and slow lanes. `run` is thread-safe and blocks (the server calls it from threads)."""

    def run(self, query: str | Job, accept: str | None = None, client: str = "local") -> Reply:
        """Run one (already screened) query: (status, content type, body)."""
        job = query if isinstance(query, Job) else Job(query, accept)
        lim = self.limits
        start = time.monotonic()
        deadline = start + lim.timeout_s
        key = repr((job.query, job.default_graph, job.named_graphs, job.base_iri))
        with self._cond:
            slow = self._slow_route(key, client, start)
            if slow:
                if self._lanes[SLOW].size == 0:
                    return 503, "text/plain", b"this query is known to be slow and this server runs no slow queries"
                if self._slow_by_client[client] >= lim.slow_per_client:
                    return 429, "text/plain", (f"you already have {lim.slow_per_client} slow "
                                               f"quer{'y' if lim.slow_per_client == 1 else 'ies'} running: "
                                               "wait for it to finish").encode()
                self._slow_by_client[client] += 1
        try:
            for _attempt in range(3):  # a worker found killed from outside: the query goes to another
                w = self._acquire(SLOW if slow else FAST, deadline)
                if w is None:
                    return 503, "text/plain", b"all workers busy; try again"
                try:
                    w.conn.send((job, lim.max_result_bytes))
                except OSError:
                    with self._cond:
                        self._retire(w)
                    continue
                sent = time.monotonic()  # budgets count from here, not from the wait in line
                if not slow:
                    budget_end = min(deadline, sent + lim.fast_budget_s)
                    if not w.conn.poll(max(0.0, budget_end - time.monotonic())):
                        with self._cond:
                            self._remember_slow(key, client)
                            moved = self._move_to_slow(w, client)
                            if not moved:
                                self._retire(w)
                        if not moved:
                            return 503, "text/plain", (f"query ran over {lim.fast_budget_s:g} s and the slow lane "
                                                       "is busy; try again later").encode()
                        slow = True
                if not w.conn.poll(max(0.0, deadline - time.monotonic())):
                    with self._cond:
                        self._retire(w)
                    return 503, "text/plain", f"query exceeded the {lim.timeout_s:g} s deadline and was stopped".encode()
                if slow:
                    self._account(key, client, time.monotonic() - sent > lim.fast_budget_s)
                try:
                    reply = w.conn.recv()
                except (EOFError, OSError):
                    # the worker died: killed from outside (SIGKILL: another worker answers), or the
                    # query crashed it (a stack overflow, an abort: the client is told, no retry)
                    try:
                        w.proc.wait(1)
                    except subprocess.TimeoutExpired:
                        pass
                    killed = w.proc.returncode == -signal.SIGKILL
                    with self._cond:
                        self._retire(w)
                    if killed:
                        continue
                    return 500, "text/plain", b"the query crashed its worker; the endpoint goes on"
                self._release(w)
                return reply
            return 503, "text/plain", b"workers were lost while this query waited; try again"
        finally:
            if slow:
                with self._cond:
                    self._slow_by_client[client] -= 1
                    if self._slow_by_client[client] <= 0:
                        del self._slow_by_client[client]

    async def arun(self, job: Job, client: str = "local", limiter: Any = None) -> Reply:
        """`run` for an asyncio caller (the endpoint). The common case, a fast-lane query with an
        idle fast worker, is sent and awaited on the event loop with no thread hop (a third of the
        look-up throughput and most of its tail latency went to handing requests to threads);
        a query waits for a fast worker on the event loop too (workers are handed to waiting
        coroutines first, in order); the slow lane runs `run` in a thread."""
        import asyncio

        from anyio import to_thread

        lim = self.limits
        start = time.monotonic()
        deadline = start + lim.timeout_s
        key = repr((job.query, job.default_graph, job.named_graphs, job.base_iri))
        loop = asyncio.get_running_loop()
        w = None
        fut: asyncio.Future | None = None
        with self._cond:
            if self._closed or self._slow_route(key, client, start):
                fast = False
            else:
                fast = True
                idle = self._lanes[FAST].idle
                while idle and w is None:
                    candidate = idle.popleft()
                    if candidate.alive():
                        w = candidate
                    else:
                        self._lanes[FAST].count -= 1
                        candidate.kill()
                        self._fill()
                if w is None:  # wait in line for the next fast worker, on the event loop
                    fut = loop.create_future()
                    self._async_waiters[FAST].append((loop, fut))
        if not fast:
            return await to_thread.run_sync(self.run, job, None, client, limiter=limiter)
        if w is None:
            assert fut is not None
            try:
                got: Worker = await asyncio.wait_for(fut, max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                if fut.done() and not fut.cancelled():  # handed over just as the time ran out
                    self._release(fut.result())
                return 503, "text/plain", b"all workers busy; try again"
            finally:
                if not fut.done():
                    fut.cancel()
            if not got.alive():
                with self._cond:
                    self._retire(got)
                return await to_thread.run_sync(self.run, job, None, client, limiter=limiter)
            w = got
        return await self._arun_on(w, job, client, limiter, key, deadline)

    async def _arun_on(self, w: Worker, job: Job, client: str, limiter: Any, key: str, deadline: float) -> Reply:
        """The rest of `arun`, once it holds the fast worker `w`."""
        import asyncio

        from anyio import to_thread

        lim = self.limits
        loop = asyncio.get_running_loop()
        held = True

        async def readable(seconds: float) -> bool:
            fut = loop.create_future()
            fd = w.conn.fileno()

            def done(value: bool) -> None:
                if not fut.done():
                    fut.set_result(value)
            loop.add_reader(fd, done, True)
            timer = loop.call_later(max(0.0, seconds), done, False)
            try:
                return await fut
            finally:
                timer.cancel()
                loop.remove_reader(fd)

        slow = False
        try:
            try:
                w.conn.send((job, lim.max_result_bytes))
            except OSError:
                with self._cond:
                    self._retire(w)
                held = False
                return await to_thread.run_sync(self.run, job, None, client, limiter=limiter)
            sent = time.monotonic()  # the budget counts from here: time spent waiting in line is not the query's
            if not await readable(min(deadline, sent + lim.fast_budget_s) - sent):
                with self._cond:
                    self._remember_slow(key, client)
                    moved = self._move_to_slow(w, client)
                    if not moved:
                        self._retire(w)
                if not moved:
                    held = False
                    return 503, "text/plain", (f"query ran over {lim.fast_budget_s:g} s and the slow lane "
                                               "is busy; try again later").encode()
                slow = True
                if not await readable(deadline - time.monotonic()):
                    with self._cond:
                        self._retire(w)
                    held = False
                    return 503, "text/plain", f"query exceeded the {lim.timeout_s:g} s deadline and was stopped".encode()
                self._account(key, client, True)
            try:
                reply = w.conn.recv()
            except (EOFError, OSError):
                try:
                    w.proc.wait(1)
                except subprocess.TimeoutExpired:
                    pass
                killed = w.proc.returncode == -signal.SIGKILL
                with self._cond:
                    self._retire(w)
                held = False
                if killed:  # killed from outside: another worker answers
                    return await to_thread.run_sync(self.run, job, None, client, limiter=limiter)
                return 500, "text/plain", b"the query crashed its worker; the endpoint goes on"
            self._release(w)
            held = False
            return reply
        except BaseException:  # cancelled (the client went away) mid-query: the worker is mid-query too
            if held:
                with self._cond:
                    self._retire(w)
            raise
        finally:
            if slow:
                with self._cond:
                    self._slow_by_client[client] -= 1
                    if self._slow_by_client[client] <= 0:
                        del self._slow_by_client[client]



def run_screened(pool: Pool, query: str, accept: str | None, client: str = "local", **job: Any) -> Reply:
    """Screen one user query and run it in the pool under its deadline, as `/sparql` does
    (the explorer's SPARQL page uses this): (status, content type, body)."""
    try:
        screened = check(query)
    except Refusal as r:
        return r.status, "text/plain", r.message.encode()
    return pool.run(Job(screened.text, accept, union=not screened.declares_dataset, **job), client=client)
