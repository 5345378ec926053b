"""A work queue of keys with per-key backoff (the reconciler's, as in dask-gateway).

A key is queued at most once; putting it again only brings its due time
forward. A key whose work failed comes back after an exponentially growing
delay, and a success resets it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

BACKOFF_BASE = 0.5
BACKOFF_MAX = 60.0


class WorkQueue(Generic[K]):
    """Keys waiting to be worked on, each with the monotonic time it is due."""

    def __init__(self, base: float = BACKOFF_BASE, maximum: float = BACKOFF_MAX) -> None:
        self._due: dict[K, float] = {}
        self._failures: dict[K, int] = {}
        self._changed = asyncio.Event()
        self.base = base
        self.maximum = maximum

    def __len__(self) -> int:
        return len(self._due)

    def put(self, key: K, delay: float = 0.0) -> None:
        """Queue ``key`` to be due in ``delay`` seconds (or sooner if already queued sooner)."""
        due = time.monotonic() + delay
        current = self._due.get(key)
        if current is None or due < current:
            self._due[key] = due
            self._changed.set()

    def backoff(self, key: K) -> float:
        """Queue ``key`` again after its failure; returns the delay chosen."""
        failures = self._failures.get(key, 0) + 1
        self._failures[key] = failures
        delay = min(self.maximum, self.base * 2.0 ** (failures - 1))
        self.put(key, delay)
        return delay

    def succeeded(self, key: K) -> None:
        """Forget ``key``'s failures."""
        self._failures.pop(key, None)

    async def get(self) -> K:
        """The next due key (waits until one is due)."""
        while True:
            self._changed.clear()
            now = time.monotonic()
            if self._due:
                key, due = min(self._due.items(), key=lambda item: item[1])
                if due <= now:
                    del self._due[key]
                    return key
                timeout: float | None = due - now
            else:
                timeout = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)
