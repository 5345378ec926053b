"""Foreground commands stop on SIGINT/SIGTERM however early or late the signal lands."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

CHILD = """
import sys, time
from clusterport import stopping
with stopping.stop_on_signals():
    try:
        print("ready", flush=True)
        stopping.wait_for_stop()
    except stopping.StopRequested:
        stopping.ignore_signals_for_cleanup()
        time.sleep(0.2)  # a cleanup that a second signal must not cut short
        print("cleaned up", flush=True)
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_right_after_ready_stops_the_command_and_its_cleanup_finishes(
    sig: signal.Signals,
) -> None:
    # The signal is sent the instant the child says it is ready, as `clusterport up`'s
    # users (and its test) do: the moment a handler that sets a lock-based event can
    # deadlock. Repeated to give the race its chances.
    for _ in range(15):
        child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        child.send_signal(sig)
        child.send_signal(sig)
        rest, _ = child.communicate(timeout=20)
        assert "cleaned up" in rest
        assert child.returncode == 0
