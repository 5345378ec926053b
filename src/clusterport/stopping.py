"""Stopping a foreground command on SIGTERM or SIGINT, without races.

A signal handler that sets a ``threading.Event`` can deadlock: when the signal
lands while the main thread holds the event's lock (entering ``wait()``), the
handler blocks on that same lock forever. Raising from the handler instead
unwinds whatever the main thread is doing, at any point, into its cleanup.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Iterator
from types import FrameType
from typing import NoReturn

#: How long a signal that raced the start of the sleep may wait to be noticed (seconds).
_RECHECK_S = 0.5


class StopRequested(BaseException):
    """SIGTERM or SIGINT arrived: stop whatever runs and leave cleanly."""


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, the first SIGTERM or SIGINT raises :class:`StopRequested`.

    Later ones are ignored until the block ends, so that the cleanup runs to its end.
    """

    def stop(signum: int, _frame: FrameType | None) -> None:
        # Ignore the next ones before raising: a second Ctrl-C must not cut the cleanup
        # short, even one that arrives while this one is still unwinding.
        ignore_signals_for_cleanup()
        raise StopRequested(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def ignore_signals_for_cleanup() -> None:
    """From here on SIGTERM and SIGINT are ignored, so that a cleanup runs to its end."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def wait_for_stop() -> NoReturn:
    """Sleep until a signal raises :class:`StopRequested` (call inside ``stop_on_signals``).

    Not ``signal.pause()``: a signal that lands after the interpreter's last check for
    pending handlers but before the ``pause`` system call starts is only noted, and
    ``pause`` then sleeps until another one comes (a lost Ctrl-C). A sleep of bounded
    length notices such a signal within :data:`_RECHECK_S`; any other is handled at once
    (the sleep is interrupted and the handler raises).
    """
    while True:
        time.sleep(_RECHECK_S)
