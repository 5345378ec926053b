"""The line protocol between the Livy server and its per-session interpreter processes.

Each message is one JSON object on one line. The server writes *operations* to
the interpreter's stdin; the interpreter answers with *events* on its original
stdout (user code never writes there: the interpreter redirects fd 1 to stderr
and captures ``print`` per statement).

Operations (server → interpreter)::

    {"op": "init", "remote": "sc://…", "conf": {…}, "max_output_bytes": n}   first, once
    {"op": "execute", "id": 3, "code": "…", "kind": "pyspark" | "sql"}
    {"op": "cancel", "id": 3}
    {"op": "stop"}

Events (interpreter → server)::

    {"event": "ready", "app_id": …, "connect_session_id": …, "spark_version": …}
    {"event": "failed", "ename": …, "evalue": …, "traceback": […]}            start-up failed
    {"event": "started", "id": 3}
    {"event": "progress", "id": 3, "progress": 0.42}
    {"event": "result", "id": 3, "cancelled": false, "output": {…Livy output…}}
    {"event": "stopped"}

A release helper (``--release``) reads one ``{"remote": …, "session_id": …}``
line and releases that Spark Connect session; the server runs it when it had
to kill an interpreter that could not stop its own session.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "EVENT_FAILED",
    "EVENT_PROGRESS",
    "EVENT_READY",
    "EVENT_RESULT",
    "EVENT_STARTED",
    "EVENT_STOPPED",
    "OP_CANCEL",
    "OP_EXECUTE",
    "OP_INIT",
    "OP_STOP",
    "ProtocolError",
    "decode",
    "encode",
]

OP_INIT = "init"
OP_EXECUTE = "execute"
OP_CANCEL = "cancel"
OP_STOP = "stop"

EVENT_READY = "ready"
EVENT_FAILED = "failed"
EVENT_STARTED = "started"
EVENT_PROGRESS = "progress"
EVENT_RESULT = "result"
EVENT_STOPPED = "stopped"


class ProtocolError(ValueError):
    """A line that is not a JSON object (a bug on one side, or a corrupted pipe)."""


def encode(message: Mapping[str, Any]) -> bytes:
    """One message as one newline-terminated UTF-8 JSON line."""
    text = json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=str)
    return text.encode("utf-8", "replace") + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """Parse one line written by :func:`encode`."""
    try:
        message = json.loads(line)
    except ValueError as exc:
        raise ProtocolError(f"not a JSON line: {line[:200]!r}") from exc
    if not isinstance(message, dict):
        raise ProtocolError(f"not a JSON object: {line[:200]!r}")
    return message
