"""Long-running server processes: spawn under their own session, recognise, stop.

Every server a cluster needs is started with ``setsid`` (its own session and
process group, so stopping the control plane does not take it along) and is
recorded as a :class:`ProcessRecord`: pid, kernel start time and boot id. A pid
alone is not an identity (pids are reused), so a record only matches a live
process whose ``/proc/<pid>/stat`` start time and the host's boot id are those
recorded. Children of a server (executors, Python workers) share its process
group; stopping a record signals the whole group.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clusterport.engines.base import EngineError
from clusterport.engines.sandbox import Sandbox
from clusterport.process_groups import group_members, signal_group

_PROC = Path("/proc")


class ProcessExitedError(EngineError):
    """A server exited before it was ready; carries the end of its log."""

    def __init__(self, role: str, exit_code: int | None, log_tail: str) -> None:
        code = "unknown" if exit_code is None else str(exit_code)
        super().__init__(
            f"The {role} process exited (code {code}) before it was ready; "
            f"the end of its log:\n{log_tail}"
        )
        self.role = role
        self.exit_code = exit_code
        self.log_tail = log_tail


@dataclass(frozen=True)
class ProcessRecord:
    """A process the engine started, identified beyond its pid."""

    role: str
    pid: int
    start_ticks: int
    boot_id: str
    log_path: str
    ports: Mapping[str, int] = field(default_factory=dict)
    instance_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """This record as JSON-ready data."""
        return {
            "role": self.role,
            "pid": self.pid,
            "start_ticks": self.start_ticks,
            "boot_id": self.boot_id,
            "log_path": self.log_path,
            "ports": dict(self.ports),
            "instance_id": self.instance_id,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcessRecord:
        """Read a record written by :meth:`to_json`."""
        return cls(
            role=str(data["role"]),
            pid=int(data["pid"]),
            start_ticks=int(data["start_ticks"]),
            boot_id=str(data["boot_id"]),
            log_path=str(data["log_path"]),
            ports={str(k): int(v) for k, v in dict(data.get("ports", {})).items()},
            instance_id=None if data.get("instance_id") is None else str(data["instance_id"]),
        )


def boot_id() -> str:
    """The kernel's id for the current boot (start times only compare within one boot)."""
    return (_PROC / "sys/kernel/random/boot_id").read_text().strip()


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name (index 0 is the state)."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return raw[raw.rfind(")") + 2 :].split()


def reap(pid: int) -> int | None:
    """Collect the exit status of a child of ours that ended; None if none to collect."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None
    if done == 0:
        return None
    return os.waitstatus_to_exitcode(status)


def start_ticks(pid: int) -> int | None:
    """The kernel start time of a live (non-zombie) process, or None."""
    fields = _stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def is_running(record: ProcessRecord, current_boot: str | None = None) -> bool:
    """True when the recorded process is alive and is still the one that was started."""
    if record.boot_id != (current_boot or boot_id()):
        return False
    return start_ticks(record.pid) == record.start_ticks


def owned_group(record: ProcessRecord, current_boot: str | None = None) -> bool:
    """True when the record's process group still holds processes that are ours.

    The leader alive with its recorded start time: ours. The leader gone: the
    kernel never hands out a pid that is still some group's id, so whatever is
    left in that group was started by the leader.
    """
    if record.boot_id != (current_boot or boot_id()):
        return False
    ticks = start_ticks(record.pid)
    if ticks is not None:
        return ticks == record.start_ticks
    return bool(group_members(record.pid))


def inheritable_descriptors() -> list[int]:
    """This process's descriptors above 2 that a child would inherit.

    Python opens its own files non-inheritable, but whatever started the server
    may have left some (a lock held by a wrapper, say): a tenant's process must
    not get them.
    """
    found = []
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2:
            with contextlib.suppress(OSError):  # the listing's own descriptor, now closed
                if os.get_inheritable(fd):
                    found.append(fd)
    return found


def spawn(
    argv: Sequence[str],
    *,
    role: str,
    env: Mapping[str, str],
    cwd: Path,
    log_path: Path,
    sandbox: Sandbox,
    ports: Mapping[str, int] | None = None,
    instance_id: str | None = None,
    stdin: int | None = None,
) -> ProcessRecord:
    """Start ``argv`` in ``sandbox``, in a new session, output appended to ``log_path``.

    Its standard input is ``/dev/null``, or the descriptor ``stdin`` (the read
    end of a pipe the caller keeps the other end of). Returns its record; the
    recorded pid is the sandbox's outermost process, whose process group holds
    everything started inside.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    sandbox.own(cwd)
    full = sandbox.command(argv, cwd=cwd)
    # The log is the engine's (0600); the process only writes through the descriptor.
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)
        if stdin is None
        else (os.POSIX_SPAWN_DUP2, stdin, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(log_path), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
        (os.POSIX_SPAWN_DUP2, 1, 2),
        *((os.POSIX_SPAWN_CLOSE, fd) for fd in inheritable_descriptors()),
    ]
    pid = os.posix_spawn(full[0], full, dict(env), file_actions=actions, setsid=True)
    ticks = start_ticks(pid)
    if ticks is None:
        raise ProcessExitedError(role, reap(pid), log_tail(log_path))
    return ProcessRecord(
        role=role,
        pid=pid,
        start_ticks=ticks,
        boot_id=boot_id(),
        log_path=str(log_path),
        ports=dict(ports or {}),
        instance_id=instance_id,
    )


def log_tail(path: Path | str, lines: int = 20, max_chars: int = 4000) -> str:
    """The last lines of a log file ('' when there is none)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    text = "\n".join(data.splitlines()[-lines:])
    return text[-max_chars:]


async def _collect(pids: Iterable[int], poll: float, timeout: float = 10.0) -> None:
    """Collect the exit status of ended children of ours, so none stays a zombie.

    A JVM's main thread shows as a zombie while its other threads still exit;
    the process can only be collected after that, so this waits a little.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    for pid in pids:
        while True:
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                break  # not our child, or collected already
            if done or loop.time() >= deadline:
                break
            await asyncio.sleep(poll / 2)


async def terminate(
    records: Iterable[ProcessRecord], *, grace: float = 15.0, poll: float = 0.1
) -> None:
    """Stop the records' process groups: SIGTERM, then SIGKILL after ``grace`` seconds.

    Returns once none of those groups has a live process left.
    """
    current = boot_id()
    records = list(records)
    for record in records:  # collect leaders that already ended (a zombie is no group)
        reap(record.pid)
    groups = sorted({r.pid for r in records if owned_group(r, current)})
    for pgid in groups:
        signal_group(pgid, signal.SIGTERM)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    pending = list(groups)
    while pending:
        pending = [g for g in pending if group_members(g)]
        if not pending:
            break
        if loop.time() >= deadline:
            break
        await asyncio.sleep(poll)
    if not pending:
        await _collect(groups, poll)
        return
    for pgid in pending:
        signal_group(pgid, signal.SIGKILL)
    kill_deadline = loop.time() + 30.0
    while pending and loop.time() < kill_deadline:
        await asyncio.sleep(poll)
        pending = [g for g in pending if group_members(g)]
    await _collect(groups, poll)
    if pending:
        raise EngineError(
            f"Process groups {pending} survived SIGKILL (processes in uninterruptible "
            "sleep?); check them with `ps -o pid,stat,cmd -g <pgid>`."
        )


def port_is_free(port: int) -> bool:
    """True when nothing listens on (or holds) TCP ``port`` of 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports on 127.0.0.1 that were free a moment ago."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


async def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        _reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def wait_for_port(
    record: ProcessRecord, port: int, *, timeout: float, poll: float = 0.05
) -> None:
    """Wait until the record's process listens on ``port``; raise if it dies or times out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if await port_open(port):
            return
        if not is_running(record, record.boot_id):
            raise ProcessExitedError(record.role, reap(record.pid), log_tail(record.log_path))
        if loop.time() >= deadline:
            raise EngineError(
                f"The {record.role} process did not open port {port} within {timeout:.0f} s; "
                f"see its log {record.log_path}:\n{log_tail(record.log_path)}"
            )
        await asyncio.sleep(poll)
