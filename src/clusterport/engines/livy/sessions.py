"""Livy sessions and statements: their state machines and the registry that owns them.

States are exactly Livy's. A session::

    not_started ─▶ starting ─▶ idle ⇄ busy
         │             │         │      │
         └─────────────┴─────────┴──────┴─▶ shutting_down ─▶ killed | success | dead | error
                       └─▶ dead (interpreter failed to start or exited)

A statement::

    waiting ─▶ running ─▶ available            (output "ok" or the user's "error")
       │          ├─────▶ error                (the interpreter died under it)
       │          └─▶ cancelling ─▶ cancelled
       └─▶ cancelled

Each session owns one :class:`~.process.InterpreterProcess` and runs its
statements one at a time in submission order. The :class:`SessionRegistry`
creates, finds and deletes sessions, kills those whose client stopped sending
heartbeats (``heartbeatTimeoutInSecond``) or that sat idle past the endpoint's
session timeout, and reports activity for the platform's idle detection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections import deque
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from clusterport.engines.livy import protocol
from clusterport.engines.livy.config import LivyConfig
from clusterport.engines.livy.errors import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    TooManySessionsError,
)
from clusterport.engines.livy.process import (
    InterpreterGoneError,
    InterpreterProcess,
    release_connect_session,
)

__all__ = [
    "FINAL_SESSION_STATES",
    "FINAL_STATEMENT_STATES",
    "LivySession",
    "SessionRegistry",
    "SessionRequest",
    "SessionState",
    "Statement",
    "StatementState",
]

log = logging.getLogger("clusterport.livy")


class SessionState(StrEnum):
    """Livy's session states."""

    NOT_STARTED = "not_started"
    STARTING = "starting"
    IDLE = "idle"
    BUSY = "busy"
    SHUTTING_DOWN = "shutting_down"
    ERROR = "error"
    DEAD = "dead"
    KILLED = "killed"
    SUCCESS = "success"


class StatementState(StrEnum):
    """Livy's statement states."""

    WAITING = "waiting"
    RUNNING = "running"
    AVAILABLE = "available"
    ERROR = "error"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"


FINAL_SESSION_STATES = frozenset(
    {SessionState.ERROR, SessionState.DEAD, SessionState.KILLED, SessionState.SUCCESS}
)
FINAL_STATEMENT_STATES = frozenset(
    {StatementState.AVAILABLE, StatementState.ERROR, StatementState.CANCELLED}
)

_S = SessionState
_SESSION_TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    _S.NOT_STARTED: frozenset({_S.STARTING, _S.SHUTTING_DOWN, _S.DEAD}),
    _S.STARTING: frozenset({_S.IDLE, _S.BUSY, _S.SHUTTING_DOWN, _S.DEAD, _S.ERROR}),
    _S.IDLE: frozenset({_S.BUSY, _S.SHUTTING_DOWN, _S.DEAD}),
    _S.BUSY: frozenset({_S.IDLE, _S.SHUTTING_DOWN, _S.DEAD}),
    _S.SHUTTING_DOWN: frozenset({_S.KILLED, _S.SUCCESS, _S.DEAD, _S.ERROR}),
}
_T = StatementState
_STATEMENT_TRANSITIONS: dict[StatementState, frozenset[StatementState]] = {
    _T.WAITING: frozenset({_T.RUNNING, _T.CANCELLED, _T.ERROR}),
    _T.RUNNING: frozenset({_T.AVAILABLE, _T.ERROR, _T.CANCELLING, _T.CANCELLED}),
    _T.CANCELLING: frozenset({_T.CANCELLED, _T.AVAILABLE, _T.ERROR}),
}

_PYSPARK_ALIASES = {"pyspark": "pyspark", "python": "pyspark", "pyspark3": "pyspark"}
_REFUSED_KINDS = ("spark", "sparkr", "scala", "r")
_KNOWN_SESSION_FIELDS = frozenset(
    {
        "kind",
        "proxyUser",
        "jars",
        "pyFiles",
        "files",
        "driverMemory",
        "driverCores",
        "executorMemory",
        "executorCores",
        "numExecutors",
        "archives",
        "queue",
        "name",
        "conf",
        "heartbeatTimeoutInSecond",
        "ttl",
    }
)


def _now_ms() -> int:
    return int(time.time() * 1000)


def normalize_kind(kind: Any, *, what: str) -> str:
    """Map a Livy ``kind`` to ``pyspark`` or ``sql``, refusing the languages not served here."""
    if not isinstance(kind, str):
        raise BadRequestError(f"{what} kind must be a string such as 'pyspark'")
    lowered = kind.strip().lower()
    if lowered in _PYSPARK_ALIASES:
        return _PYSPARK_ALIASES[lowered]
    if lowered == "sql":
        return "sql"
    if lowered in _REFUSED_KINDS:
        raise BadRequestError(
            f"{what} kind '{kind}' is not supported: this Livy endpoint runs PySpark only "
            "(on Spark Connect). Use kind 'pyspark' (sparkmagic: %%spark -l python)."
        )
    raise BadRequestError(f"unknown {what} kind '{kind}'; use 'pyspark' (or 'sql')")


@dataclass(frozen=True)
class SessionRequest:
    """A validated ``POST /sessions`` body."""

    kind: str = "pyspark"
    name: str | None = None
    proxy_user: str | None = None
    heartbeat_timeout: int = 0
    conf: Mapping[str, str] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, body: Any) -> SessionRequest:
        """Validate a decoded JSON body; raises :class:`BadRequestError` naming the field."""
        if not isinstance(body, dict):
            raise BadRequestError('the request body must be a JSON object like {"kind": "pyspark"}')
        kind = normalize_kind(body.get("kind", "pyspark"), what="session")
        name = body.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise BadRequestError("name must be a non-empty string")
        proxy_user = body.get("proxyUser")
        if proxy_user is not None and not isinstance(proxy_user, str):
            raise BadRequestError("proxyUser must be a string")
        heartbeat = body.get("heartbeatTimeoutInSecond", 0)
        if isinstance(heartbeat, bool) or not isinstance(heartbeat, int) or heartbeat < 0:
            raise BadRequestError("heartbeatTimeoutInSecond must be a non-negative integer")
        conf = body.get("conf") or {}
        if not isinstance(conf, dict) or not all(isinstance(k, str) for k in conf):
            raise BadRequestError("conf must be a JSON object of Spark settings")
        conf_text = {k: v if isinstance(v, str) else str(v) for k, v in conf.items()}
        ignored = tuple(sorted(k for k in body if k not in _KNOWN_SESSION_FIELDS))
        return cls(
            kind=kind,
            name=name,
            proxy_user=proxy_user,
            heartbeat_timeout=heartbeat,
            conf=conf_text,
            ignored=ignored,
        )


class Statement:
    """One submitted piece of code and what became of it."""

    def __init__(self, statement_id: int, code: str, kind: str) -> None:
        self.id = statement_id
        self.code = code
        self.kind = kind
        self.state = StatementState.WAITING
        self.output: dict[str, Any] | None = None
        self.progress = 0.0
        self.started = 0
        self.completed = 0
        self.done: asyncio.Event = asyncio.Event()
        # Sent to the interpreter (which reports "started" a moment later).
        self.dispatched = False
        self.cancel_requested = False

    def transition(self, new: StatementState) -> None:
        """Move to ``new``; an impossible move is a bug and raises ``RuntimeError``."""
        if new == self.state:
            return
        if new not in _STATEMENT_TRANSITIONS.get(self.state, frozenset()):
            raise RuntimeError(f"statement {self.id}: {self.state} -> {new} is not allowed")
        self.state = new
        if new == StatementState.RUNNING:
            self.started = _now_ms()
        if new in FINAL_STATEMENT_STATES:
            self.completed = _now_ms()
            if new == StatementState.AVAILABLE:
                self.progress = 1.0
            self.done.set()

    @property
    def final(self) -> bool:
        """Whether nothing will change about this statement any more."""
        return self.state in FINAL_STATEMENT_STATES

    def to_json(self) -> dict[str, Any]:
        """The statement as Livy shows it."""
        return {
            "id": self.id,
            "code": self.code,
            "state": str(self.state),
            "output": self.output,
            "progress": self.progress,
            "started": self.started,
            "completed": self.completed,
        }


class LivySession:
    """One interactive session: an interpreter process and its statements."""

    def __init__(
        self,
        session_id: int,
        request: SessionRequest,
        config: LivyConfig,
        registry: SessionRegistry,
    ) -> None:
        self.id = session_id
        self.request = request
        self.kind = request.kind
        self.name = request.name
        self.proxy_user = request.proxy_user
        self.heartbeat_timeout = request.heartbeat_timeout
        self.config = config
        self._registry = registry
        self.state = SessionState.NOT_STARTED
        self.app_id: str | None = None
        self.connect_session_id: str | None = None
        self.created = time.time()
        self.last_access = time.monotonic()
        self.last_state_change = time.monotonic()
        self._log: deque[str] = deque(maxlen=config.log_lines)
        self.statements: dict[int, Statement] = {}
        self._queue: asyncio.Queue[Statement] = asyncio.Queue()
        self._ready = asyncio.Event()
        self._stopped = asyncio.Event()
        self._stopping = False
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._process = InterpreterProcess(
            cwd=config.sessions_dir / str(session_id),
            on_event=self._on_event,
            on_log=self.append_log,
            python=config.python,
            line_limit=config.max_output_bytes * 8 + (1 << 20),
        )

    # ---- state

    def _set_state(self, new: SessionState) -> None:
        if new == self.state:
            return
        if new not in _SESSION_TRANSITIONS.get(self.state, frozenset()):
            raise RuntimeError(f"session {self.id}: {self.state} -> {new} is not allowed")
        self.append_log(f"session state: {self.state} -> {new}")
        self.state = new
        self.last_state_change = time.monotonic()
        self._registry.note_activity()

    @property
    def final(self) -> bool:
        """Whether the session has ended (its interpreter is gone)."""
        return self.state in FINAL_SESSION_STATES

    def touch(self) -> None:
        """Record a client request for this session (Livy's heartbeat)."""
        self.last_access = time.monotonic()

    def append_log(self, line: str) -> None:
        """Add one line to the session log (bounded; the oldest lines drop off)."""
        self._log.append(line)

    def log_slice(self, start: int | None, size: int | None) -> tuple[int, int, list[str]]:
        """Livy's log paging: ``(from, total, lines)``; no ``from`` means the last ``size``."""
        lines = list(self._log)
        size = 100 if size is None else size
        if size < 0:
            size = len(lines)
        if start is None or start < 0:
            start = max(0, len(lines) - size)
        return start, len(lines), lines[start : start + size]

    def to_json(self) -> dict[str, Any]:
        """The session as Livy shows it (with the last 100 log lines)."""
        return {
            "id": self.id,
            "name": self.name,
            "appId": self.app_id,
            "owner": None,
            "proxyUser": self.proxy_user,
            "state": str(self.state),
            "kind": self.kind,
            "appInfo": {"driverLogUrl": None, "sparkUiUrl": self.config.spark_ui_url},
            "log": self.log_slice(None, 100)[2],
            "heartbeatTimeoutInSecond": self.heartbeat_timeout,
            "connectSessionId": self.connect_session_id,
        }

    # ---- lifecycle

    async def start(self) -> None:
        """Spawn the interpreter and let it connect; returns at once (state ``starting``)."""
        self._set_state(SessionState.STARTING)
        if self.request.ignored:
            self.append_log(
                "ignored session settings (cluster-wide on this endpoint): "
                + ", ".join(self.request.ignored)
            )
        try:
            await self._process.spawn()
            await self._process.send(
                {
                    "op": protocol.OP_INIT,
                    "remote": self.config.spark_remote,
                    "conf": dict(self.request.conf),
                    "max_output_bytes": self.config.max_output_bytes,
                }
            )
        except (OSError, InterpreterGoneError) as exc:
            self.append_log(f"could not start the interpreter: {exc}")
            self._set_state(SessionState.DEAD)
            self._stopped.set()
            return
        self._runner = asyncio.create_task(self._run(), name=f"livy-session-{self.id}")
        self._background(self._supervise())

    async def _run(self) -> None:
        """Wait for the interpreter to connect, then run statements in order."""
        timeout = self.config.startup_timeout or None
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            self.append_log(f"the interpreter did not connect within {timeout:.0f} s")
            await self._process.terminate(5)
            return
        while True:
            statement = await self._queue.get()
            if statement.final:
                continue
            await self._execute(statement)
            if self._queue.empty() and self.state == SessionState.BUSY:
                self._set_state(SessionState.IDLE)

    async def _supervise(self) -> None:
        """Notice the interpreter's exit, whatever its cause."""
        await self._process.wait()
        if self._runner is not None:
            self._runner.cancel()
        self._on_exit()

    async def _execute(self, statement: Statement) -> None:
        statement.dispatched = True
        try:
            await self._process.send(
                {
                    "op": protocol.OP_EXECUTE,
                    "id": statement.id,
                    "code": statement.code,
                    "kind": statement.kind,
                }
            )
        except InterpreterGoneError:
            return
        await statement.done.wait()
        self._registry.note_activity()

    def _on_exit(self) -> None:
        if self._stopping:
            return  # stop() finishes the job
        if not self.final:
            code = self._process.returncode
            self.append_log(f"the interpreter exited unexpectedly (exit status {code})")
            self._set_state(SessionState.DEAD)
        self._fail_unfinished("the session's interpreter exited; create a new session")
        self._stopped.set()

    def _fail_unfinished(self, reason: str) -> None:
        for statement in self.statements.values():
            if statement.state in (StatementState.WAITING, StatementState.CANCELLING):
                statement.transition(StatementState.CANCELLED)
            elif statement.state == StatementState.RUNNING:
                statement.output = {
                    "status": "error",
                    "ename": "SessionEnded",
                    "evalue": reason,
                    "traceback": [],
                }
                statement.transition(StatementState.ERROR)

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == protocol.EVENT_READY:
            self.app_id = event.get("app_id")
            self.connect_session_id = event.get("connect_session_id")
            self.append_log(
                f"connected: Spark {event.get('spark_version')}, application {self.app_id}, "
                f"Spark Connect session {self.connect_session_id}; SparkSession available as "
                "'spark' (Spark Connect has no SparkContext 'sc')"
            )
            if self.state == SessionState.STARTING:
                busy = any(not s.final for s in self.statements.values())
                self._set_state(SessionState.BUSY if busy else SessionState.IDLE)
            self._ready.set()
        elif kind == protocol.EVENT_FAILED:
            self.append_log(
                f"the interpreter could not start: {event.get('ename')}: {event.get('evalue')}"
            )
            for line in event.get("traceback") or []:
                self.append_log(str(line).rstrip("\n"))
        elif kind in (protocol.EVENT_STARTED, protocol.EVENT_PROGRESS, protocol.EVENT_RESULT):
            statement = self.statements.get(int(event.get("id", -1)))
            if statement is None or statement.final:
                return
            if kind == protocol.EVENT_STARTED and statement.state == StatementState.WAITING:
                statement.transition(StatementState.RUNNING)
                if statement.cancel_requested:
                    statement.transition(StatementState.CANCELLING)
            elif kind == protocol.EVENT_PROGRESS:
                statement.progress = float(event.get("progress", 0.0))
            elif kind == protocol.EVENT_RESULT:
                if statement.state == StatementState.WAITING:
                    statement.transition(StatementState.RUNNING)
                statement.output = event.get("output")
                statement.transition(
                    StatementState.CANCELLED if event.get("cancelled") else StatementState.AVAILABLE
                )
        elif kind == protocol.EVENT_STOPPED:
            self.append_log("the Spark Connect session was stopped")

    # ---- statements

    def submit(self, code: str, kind: str | None) -> Statement:
        """Queue ``code``; it runs after the statements before it."""
        if self.final or self.state == SessionState.SHUTTING_DOWN:
            raise ConflictError(
                f"session {self.id} is {self.state}; it cannot run statements. "
                "Create a new session (POST /sessions)."
            )
        statement_kind = normalize_kind(kind, what="statement") if kind is not None else self.kind
        size = len(code.encode("utf-8", "replace"))
        if size > self.config.max_code_bytes:
            raise PayloadTooLargeError(
                f"statement code is {size} bytes; this endpoint accepts at most "
                f"{self.config.max_code_bytes} bytes per statement. Split the code or load "
                "data from storage instead of inlining it."
            )
        statement = Statement(len(self.statements), code, statement_kind)
        self.statements[statement.id] = statement
        if self.state == SessionState.IDLE:
            self._set_state(SessionState.BUSY)
        self._queue.put_nowait(statement)
        self._registry.note_activity()
        return statement

    def statement(self, statement_id: int) -> Statement:
        """The statement with that id; :class:`NotFoundError` otherwise."""
        try:
            return self.statements[statement_id]
        except KeyError:
            raise NotFoundError(
                f"statement {statement_id} not found in session {self.id}"
            ) from None

    async def cancel(self, statement_id: int) -> None:
        """Cancel a waiting or running statement (finished ones are left as they are)."""
        statement = self.statement(statement_id)
        if statement.final or statement.cancel_requested:
            return
        if statement.state == StatementState.WAITING and not statement.dispatched:
            statement.transition(StatementState.CANCELLED)
            if self.state == SessionState.BUSY and not any(
                not s.final for s in self.statements.values()
            ):
                self._set_state(SessionState.IDLE)
            return
        # Handed to the interpreter already (running, or about to start): it must stop it.
        statement.cancel_requested = True
        if statement.state == StatementState.RUNNING:
            statement.transition(StatementState.CANCELLING)
        try:
            await self._process.send({"op": protocol.OP_CANCEL, "id": statement_id})
        except InterpreterGoneError:
            return
        self._background(self._enforce_cancel(statement))

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _enforce_cancel(self, statement: Statement) -> None:
        grace = self.config.cancel_grace
        try:
            await asyncio.wait_for(statement.done.wait(), grace)
        except TimeoutError:
            self.append_log(
                f"statement {statement.id} did not stop within {grace:.0f} s of its cancel; "
                "ending the session's interpreter"
            )
            await self.stop(SessionState.DEAD, polite=False)

    # ---- ending

    async def stop(self, final: SessionState, *, polite: bool = True) -> None:
        """End the session: stop its Spark Connect session and its interpreter.

        ``final`` is the state it ends in (``killed`` for a delete or a timeout).
        """
        if self.final or self._stopping:
            await self._stopped.wait()
            return
        self._stopping = True
        self._set_state(SessionState.SHUTTING_DOWN)
        for statement in self.statements.values():
            if statement.state == StatementState.WAITING:
                statement.transition(StatementState.CANCELLED)
        code: int | None = self._process.returncode
        if self._process.pid is not None and code is None:
            if polite:
                with contextlib.suppress(InterpreterGoneError):
                    running = [s for s in self.statements.values() if not s.final]
                    for statement in running:
                        await self._process.send({"op": protocol.OP_CANCEL, "id": statement.id})
                    await self._process.send({"op": protocol.OP_STOP})
                code = await self._process.wait(self.config.stop_grace)
            if code is None:
                code = await self._process.terminate(5)
                if code == -signal.SIGKILL and self.connect_session_id is not None:
                    # The interpreter died without releasing its Spark Connect session.
                    await release_connect_session(
                        self.config.spark_remote, self.connect_session_id, python=self.config.python
                    )
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        self._fail_unfinished("the session was stopped")
        if not self.final:
            self._set_state(final)
        self._stopped.set()


class SessionRegistry:
    """All sessions of the endpoint: create, find, delete, time out, report activity."""

    def __init__(self, config: LivyConfig) -> None:
        self.config = config
        self._sessions: dict[int, LivySession] = {}
        self._next_id = 0
        self._last_activity = time.time()
        self._reaper: asyncio.Task[None] | None = None
        self._stopping: set[asyncio.Task[None]] = set()

    # ---- activity

    def note_activity(self) -> None:
        """Record that something happened (a request, a statement, a state change)."""
        self._last_activity = time.time()

    def activity(self) -> dict[str, Any]:
        """``{"active_sessions", "busy", "last_activity"}`` for the platform's idle check."""
        live = [s for s in self._sessions.values() if not s.final]
        busy = any(
            s.state in (SessionState.BUSY, SessionState.STARTING, SessionState.SHUTTING_DOWN)
            for s in live
        )
        return {
            "active_sessions": len(live),
            "busy": busy,
            "last_activity": self._last_activity,
        }

    # ---- sessions

    def sessions(self) -> list[LivySession]:
        """All sessions, oldest first."""
        return [self._sessions[k] for k in sorted(self._sessions)]

    def get(self, session_id: int) -> LivySession:
        """The session with that id; :class:`NotFoundError` otherwise."""
        try:
            return self._sessions[session_id]
        except KeyError:
            raise NotFoundError(f"session {session_id} not found") from None

    async def create(self, request: SessionRequest) -> LivySession:
        """Create a session and start its interpreter (it reports ``starting`` first)."""
        live = [s for s in self._sessions.values() if not s.final]
        if len(live) >= self.config.max_sessions:
            raise TooManySessionsError(
                f"this endpoint already runs {len(live)} sessions (its limit); delete idle "
                "sessions (DELETE /sessions/{id}) and try again"
            )
        if request.name is not None and any(
            s.name == request.name for s in self._sessions.values() if not s.final
        ):
            raise BadRequestError(f"duplicate session name '{request.name}'; choose another")
        self._prune_finished()
        session = LivySession(self._next_id, request, self.config, self)
        self._next_id += 1
        self._sessions[session.id] = session
        self.note_activity()
        await session.start()
        return session

    async def delete(self, session_id: int) -> None:
        """Stop the session and forget it."""
        session = self.get(session_id)
        self._sessions.pop(session_id, None)
        self.note_activity()
        await session.stop(SessionState.KILLED)

    def _prune_finished(self) -> None:
        finished = [s for s in self.sessions() if s.final]
        excess = len(finished) - self.config.retained_finished_sessions + 1
        for session in finished[: max(0, excess)]:
            self._sessions.pop(session.id, None)

    # ---- timeouts

    def start(self) -> None:
        """Start the background check for heartbeat and idle timeouts."""
        if self._reaper is None:
            self._reaper = asyncio.create_task(self._reap_forever(), name="livy-reaper")

    async def _reap_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.reap_interval)
            self.reap(time.monotonic())

    def reap(self, now: float) -> list[int]:
        """Kill sessions past their heartbeat or idle timeout; returns their ids."""
        killed: list[int] = []
        idle_limit = self.config.session_timeout
        for session in list(self._sessions.values()):
            if session.final or session.state == SessionState.SHUTTING_DOWN:
                continue
            reason = None
            if session.heartbeat_timeout and now - session.last_access > session.heartbeat_timeout:
                reason = f"no heartbeat for {session.heartbeat_timeout} s"
            elif (
                idle_limit
                and session.state == SessionState.IDLE
                and now - max(session.last_access, session.last_state_change) > idle_limit
            ):
                reason = f"idle for more than {idle_limit:.0f} s"
            if reason is not None:
                session.append_log(f"session killed: {reason}")
                task = asyncio.create_task(session.stop(SessionState.KILLED))
                self._stopping.add(task)
                task.add_done_callback(self._stopping.discard)
                killed.append(session.id)
        return killed

    async def shutdown(self) -> None:
        """Stop every session (and with them their Spark Connect sessions)."""
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
            self._reaper = None
        stops = [s.stop(SessionState.KILLED) for s in self._sessions.values() if not s.final]
        await asyncio.gather(*stops, *self._stopping, return_exceptions=True)
