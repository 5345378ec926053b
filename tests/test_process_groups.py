"""The one way children are started in a group of their own and stopped with everything in it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from clusterport.process_groups import (
    group_members,
    signal_group,
    start_group,
    start_group_async,
    stop_group,
    stop_group_async,
)

#: A leader that ignores SIGTERM and leaves a grandchild (in its group) behind,
#: both waiting on a pipe so that nothing here depends on how long anything takes.
STUBBORN = """
import signal, subprocess, sys
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"])
print(child.pid, flush=True)
sys.stdin.read()
"""

#: A leader that exits on SIGTERM at once but leaves a grandchild that ignores it.
LEAVES_ONE = """
import signal, subprocess, sys
child = subprocess.Popen([sys.executable, "-c",
    "import signal, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); sys.stdin.read()"], stdout=subprocess.PIPE, text=True)
child.stdout.readline()
print(child.pid, flush=True)
sys.stdin.read()
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_a_group_leads_a_session_of_its_own() -> None:
    process = start_group(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        assert os.getsid(process.pid) == process.pid
        assert os.getpgid(process.pid) == process.pid != os.getpgid(0)
    finally:
        assert stop_group(process, grace=30) == -signal.SIGTERM


def test_a_leader_that_ignores_sigterm_is_killed_with_its_group() -> None:
    process = start_group(
        [sys.executable, "-c", STUBBORN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    grandchild = int(process.stdout.readline())
    assert set(group_members(process.pid)) >= {process.pid, grandchild}
    assert stop_group(process, grace=0.5) == -signal.SIGKILL
    assert group_members(process.pid) == []
    assert not _alive(grandchild)


def test_what_a_leader_leaves_in_its_group_goes_too_unless_asked_to_stay() -> None:
    for leftovers in (False, True):
        process = start_group(
            [sys.executable, "-c", LEAVES_ONE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        grandchild = int(process.stdout.readline())
        assert stop_group(process, grace=30, leftovers=leftovers) == -signal.SIGTERM
        assert _alive(grandchild) is not leftovers
        stop_group(process, grace=30)  # the leader is gone: what it left goes
        assert group_members(process.pid) == []


def test_a_group_that_is_gone_is_not_signalled() -> None:
    process = start_group([sys.executable, "-c", "pass"])
    assert process.wait(30) == 0
    assert signal_group(process.pid, signal.SIGTERM) is False
    assert stop_group(process, grace=1) == 0  # ended on its own: its own exit code


async def test_the_async_stop_takes_the_same_steps() -> None:
    process = await start_group_async(
        [sys.executable, "-c", STUBBORN],
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    grandchild = int(await process.stdout.readline())
    assert os.getpgid(grandchild) == process.pid
    assert await stop_group_async(process, grace=0.5) == -signal.SIGKILL
    assert group_members(process.pid) == []
    assert not _alive(grandchild)


@pytest.mark.parametrize("first", [signal.SIGINT, signal.SIGKILL])
def test_the_first_signal_can_be_another(first: int) -> None:
    # A child inherits an ignored SIGINT (a shell ignores it for what it starts in the
    # background, the test run included) and Python then keeps it ignored: the child sets
    # Python's own handler and says when it has.
    child = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "print('ready', flush=True); sys.stdin.read()"
    )
    process = start_group(
        [sys.executable, "-c", child],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    # Python ends a KeyboardInterrupt it did not catch by the same signal.
    assert stop_group(process, grace=30, first=first) == -first
