"""Writes that need not hold up the request that causes them, stored in order by one thread.

The doors that are not API calls (the Livy route, the Spark UI proxy, the container
credentials, the Studio login) record an audit event for every request. Storing it is a
transaction of its own (about a millisecond on SQLite), which the caller would otherwise
wait for. :class:`WriteBehind` takes such writes, answers at once, and stores them in the
order given, several per transaction, from a background thread. :meth:`WriteBehind.flush`
waits until everything submitted before it is stored: a reader of what was written
(CloudTrail's ``LookupEvents``) calls it first, so a client that got its answer always
finds the record of it.

What is still queued when the process dies is lost; :meth:`WriteBehind.close` (the
platform's shutdown) stores it first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session

from clusterport.store.db import Database

log = logging.getLogger(__name__)

#: One write: it adds rows to the session it is given (the thread commits).
Write = Callable[[Session], None]

#: At most this many writes share one transaction.
BATCH = 256


class WriteBehind:
    """A queue of writes stored in order by one background thread (see the module docstring)."""

    def __init__(self, db: Database, *, name: str = "clusterport-write-behind") -> None:
        self.db = db
        self.name = name
        self._changed = threading.Condition()
        self._queue: list[Write] = []
        self._submitted = 0
        self._stored = 0
        self._closed = False
        self._thread: threading.Thread | None = None

    def submit(self, write: Write) -> None:
        """Queue ``write``; it is stored soon, after every write submitted before it."""
        with self._changed:
            if self._closed:
                raise RuntimeError(f"{self.name} is closed; the platform is shutting down")
            self._queue.append(write)
            self._submitted += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every write submitted so far is stored (False if ``timeout`` ran out)."""
        with self._changed:
            target = self._submitted
            return self._changed.wait_for(lambda: self._stored >= target, timeout)

    def close(self) -> None:
        """Store what is queued, then stop the thread; later submits are refused."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._queue) or self._closed)
                if not self._queue:
                    return  # closed, and everything is stored
                batch, self._queue = self._queue[:BATCH], self._queue[BATCH:]
            self._store(batch)
            with self._changed:
                self._stored += len(batch)
                self._changed.notify_all()

    def _store(self, batch: list[Write]) -> None:
        try:
            with self.db.session() as session:
                for write in batch:
                    write(session)
        except Exception:  # noqa: BLE001 - the thread must outlive any one write
            # One bad write must not lose the others: store them one by one.
            for write in batch:
                try:
                    with self.db.session() as session:
                        write(session)
                except Exception:
                    log.exception("%s could not store a write; it is dropped", self.name)
