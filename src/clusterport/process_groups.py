"""Child processes in a process group of their own: start them, signal them, stop them.

Every server, script or helper the platform starts and must be able to stop
with everything it started runs in a new session (``setsid``), so that it leads
a process group of its own: a signal to the group reaches its children too,
and stopping the control plane (a Ctrl-C to its group) does not take it along.
Stopping is always the same: a polite signal (SIGTERM) to the group, a grace
period for the leader to exit, SIGKILL to the group if it did not, and SIGKILL
to whatever the leader left behind in its group.

Tenant processes are started the same way, with the sandbox's command line
(:meth:`clusterport.engines.sandbox.Sandbox.command`) as ``argv``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: How long a stop waits for a leader (and its group) to end once the group got SIGKILL.
KILL_WAIT = 10.0
_POLL = 0.05
_PROC = Path("/proc")


def start_group(argv: Sequence[str], **options: Any) -> subprocess.Popen[Any]:
    """Start ``argv`` in a new session; ``options`` are :class:`subprocess.Popen`'s."""
    return subprocess.Popen(list(argv), start_new_session=True, **options)


async def start_group_async(argv: Sequence[str], **options: Any) -> asyncio.subprocess.Process:
    """Start ``argv`` in a new session; ``options`` are ``create_subprocess_exec``'s."""
    return await asyncio.create_subprocess_exec(*argv, start_new_session=True, **options)


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes whose process group is ``pgid``."""
    members = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) < 3 or fields[0] in ("Z", "X"):
            continue
        if int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to process group ``pgid``; False when no process of it was reached.

    A group that is gone, or that we may not signal (so not one we started), is
    left alone.
    """
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError as exc:
        if exc.errno != errno.EPERM:
            raise
        return False
    return True


def stop_group(
    process: subprocess.Popen[Any],
    *,
    grace: float,
    first: int = signal.SIGTERM,
    leftovers: bool = True,
) -> int | None:
    """Stop the group ``process`` leads: ``first``, SIGKILL after ``grace`` s; its exit code.

    With ``leftovers``, whatever still runs in the group once the leader exited
    is killed too, and the stop returns once none of it is left (or after
    :data:`KILL_WAIT` s). None when the leader outlived SIGKILL by that long.
    """
    if process.poll() is None:
        signal_group(process.pid, first)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            signal_group(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(KILL_WAIT)
    if leftovers and signal_group(process.pid, signal.SIGKILL):
        deadline = time.monotonic() + KILL_WAIT
        while group_members(process.pid) and time.monotonic() < deadline:
            time.sleep(_POLL)
    return process.returncode


async def stop_group_async(
    process: asyncio.subprocess.Process,
    *,
    grace: float,
    first: int = signal.SIGTERM,
    leftovers: bool = True,
) -> int | None:
    """:func:`stop_group` for a process started with :func:`start_group_async`."""
    if process.returncode is None:
        signal_group(process.pid, first)
        try:
            await asyncio.wait_for(process.wait(), grace)
        except TimeoutError:
            signal_group(process.pid, signal.SIGKILL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), KILL_WAIT)
    if leftovers and signal_group(process.pid, signal.SIGKILL):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + KILL_WAIT
        while group_members(process.pid) and loop.time() < deadline:
            await asyncio.sleep(_POLL)
    return process.returncode
