"""The server's handle on one interpreter child process.

Spawns ``python -m clusterport.engines.livy.interpreter`` in its own process
group, writes operations to its stdin, turns its event lines into callbacks,
feeds its stderr into the session log, and stops it: politely (``stop``
operation), then SIGTERM, then SIGKILL of the whole group.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from clusterport.engines.livy import protocol
from clusterport.process_groups import signal_group, start_group_async, stop_group_async

__all__ = ["InterpreterGoneError", "InterpreterProcess", "release_connect_session"]

log = logging.getLogger("clusterport.livy")

INTERPRETER_MODULE = "clusterport.engines.livy.interpreter"
# Environment variables that would change how the child's pyspark client behaves.
_DROPPED_ENV = ("SPARK_CONNECT_PROGRESS_BAR_ENABLED", "SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED")


class InterpreterGoneError(RuntimeError):
    """The interpreter process has exited; the session cannot run anything any more."""


def _child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra or {})
    return env


class InterpreterProcess:
    """One interpreter child: operations in, events and log lines out."""

    def __init__(
        self,
        *,
        cwd: Path,
        on_event: Callable[[dict[str, Any]], None],
        on_log: Callable[[str], None],
        python: str = sys.executable,
        line_limit: int = 1 << 26,
    ) -> None:
        self._cwd = cwd
        self._on_event = on_event
        self._on_log = on_log
        self._python = python
        self._line_limit = line_limit
        self._process: asyncio.subprocess.Process | None = None
        self._readers: list[asyncio.Task[None]] = []
        self._exited: asyncio.Future[int] | None = None
        self._watcher: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id (also its process group id), once spawned."""
        return self._process.pid if self._process is not None else None

    @property
    def returncode(self) -> int | None:
        """The exit status once the child has exited, else ``None``."""
        return self._process.returncode if self._process is not None else None

    async def spawn(self) -> None:
        """Start the child; events and log lines flow to the callbacks from now on."""
        self._cwd.mkdir(parents=True, exist_ok=True)
        self._process = await start_group_async(
            [self._python, "-m", INTERPRETER_MODULE],
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=self._cwd,
            env=_child_env(),
            limit=self._line_limit,
        )
        self._exited = asyncio.get_running_loop().create_future()
        self._readers = [
            asyncio.create_task(self._read_events()),
            asyncio.create_task(self._read_log()),
        ]
        self._watcher = asyncio.create_task(self._watch_exit())

    async def send(self, message: Mapping[str, Any]) -> None:
        """Write one operation; raises :class:`InterpreterGoneError` if the child is gone."""
        process = self._process
        if process is None or process.stdin is None or process.returncode is not None:
            raise InterpreterGoneError("the interpreter process is not running")
        try:
            process.stdin.write(protocol.encode(message))
            await process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise InterpreterGoneError("the interpreter process closed its input") from exc

    async def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the child to exit (and its output to be read); ``None`` on timeout."""
        if self._exited is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(self._exited), timeout)
        except TimeoutError:
            return None

    def signal_group(self, signum: int) -> None:
        """Send ``signum`` to the child's whole process group."""
        if self._process is not None and self._process.returncode is None:
            signal_group(self._process.pid, signum)

    async def terminate(self, grace: float) -> int | None:
        """SIGTERM, then SIGKILL after ``grace`` seconds; returns the exit status."""
        if self._process is None:
            return None
        await stop_group_async(self._process, grace=grace)
        return await self.wait(10)  # once its output is read too

    # ---- readers

    async def _read_events(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        stream = self._process.stdout
        while True:
            try:
                line = await stream.readline()
            except ValueError:
                # A line over the limit: the interpreter is producing garbage; end it.
                self._on_log("interpreter sent an event over the size limit; stopping it")
                self.signal_group(signal.SIGKILL)
                return
            if not line:
                return
            try:
                event = protocol.decode(line)
            except protocol.ProtocolError as exc:
                self._on_log(f"interpreter protocol error: {exc}")
                continue
            self._on_event(event)

    async def _read_log(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        stream = self._process.stderr
        pending = b""
        while True:
            chunk = await stream.read(1 << 16)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._on_log(line.decode("utf-8", "replace").rstrip("\r"))
        if pending:
            self._on_log(pending.decode("utf-8", "replace"))

    async def _watch_exit(self) -> None:
        assert self._process is not None and self._exited is not None
        code = await self._process.wait()
        await asyncio.gather(*self._readers, return_exceptions=True)
        if self._process.stdin is not None:
            self._process.stdin.close()
        # Whatever the interpreter left in its group (it starts none on purpose) goes too.
        signal_group(self._process.pid, signal.SIGKILL)
        if not self._exited.done():
            self._exited.set_result(code)


async def release_connect_session(
    remote: str, session_id: str, *, python: str = sys.executable, timeout: float = 30.0
) -> bool:
    """Release a Spark Connect session left behind by a killed interpreter.

    Runs the interpreter module's ``--release`` helper (so the server itself
    never imports pyspark); returns whether it succeeded in time.
    """
    process = await start_group_async(
        [python, "-m", INTERPRETER_MODULE, "--release"],
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=_child_env(),
    )
    request = json.dumps({"remote": remote, "session_id": session_id}) + "\n"
    try:
        _, stderr = await asyncio.wait_for(process.communicate(request.encode()), timeout)
    except TimeoutError:
        await stop_group_async(process, grace=0, first=signal.SIGKILL)
        log.warning("releasing Connect session %s timed out", session_id)
        return False
    if process.returncode != 0:
        log.warning(
            "releasing Connect session %s failed: %s",
            session_id,
            stderr.decode("utf-8", "replace")[-500:],
        )
        return False
    return True
