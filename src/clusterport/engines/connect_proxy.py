"""Spark Connect authentication proxy: time-limited session tokens in front of a Connect server.

The Spark Connect server of a cluster knows one pre-shared token. Handing that
token to notebook users would make it a permanent key to the cluster, so the
cluster's primary node runs this proxy instead. EMR's ``GetSessionEndpoint``
gives the client a *session token* minted by :func:`mint_session_token`: an
HMAC-SHA256 over the EMR session id and an expiry time, keyed with a secret
that lives in a key file on the primary node. The proxy accepts a gRPC call
only when its ``authorization: Bearer <token>`` metadata carries such a token,
still valid, and forwards the call to the real Connect server with the real
token.

Forwarding is protocol-agnostic: every method is handled as a raw-bytes
stream-stream call on both sides. On the wire, unary and streaming gRPC calls
look the same (one HTTP/2 stream of length-prefixed messages), so a
stream-stream handler serves the unary, server-streaming and client-streaming
methods Spark Connect uses without any Spark protobufs.

The proxy remembers the Spark Connect sessions that pass through it (every
Connect request carries ``session_id`` as field 1 and ``user_context`` as
field 2) and releases those still open upstream when it shuts down.

When the cluster stops (SIGTERM), the proxy first *closes*: every call in
flight and every new one ends at once with ``FAILED_PRECONDITION`` and a
message naming the cluster and its state ("Cluster j-… is TERMINATING"),
a status the Spark Connect client does not retry, so a notebook learns why
instead of retrying a vanished endpoint for minutes. Once the cluster's
processes are gone, :class:`EndedEndpoint` (run by the control plane) answers
on the same port the same way ("… is TERMINATED").

Errors (all subclasses of :class:`SessionTokenError`)::

    SessionTokenError                  base; never reaches the wire as such
    ├── MissingSessionTokenError       no bearer token  -> "No authentication token provided"
    ├── InvalidSessionTokenError       forged/malformed -> "Invalid authentication token"
    ├── ExpiredSessionTokenError       past its expiry  -> "Session token expired at …; call
    │                                                       GetSessionEndpoint again"
    └── TerminatedSessionError         its session is listed in the revocation file
                                       -> "Session … was terminated; start a new one …"

A session's tokens stop working when it is terminated: ``TerminateSession``
appends the session id to the revocation file (``--revoked-file``), which the
proxy reads again whenever it changes.

Command line (started by the local engine as a sidecar of the cluster)::

    python -m clusterport.engines.connect_proxy --host 127.0.0.1 --port P \
        --upstream localhost:CONNECT_PORT --upstream-token TOKEN \
        --key-file WORK_DIR/session-token.key [--activity-file PATH] \
        [--revoked-file WORK_DIR/revoked-sessions]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import collections
import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from concurrent import futures
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import grpc  # type: ignore[import-untyped,unused-ignore]
from grpc import aio  # type: ignore[import-untyped,unused-ignore]

__all__ = [
    "ConnectAuthProxy",
    "EndedEndpoint",
    "ExpiredSessionTokenError",
    "InvalidSessionTokenError",
    "MissingSessionTokenError",
    "ProxyActivity",
    "SessionClaims",
    "SessionTokenError",
    "ended_message",
    "load_or_create_key",
    "main",
    "mint_session_token",
    "read_key",
    "verify_session_token",
]

log = logging.getLogger("clusterport.connect_proxy")

TOKEN_PREFIX = "cps1"
KEY_BYTES = 32
FORWARDED_METHOD_PREFIX = "/spark.connect."
RELEASE_SESSION_METHOD = "/spark.connect.SparkConnectService/ReleaseSession"
#: How many released session ids the proxy remembers (a late call never reopens them).
_RELEASED_KEPT = 4096
# Spark Connect moves Arrow batches of up to 128 MiB; a proxy must never be the narrower pipe.
UNLIMITED_MESSAGES: list[tuple[str, int]] = [
    ("grpc.max_send_message_length", -1),
    ("grpc.max_receive_message_length", -1),
]
# Metadata that gRPC itself manages or that must not travel upstream.
_HOP_BY_HOP_METADATA = frozenset({"authorization", "user-agent", "te", "content-type", "host"})


# --------------------------------------------------------------------------- tokens


class SessionTokenError(Exception):
    """A session token was refused; the message is safe to send to the client."""


class MissingSessionTokenError(SessionTokenError):
    """The call carried no ``authorization: Bearer`` metadata."""

    def __init__(self) -> None:
        super().__init__("No authentication token provided")


class InvalidSessionTokenError(SessionTokenError):
    """The token is malformed or its signature does not match the key."""

    def __init__(self) -> None:
        super().__init__("Invalid authentication token")


class ExpiredSessionTokenError(SessionTokenError):
    """The token was genuine but its expiry time has passed."""

    def __init__(self, expires_at: datetime) -> None:
        self.expires_at = expires_at
        stamp = expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        super().__init__(f"Session token expired at {stamp}; call GetSessionEndpoint again")


class TerminatedSessionError(SessionTokenError):
    """The token was genuine but its session has been terminated."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"Session {session_id} was terminated; start a new one with StartSession")


class RevokedSessions:
    """The session ids listed in a revocation file, one per line, re-read when it changes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._seen: tuple[int, int] | None = None
        self._ids: frozenset[str] = frozenset()

    def __contains__(self, session_id: object) -> bool:
        try:
            stat = self._path.stat()
        except FileNotFoundError:
            return False
        if (stat.st_mtime_ns, stat.st_size) != self._seen:
            text = self._path.read_text(encoding="utf-8")
            self._ids = frozenset(line.strip() for line in text.splitlines() if line.strip())
            self._seen = (stat.st_mtime_ns, stat.st_size)
        return session_id in self._ids


def revoke_session(path: Path, session_id: str) -> None:
    """Add ``session_id`` to the revocation file ``path`` (its tokens stop working)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(session_id + "\n")


@dataclass(frozen=True)
class SessionClaims:
    """What a verified session token says: which session, and until when."""

    session_id: str
    expires_at: datetime


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, payload: str) -> bytes:
    return hmac.new(key, f"{TOKEN_PREFIX}.{payload}".encode("ascii"), hashlib.sha256).digest()


def mint_session_token(key: bytes, session_id: str, expires_at: datetime) -> str:
    """Return a token for ``session_id`` that :func:`verify_session_token` accepts until
    ``expires_at`` (timezone-aware; whole seconds count).

    The token is URL- and connection-string-safe (``[A-Za-z0-9_.-]``), so it can be
    placed in ``sc://host:port/;token=<token>`` as is.
    """
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware, e.g. datetime.now(UTC) + timedelta")
    if not key:
        raise ValueError("the signing key is empty; load it with load_or_create_key()")
    payload = _b64encode(
        json.dumps([session_id, int(expires_at.timestamp())], separators=(",", ":")).encode()
    )
    return f"{TOKEN_PREFIX}.{payload}.{_b64encode(_signature(key, payload))}"


def verify_session_token(key: bytes, token: str, now: datetime) -> SessionClaims:
    """Check ``token``'s signature with ``key`` and its expiry against ``now``.

    Raises :class:`InvalidSessionTokenError` for anything not minted with ``key``
    and :class:`ExpiredSessionTokenError` once ``now`` is at or past the expiry.
    """
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise InvalidSessionTokenError()
    _, payload, signature = parts
    try:
        given = _b64decode(signature)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSessionTokenError() from exc
    if not hmac.compare_digest(given, _signature(key, payload)):
        raise InvalidSessionTokenError()
    try:
        session_id, expiry = json.loads(_b64decode(payload))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidSessionTokenError() from exc
    if not isinstance(session_id, str) or not isinstance(expiry, int):
        raise InvalidSessionTokenError()
    expires_at = datetime.fromtimestamp(expiry, UTC)
    if now >= expires_at:
        raise ExpiredSessionTokenError(expires_at)
    return SessionClaims(session_id=session_id, expires_at=expires_at)


def load_or_create_key(path: Path) -> bytes:
    """Return the signing key stored (hex) in ``path``, creating it (mode 0600) if absent.

    Creation is atomic: the key is written to a private temporary file and
    hard-linked into place, so concurrent callers (the proxy and the EMR service)
    always end up reading the same complete key.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".session-key-", dir=path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(KEY_BYTES) + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(tmp_name, path)
        finally:
            os.unlink(tmp_name)
    return read_key(path)


def read_key(path: Path) -> bytes:
    """Return the signing key stored (hex) in ``path`` (OSError when there is none)."""
    text = Path(path).read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise ValueError(
            f"the key file {path} does not hold a hex key; delete it to have a new one created"
        ) from exc
    if len(key) < 16:
        raise ValueError(f"the key in {path} is shorter than 16 bytes; delete it to regenerate")
    return key


def _bearer_token(metadata: Sequence[tuple[str, str | bytes]] | None) -> str:
    for name, value in metadata or ():
        if name.lower() == "authorization":
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            scheme, _, credential = text.strip().partition(" ")
            if scheme.lower() == "bearer" and credential.strip():
                return credential.strip()
    raise MissingSessionTokenError()


# --------------------------------------------------------------------------- protobuf peeking


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _connect_session_of(message: bytes) -> tuple[str, bytes] | None:
    """Return ``(session_id, user_context bytes)`` from a Spark Connect request, if present.

    Every request of ``SparkConnectService`` has ``string session_id = 1`` and
    ``UserContext user_context = 2``; only the top level is scanned.
    """
    session_id: str | None = None
    user_context = b""
    pos = 0
    try:
        while pos < len(message):
            tag, pos = _read_varint(message, pos)
            number, wire_type = tag >> 3, tag & 7
            if wire_type == 0:
                _, pos = _read_varint(message, pos)
            elif wire_type == 1:
                pos += 8
            elif wire_type == 5:
                pos += 4
            elif wire_type == 2:
                length, pos = _read_varint(message, pos)
                value = message[pos : pos + length]
                pos += length
                if number == 1:
                    session_id = value.decode("utf-8")
                elif number == 2:
                    user_context = bytes(value)
            else:
                return None
    except (ValueError, UnicodeDecodeError):
        return None
    if not session_id:
        return None
    return session_id, user_context


def _release_session_request(session_id: str, user_context: bytes) -> bytes:
    def length_delimited(number: int, value: bytes) -> bytes:
        out = bytearray([(number << 3) | 2])
        length = len(value)
        while True:
            low = length & 0x7F
            length >>= 7
            out.append(low | (0x80 if length else 0))
            if not length:
                break
        return bytes(out) + value

    message = length_delimited(1, session_id.encode("utf-8"))
    if user_context:
        message += length_delimited(2, user_context)
    return message + length_delimited(3, b"clusterport-connect-proxy")


# --------------------------------------------------------------------------- the proxy


@dataclass(frozen=True)
class ProxyActivity:
    """A snapshot of what the proxy is doing, for idle detection."""

    active_streams: int
    total_calls: int
    rejected_calls: int
    connect_sessions: int
    last_activity: float

    def to_json(self) -> dict[str, float | int]:
        """The snapshot as the JSON object written to ``--activity-file``."""
        return {
            "active_streams": self.active_streams,
            "total_calls": self.total_calls,
            "rejected_calls": self.rejected_calls,
            "connect_sessions": self.connect_sessions,
            "last_activity": self.last_activity,
        }


@dataclass
class _Counters:
    active_streams: int = 0
    total_calls: int = 0
    rejected_calls: int = 0
    last_activity: float = field(default_factory=time.time)
    sessions: dict[str, bytes] = field(default_factory=dict)
    #: Sessions released lately: a call that arrives after its session's release (a
    #: client releases its last execution in the background) must not count it again.
    released: collections.OrderedDict[str, None] = field(default_factory=collections.OrderedDict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def saw(self, session_id: str, user_context: bytes) -> None:
        """A call of ``session_id`` passed: it is open unless it was released."""
        if session_id not in self.released:
            self.sessions.setdefault(session_id, user_context)

    def release(self, session_id: str) -> None:
        """``session_id`` was released (Spark never opens a released session again)."""
        self.sessions.pop(session_id, None)
        self.released[session_id] = None
        while len(self.released) > _RELEASED_KEPT:
            self.released.popitem(last=False)


class _ForwardingHandler:
    """Routes every Spark Connect method to :meth:`ConnectAuthProxy._forward`.

    gRPC accepts any object with a ``service`` method as a generic handler.
    """

    def __init__(self, proxy: ConnectAuthProxy) -> None:
        self._proxy = proxy

    def service(
        self, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler | None:
        method: str = handler_call_details.method
        if not method.startswith(FORWARDED_METHOD_PREFIX):
            return None

        async def behaviour(
            request_iterator: AsyncIterator[bytes], context: aio.ServicerContext[bytes, bytes]
        ) -> AsyncIterator[bytes]:
            async for response in self._proxy._forward(method, request_iterator, context):
                yield response

        return grpc.stream_stream_rpc_method_handler(behaviour)


class ConnectAuthProxy:
    """A gRPC server that checks session tokens and forwards calls to a Spark Connect server.

    ``upstream`` is ``host:port`` of the Connect server (use ``localhost``, as the
    Connect server binds the loopback address); ``upstream_token`` is its
    pre-shared ``spark.connect.authenticate.token``.
    """

    def __init__(
        self,
        *,
        upstream: str,
        upstream_token: str | None,
        key: bytes,
        activity_file: Path | None = None,
        revoked_file: Path | None = None,
        cluster_id: str | None = None,
    ) -> None:
        self._upstream = upstream
        self._cluster_id = cluster_id
        #: Set by :meth:`close`: the message every call now ends with.
        self._closed: str | None = None
        self._calls: set[aio.Call] = set()
        self._upstream_token = upstream_token
        self._key = key
        self._activity_file = activity_file
        self._revoked = RevokedSessions(revoked_file) if revoked_file is not None else None
        self._counters = _Counters()
        self._server: aio.Server | None = None
        self._channel: aio.Channel | None = None
        self._writer: asyncio.Task[None] | None = None

    # ---- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Start listening on ``host:port`` (0 picks a free port); return the bound port."""
        self._channel = aio.insecure_channel(self._upstream, options=UNLIMITED_MESSAGES)
        self._server = aio.server(options=UNLIMITED_MESSAGES)
        self._server.add_generic_rpc_handlers((_ForwardingHandler(self),))
        bound: int = self._server.add_insecure_port(f"{host}:{port}")
        if bound == 0:
            raise OSError(f"cannot listen on {host}:{port}; is the port already in use?")
        await self._server.start()
        if self._activity_file is not None:
            self._write_activity()
            self._writer = asyncio.create_task(self._activity_writer())
        log.info("connect proxy listening on %s:%d, forwarding to %s", host, bound, self._upstream)
        return bound

    def close(self, state: str = "TERMINATING") -> str:
        """The cluster is going away: end every call in flight, refuse every new one.

        Each ends with ``FAILED_PRECONDITION`` (never retried by the Spark Connect
        client) and a message naming the cluster and ``state``; returns the message.
        """
        self._closed = ended_message(self._cluster_id, state)
        for call in list(self._calls):
            call.cancel()
        return self._closed

    async def stop(self, grace: float = 5.0) -> None:
        """Stop accepting calls, let running ones finish for ``grace`` seconds, then
        release every Spark Connect session still open upstream and close the channel."""
        if self._server is not None:
            await self._server.stop(grace)
            self._server = None
        await self.release_sessions()
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None
        if self._activity_file is not None:
            self._write_activity()
        if self._channel is not None:
            await self._channel.close()
            self._channel = None

    async def wait_for_termination(self) -> None:
        """Block until the server stops."""
        if self._server is not None:
            await self._server.wait_for_termination()

    async def release_sessions(self) -> int:
        """Release upstream every Spark Connect session seen and not yet released.

        Returns how many releases the Connect server acknowledged.
        """
        if self._channel is None:
            return 0
        release = self._channel.unary_unary(RELEASE_SESSION_METHOD)
        released = 0
        for session_id, user_context in list(self._counters.sessions.items()):
            try:
                await release(
                    _release_session_request(session_id, user_context),
                    metadata=self._upstream_metadata(()),
                    timeout=10,
                )
                released += 1
            except aio.AioRpcError as exc:
                log.warning("could not release Connect session %s: %s", session_id, exc.details())
            self._counters.release(session_id)
        return released

    def activity(self) -> ProxyActivity:
        """What the proxy is doing right now."""
        c = self._counters
        return ProxyActivity(
            active_streams=c.active_streams,
            total_calls=c.total_calls,
            rejected_calls=c.rejected_calls,
            connect_sessions=len(c.sessions),
            last_activity=c.last_activity,
        )

    # ---- forwarding

    def _authenticate(self, context: aio.ServicerContext[bytes, bytes]) -> SessionClaims:
        token = _bearer_token(context.invocation_metadata())
        claims = verify_session_token(self._key, token, datetime.now(UTC))
        if self._revoked is not None and claims.session_id in self._revoked:
            raise TerminatedSessionError(claims.session_id)
        return claims

    def _upstream_metadata(
        self, incoming: Sequence[tuple[str, str | bytes]] | None
    ) -> list[tuple[str, str | bytes]]:
        metadata: list[tuple[str, str | bytes]] = [
            (name, value)
            for name, value in incoming or ()
            if name.lower() not in _HOP_BY_HOP_METADATA and not name.startswith((":", "grpc-"))
        ]
        if self._upstream_token:
            metadata.append(("authorization", f"Bearer {self._upstream_token}"))
        return metadata

    def _mark(self, delta: int) -> None:
        c = self._counters
        c.active_streams += delta
        c.last_activity = time.time()
        c.changed.set()

    async def _watch_requests(
        self, method: str, requests: AsyncIterator[bytes]
    ) -> AsyncIterator[bytes]:
        first = True
        async for message in requests:
            if first:
                first = False
                found = _connect_session_of(message)
                if found is not None and method != RELEASE_SESSION_METHOD:
                    self._counters.saw(*found)
                elif found is not None:
                    self._counters.release(found[0])
            yield message

    async def _forward(
        self,
        method: str,
        requests: AsyncIterator[bytes],
        context: aio.ServicerContext[bytes, bytes],
    ) -> AsyncIterator[bytes]:
        if self._closed is not None:
            self._counters.rejected_calls += 1
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, self._closed)
        try:
            self._authenticate(context)
        except SessionTokenError as exc:
            self._counters.rejected_calls += 1
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, str(exc))
        assert self._channel is not None, "the proxy is not started"
        self._counters.total_calls += 1
        self._mark(+1)
        remaining = context.time_remaining()
        call = self._channel.stream_stream(method)(
            self._watch_requests(method, requests),
            metadata=self._upstream_metadata(context.invocation_metadata()),
            timeout=remaining,
        )
        self._calls.add(call)
        try:
            initial = await call.initial_metadata()
            if initial:
                await context.send_initial_metadata(
                    [(k, v) for k, v in initial if not k.startswith((":", "grpc-"))]
                )
            async for response in call:
                yield response
            trailing = await call.trailing_metadata()
            if trailing:
                context.set_trailing_metadata(tuple(trailing))
        except aio.AioRpcError as exc:
            if self._closed is not None:  # the Connect server is stopping: say why
                await context.abort(grpc.StatusCode.FAILED_PRECONDITION, self._closed)
            await context.abort(
                exc.code(), exc.details() or "", tuple(exc.trailing_metadata() or ())
            )
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if self._closed is None or (task is not None and task.cancelling()):
                raise
            # :meth:`close` cancelled the upstream call; this call ends with the reason.
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, self._closed)
        finally:
            self._calls.discard(call)
            if not call.done():
                call.cancel()
            self._mark(-1)

    # ---- activity file

    def _write_activity(self) -> None:
        assert self._activity_file is not None
        path = self._activity_file
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.activity().to_json()) + "\n", encoding="utf-8")
        os.replace(tmp, path)

    async def _activity_writer(self) -> None:
        while True:
            await self._counters.changed.wait()
            self._counters.changed.clear()
            self._write_activity()
            # Coalesce bursts (a query is several calls) into at most one write a second.
            await asyncio.sleep(1.0)


# --------------------------------------------------------------------------- an ended cluster


def ended_message(cluster_id: str | None, state: str, reason: str = "") -> str:
    """What a Spark Connect client of a cluster that stops (or stopped) is told."""
    who = f"Cluster {cluster_id}" if cluster_id else "The cluster"
    because = f" ({reason.rstrip('.')})" if reason else ""
    return (
        f"{who} is {state}{because}; its Spark Connect sessions have ended. Start a new "
        "session on a running cluster (StartSession, GetSessionEndpoint)."
    )


class _Refusing:
    """A generic gRPC handler that ends every call with one status and message."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        self._code = code
        self._message = message

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        def refuse(_requests: object, context: grpc.ServicerContext) -> None:
            context.abort(self._code, self._message)

        return grpc.stream_stream_rpc_method_handler(refuse)


class EndedEndpoint:
    """The port of an ended cluster's Spark Connect endpoint, answering every call with why.

    A Spark Connect client retries ``UNAVAILABLE`` (a closed port) for minutes;
    this answers ``FAILED_PRECONDITION`` with ``message`` instead, at once. It
    is a plain (thread-based) gRPC server, so it runs beside any event loop.
    """

    def __init__(self, message: str) -> None:
        self.message = message
        self._server: grpc.Server | None = None

    def start(self, port: int, host: str = "127.0.0.1") -> bool:
        """Listen on ``host:port``; False when the port is taken (someone else's now)."""
        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ended-endpoint"),
            handlers=(_Refusing(grpc.StatusCode.FAILED_PRECONDITION, self.message),),
            options=[("grpc.so_reuseport", 0)],
        )
        try:
            bound: int = server.add_insecure_port(f"{host}:{port}")
        except RuntimeError:
            bound = 0
        if bound != port:
            server.stop(None).wait(10)
            return False
        server.start()
        self._server = server
        return True

    def stop(self) -> None:
        """Stop answering (the port is free again); idempotent."""
        if self._server is not None:
            self._server.stop(None).wait(10)
            self._server = None


# --------------------------------------------------------------------------- command line


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m clusterport.engines.connect_proxy",
        description="Session-token proxy in front of a Spark Connect server.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, required=True, help="port to listen on (0: any)")
    parser.add_argument(
        "--upstream", required=True, help="host:port of the Spark Connect server (use localhost)"
    )
    parser.add_argument(
        "--upstream-token",
        default=os.environ.get("SPARK_CONNECT_AUTHENTICATE_TOKEN"),
        help="the Connect server's spark.connect.authenticate.token",
    )
    parser.add_argument(
        "--key-file", type=Path, required=True, help="session-token signing key (created 0600)"
    )
    parser.add_argument(
        "--activity-file", type=Path, default=None, help="write activity JSON to this file"
    )
    parser.add_argument(
        "--revoked-file",
        type=Path,
        default=None,
        help="refuse tokens of the session ids listed in this file (one per line)",
    )
    parser.add_argument(
        "--port-file", type=Path, default=None, help="write the bound port to this file"
    )
    parser.add_argument("--grace", type=float, default=5.0, help="seconds to drain on SIGTERM")
    parser.add_argument(
        "--cluster-id", default=None, help="the cluster's id, named to clients when it stops"
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    proxy = ConnectAuthProxy(
        upstream=args.upstream,
        upstream_token=args.upstream_token,
        key=load_or_create_key(args.key_file),
        activity_file=args.activity_file,
        revoked_file=args.revoked_file,
        cluster_id=args.cluster_id,
    )
    port = await proxy.start(args.host, args.port)
    if args.port_file is not None:
        args.port_file.write_text(f"{port}\n", encoding="ascii")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    # Only the cluster's stop (or `clusterport down`) signals the proxy: its clients
    # are told so at once, rather than finding the port gone.
    log.info("stopping the connect proxy: %s", proxy.close())
    await proxy.stop(args.grace)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the proxy until SIGTERM/SIGINT; returns the process exit status."""
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    args = _parse_args(argv)
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
