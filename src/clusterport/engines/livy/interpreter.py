"""The per-session Python interpreter of the Livy endpoint; runs as a child process.

One process per Livy session, so a statement can be interrupted or the whole
interpreter killed without touching the server or other sessions. It opens a
Spark Connect session (``SparkSession.builder.remote(…)``), binds it as
``spark`` and runs statements in one namespace like a REPL: the value of a
final expression is displayed, ``print`` output is captured, and errors come
back as ``ename``/``evalue``/``traceback``. Spark Connect has no SparkContext;
``sc`` explains that when used (see :mod:`.compat`).

Livy's output magics work on the last line of a statement: ``%json expr``,
``%table expr`` and ``%matplot figure-or-pyplot`` (the latter needs matplotlib
on the cluster). Statements of kind ``sql`` run ``spark.sql`` and answer
Livy's ``application/json`` ``{"schema", "data"}`` (at most 1000 rows).

Cancelling: the server sends ``cancel``; the reader thread interrupts the main
thread with SIGINT while that statement runs, and the interpreter then
interrupts the session's Spark operations (``spark.interruptAll()``). SIGTERM
or the end of stdin stops the Spark session and exits.

The wire format with the server is described in :mod:`.protocol`.
"""

from __future__ import annotations

import argparse
import ast
import base64
import contextlib
import io
import json
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import FrameType, TracebackType
from typing import IO, Any

from pyspark.sql import SparkSession

from clusterport.engines.livy import compat, protocol

__all__ = ["ReplNamespace", "error_output", "main", "release_connect_session"]

SQL_MAX_ROWS = 1000
_THIS_FILE = os.path.abspath(__file__)


def error_output(
    exc: BaseException, execution_count: int | None = None, *, skip_own_frames: bool = True
) -> dict[str, Any]:
    """Livy's error output for ``exc``; frames of this module are left out of the traceback."""
    tb: TracebackType | None = exc.__traceback__
    while skip_own_frames and tb is not None and tb.tb_frame.f_code.co_filename == _THIS_FILE:
        tb = tb.tb_next
    if isinstance(exc, SyntaxError):
        lines = traceback.format_exception_only(type(exc), exc)
    else:
        lines = traceback.format_exception(type(exc), exc, tb)
    # Spark errors append the server's JVM stack trace; it belongs in the traceback only.
    evalue = str(exc).split("\n\nJVM stacktrace:", 1)[0]
    output: dict[str, Any] = {
        "status": "error",
        "ename": type(exc).__name__,
        "evalue": evalue,
        "traceback": lines,
    }
    if execution_count is not None:
        output["execution_count"] = execution_count
    return output


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _records(value: Any) -> list[Any]:
    """Rows of a DataFrame, a list of Rows/dicts/lists, as plain Python values."""
    if hasattr(value, "collect") and hasattr(value, "schema"):
        value = value.take(SQL_MAX_ROWS)
    rows: list[Any] = []
    for item in value:
        if hasattr(item, "asDict"):
            rows.append(item.asDict(recursive=True))
        else:
            rows.append(item)
    return rows


class _Outcome:
    """What one statement produced (its Livy ``data`` mime bundle, or an error)."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}


class ReplNamespace:
    """Executes statements in one namespace, REPL-style, and shapes Livy outputs."""

    MAGICS = ("json", "table", "matplot")

    def __init__(self, namespace: dict[str, Any], *, max_output_bytes: int) -> None:
        self.namespace = namespace
        self.max_output_bytes = max_output_bytes
        self.execution_count = 0

    # ---- statement kinds

    def run(self, code: str, kind: str) -> dict[str, Any]:
        """Run one statement and return its Livy output (``ok`` or ``error``)."""
        count = self.execution_count
        self.execution_count += 1
        stdout = io.StringIO()
        try:
            with contextlib.redirect_stdout(stdout):
                outcome = self._run_sql(code) if kind == "sql" else self._run_python(code)
        except _Terminated:
            raise
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's error is the result
            return error_output(exc, count)
        text = stdout.getvalue().rstrip()
        if "text/plain" in outcome.data:
            text = "\n".join(part for part in (text, outcome.data["text/plain"]) if part)
        outcome.data["text/plain"] = self._limit(text)
        return {"status": "ok", "execution_count": count, "data": outcome.data}

    def _limit(self, text: str) -> str:
        encoded = text.encode("utf-8", "replace")
        if len(encoded) <= self.max_output_bytes:
            return text
        kept = encoded[: self.max_output_bytes].decode("utf-8", "ignore")
        return f"{kept}\n[output truncated: {len(encoded)} bytes, limit {self.max_output_bytes}]"

    def _run_python(self, code: str) -> _Outcome:
        outcome = _Outcome()
        code, magic = self._split_magic(code)
        tree = ast.parse(code, filename="<stdin>", mode="exec")
        body = list(tree.body)
        last = body.pop() if body and isinstance(body[-1], ast.Expr) and magic is None else None
        if body:
            module = ast.Module(body=body, type_ignores=[])
            exec(compile(module, "<stdin>", "exec"), self.namespace)
        if last is not None:
            # "single" mode shows the value through sys.displayhook, like the REPL.
            exec(compile(ast.Interactive(body=[last]), "<stdin>", "single"), self.namespace)
        if magic is not None:
            self._apply_magic(magic, outcome)
        return outcome

    def _split_magic(self, code: str) -> tuple[str, tuple[str, str] | None]:
        lines = code.rstrip().split("\n")
        last = lines[-1].strip() if lines else ""
        if not last.startswith("%"):
            return code, None
        name, _, argument = last[1:].partition(" ")
        if name not in self.MAGICS:
            raise SyntaxError(
                f"unknown magic %{name}; this Livy endpoint supports "
                + ", ".join(f"%{m}" for m in self.MAGICS)
            )
        if not argument.strip():
            raise SyntaxError(f"%{name} needs an expression, e.g. %{name} df")
        return "\n".join(lines[:-1]), (name, argument.strip())

    def _apply_magic(self, magic: tuple[str, str], outcome: _Outcome) -> None:
        name, expression = magic
        value = eval(compile(expression, "<stdin>", "eval"), self.namespace)
        if name == "json":
            data = _jsonable(_records(value) if hasattr(value, "schema") else value)
            outcome.data["application/json"] = data
            outcome.data["text/plain"] = json.dumps(data)
        elif name == "table":
            outcome.data["application/vnd.livy.table.v1+json"] = self._table(_records(value))
        else:
            outcome.data["image/png"] = self._png(value)

    @staticmethod
    def _table(rows: Sequence[Any]) -> dict[str, Any]:
        if rows and isinstance(rows[0], Mapping):
            names = list(rows[0].keys())
            data = [[row.get(n) for n in names] for row in rows]
        else:
            width = max((len(r) for r in rows), default=0)
            names = [str(i) for i in range(width)]
            data = [list(row) for row in rows]

        def type_name(column: int) -> str:
            for row in data:
                value = row[column] if column < len(row) else None
                if value is not None:
                    return {bool: "BOOLEAN_TYPE", int: "BIGINT_TYPE", float: "DOUBLE_TYPE"}.get(
                        type(value), "STRING_TYPE"
                    )
            return "NULL_TYPE"

        headers = [{"name": n, "type": type_name(i)} for i, n in enumerate(names)]
        return {"headers": headers, "data": _jsonable(data)}

    @staticmethod
    def _png(figure: Any) -> str:
        saver = getattr(figure, "savefig", None)
        if saver is None:
            raise TypeError("%matplot needs a matplotlib figure or matplotlib.pyplot")
        buffer = io.BytesIO()
        saver(buffer, format="png")
        if hasattr(figure, "close") and hasattr(figure, "gcf"):
            figure.close()
        return base64.b64encode(buffer.getvalue()).decode("ascii")

    def _run_sql(self, code: str) -> _Outcome:
        spark = self.namespace["spark"]
        frame = spark.sql(code)
        rows = frame.take(SQL_MAX_ROWS)
        outcome = _Outcome()
        outcome.data["application/json"] = {
            "schema": frame.schema.jsonValue(),
            "data": _jsonable([list(row) for row in rows]),
        }
        return outcome


# --------------------------------------------------------------------------- the child process


class _Channel:
    """The event stream to the server (the interpreter's original stdout)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, event: Mapping[str, Any]) -> None:
        with self._lock:
            self._stream.write(protocol.encode(event))
            self._stream.flush()


class _Interrupter:
    """Delivers SIGINT to the main thread only while a given statement runs."""

    def __init__(self) -> None:
        self.current: int | None = None
        self._lock = threading.Lock()
        self._main = threading.main_thread().ident
        # Cancels that arrived before their statement started (it is still queued).
        self._early: set[int] = set()

    def handler(self, signum: int, frame: FrameType | None) -> None:
        if self.current is not None:
            raise KeyboardInterrupt

    def running(self, statement_id: int | None) -> None:
        with self._lock:
            self.current = statement_id

    def cancelled_early(self, statement_id: int) -> bool:
        """Whether ``statement_id`` was cancelled before it started (consumes the mark)."""
        with self._lock:
            if statement_id in self._early:
                self._early.discard(statement_id)
                return True
            return False

    def interrupt(self, statement_id: int | None = None) -> None:
        with self._lock:
            if statement_id is not None and statement_id != self.current:
                self._early.add(statement_id)
                return
            if self.current is None:
                return
        assert self._main is not None
        signal.pthread_kill(self._main, signal.SIGINT)


def _reader(
    stream: IO[bytes], inbox: queue.Queue[dict[str, Any] | None], interrupter: _Interrupter
) -> None:
    for line in stream:
        try:
            message = protocol.decode(line)
        except protocol.ProtocolError as exc:
            print(f"livy interpreter: ignoring bad operation: {exc}", file=sys.stderr)
            continue
        if message.get("op") == protocol.OP_CANCEL:
            interrupter.interrupt(message.get("id"))
        else:
            inbox.put(message)
    # The server went away: stop whatever runs, then stop the session.
    interrupter.interrupt()
    inbox.put(None)


def _progress_handler(channel: _Channel, interrupter: _Interrupter) -> Callable[..., None]:
    last_sent = [0.0]

    def handler(
        stages: Iterable[Any] | None, inflight_tasks: int, operation_id: str | None, done: bool
    ) -> None:
        statement = interrupter.current
        now = time.monotonic()
        if statement is None or (now - last_sent[0] < 0.5 and not done):
            return
        total = completed = 0
        for stage in stages or ():
            total += int(stage.num_tasks)
            completed += int(stage.num_completed_tasks)
        if total:
            last_sent[0] = now
            progress = round(min(completed / total, 1.0), 3)
            channel.send({"event": protocol.EVENT_PROGRESS, "id": statement, "progress": progress})

    return handler


def _create_spark(remote: str, conf: Mapping[str, str]) -> Any:
    spark = SparkSession.builder.remote(remote).create()
    for key, value in conf.items():
        try:
            spark.conf.set(key, value)
        except Exception as exc:  # noqa: BLE001 - static settings cannot change per session
            print(f"conf {key}={value} not applied to this session: {exc}", file=sys.stderr)
    return spark


def _take_protocol_streams() -> tuple[IO[bytes], IO[bytes]]:
    """Keep stdin/stdout for the protocol; user code gets /dev/null and stderr instead."""
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    return proto_in, proto_out


def _serve(proto_in: IO[bytes], channel: _Channel) -> int:
    interrupter = _Interrupter()
    signal.signal(signal.SIGINT, interrupter.handler)
    inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
    threading.Thread(
        target=_reader, args=(proto_in, inbox, interrupter), name="livy-ops", daemon=True
    ).start()

    init = inbox.get()
    if init is None or init.get("op") != protocol.OP_INIT:
        print("livy interpreter: the first operation must be init", file=sys.stderr)
        return 2
    try:
        spark = _create_spark(str(init["remote"]), init.get("conf") or {})
        app_id = spark.conf.get("spark.app.id", None)
        ready = {
            "event": protocol.EVENT_READY,
            "app_id": app_id,
            "connect_session_id": spark.session_id,
            "spark_version": spark.version,
        }
    except Exception as exc:  # noqa: BLE001 - reported to the server, which logs it
        channel.send({"event": protocol.EVENT_FAILED, **error_output(exc)})
        return 1

    compat.install()
    with contextlib.suppress(AttributeError):
        spark.registerProgressHandler(_progress_handler(channel, interrupter))
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__builtins__": __builtins__,
        "spark": spark,
        "sc": compat.MissingSparkContext(),
    }
    repl = ReplNamespace(namespace, max_output_bytes=int(init.get("max_output_bytes", 1 << 24)))
    channel.send(ready)
    try:
        while True:
            message = inbox.get()
            if message is None or message.get("op") == protocol.OP_STOP:
                break
            if message.get("op") != protocol.OP_EXECUTE:
                continue
            statement_id = int(message["id"])
            if interrupter.cancelled_early(statement_id):
                channel.send(
                    {
                        "event": protocol.EVENT_RESULT,
                        "id": statement_id,
                        "cancelled": True,
                        "output": None,
                    }
                )
                continue
            channel.send({"event": protocol.EVENT_STARTED, "id": statement_id})
            cancelled = False
            output: dict[str, Any] | None
            try:
                interrupter.running(statement_id)
                try:
                    output = repl.run(str(message["code"]), str(message.get("kind", "pyspark")))
                finally:
                    interrupter.running(None)
            except KeyboardInterrupt:
                cancelled, output = True, None
                try:
                    spark.interruptAll()
                except Exception as exc:  # noqa: BLE001 - logged; the session keeps serving
                    print(f"interruptAll after cancel failed: {exc}", file=sys.stderr)
            channel.send(
                {
                    "event": protocol.EVENT_RESULT,
                    "id": statement_id,
                    "cancelled": cancelled,
                    "output": output,
                }
            )
    finally:
        spark.stop()
        with contextlib.suppress(OSError):  # the server may be gone already
            channel.send({"event": protocol.EVENT_STOPPED})
    return 0


def release_connect_session(remote: str, session_id: str) -> None:
    """Release Spark Connect session ``session_id`` (of this OS user) at ``remote``."""
    separator = "" if remote.endswith("/") or ";" in remote else "/"
    spark = SparkSession.builder.remote(f"{remote}{separator};session_id={session_id}").create()
    spark.stop()


class _Terminated(SystemExit):
    """Raised by the SIGTERM handler; unlike a user's ``sys.exit()`` it ends the interpreter."""


def _sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Terminated(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the interpreter child (and of the ``--release`` helper)."""
    parser = argparse.ArgumentParser(prog="python -m clusterport.engines.livy.interpreter")
    parser.add_argument(
        "--release",
        action="store_true",
        help="read {remote, session_id} from stdin and release that Spark Connect session",
    )
    args = parser.parse_args(argv)
    os.environ.pop("SPARK_CONNECT_PROGRESS_BAR_ENABLED", None)
    if args.release:
        request = json.loads(sys.stdin.readline())
        release_connect_session(str(request["remote"]), str(request["session_id"]))
        return 0
    signal.signal(signal.SIGTERM, _sigterm)
    proto_in, proto_out = _take_protocol_streams()
    return _serve(proto_in, _Channel(proto_out))


if __name__ == "__main__":
    sys.exit(main())
