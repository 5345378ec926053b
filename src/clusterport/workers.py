"""A bounded pool for work whose cost grows with its input, kept off the event loop.

The server answers every account on one asyncio event loop, so a computation
that runs long there (parsing and planning a large template, simulating
thousands of action/resource pairs) holds every other account's call until it
ends. Such work goes through :meth:`WorkerPool.run` instead:

* it runs in one of a bounded number of worker threads, so the loop goes on
  answering while it computes;
* each account may hold only ``per_account`` workers at a time; its further
  jobs wait for its own, never for another account's, so one account cannot
  take every worker.

CPython threads share one interpreter lock: a worker computing in Python
gives the loop its turn every ``sys.getswitchinterval()`` (5 ms), so a call of
another account pays a few such turns, not the whole job. Work handed here is
still cut into bounded pieces by its callers (a page of a simulation, one
resource of a stack) so that no single job holds a worker for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

#: Worker threads of a server: enough for the host's cores, a few more for I/O waits.
DEFAULT_WORKERS = max(2, min(8, (os.cpu_count() or 1) + 2))


@dataclass
class _Share:
    """One account's share of the pool: its slots and how many jobs use or await them."""

    slots: asyncio.Semaphore
    jobs: int = field(default=0)


class WorkerPool:
    """Runs blocking or CPU-heavy functions in bounded threads, fairly across accounts."""

    def __init__(self, workers: int = DEFAULT_WORKERS, per_account: int | None = None) -> None:
        if workers < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.workers = workers
        #: At most this many of one account's jobs run at once (half the pool by default).
        self.per_account = max(1, min(workers, per_account or workers // 2))
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="clusterport-worker")
        self._shares: dict[str, _Share] = {}

    async def run(self, account_id: str, function: Callable[..., T], /, *args: Any) -> T:
        """``function(*args)`` in a worker thread, within ``account_id``'s share of the pool.

        The function must not touch the event loop; it may use the store (each
        call opens its own session). Cancelling the caller does not stop a job
        that has started: its slot is given back when it ends.
        """
        share = self._shares.get(account_id)
        if share is None:
            share = self._shares[account_id] = _Share(asyncio.Semaphore(self.per_account))
        share.jobs += 1
        acquired = started = False
        try:
            await share.slots.acquire()
            acquired = True
            loop = asyncio.get_running_loop()
            job: Future[T] = self._executor.submit(function, *args)
            started = True
            job.add_done_callback(lambda _: _call_soon(loop, self._release, account_id, share))
            return await asyncio.wrap_future(job)
        finally:
            if not started:
                if acquired:
                    share.slots.release()
                self._forget(account_id, share)

    def busy(self, account_id: str) -> int:
        """How many jobs of ``account_id`` run or wait (for tests and diagnostics)."""
        share = self._shares.get(account_id)
        return 0 if share is None else share.jobs

    def close(self) -> None:
        """Stop taking work: queued jobs are dropped, running ones are waited for.

        Waiting lets a job that writes to the store finish before the store closes.
        """
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _release(self, account_id: str, share: _Share) -> None:
        share.slots.release()
        self._forget(account_id, share)

    def _forget(self, account_id: str, share: _Share) -> None:
        share.jobs -= 1
        if share.jobs == 0 and self._shares.get(account_id) is share:
            del self._shares[account_id]


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any) -> None:
    # A closed loop raises RuntimeError: nobody waits for the slot any more.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)
