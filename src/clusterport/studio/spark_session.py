"""Open a Spark Connect session on an EMR cluster from a notebook (boto3 and pyspark only).

The flow is EMR's: ``StartSession`` (unless a session id is given), wait until
``GetSession`` says it is ready, ``GetSessionEndpoint`` for the Spark Connect
endpoint and a time-limited token, then ``SparkSession.builder`` on
``sc://host:port/;token=…``. It works the same against clusterport and AWS.

Two details of the pyspark Connect client shape the URL:

* with a token, the client uses TLS unless the host is literally
  ``localhost``; a loopback endpoint (``127.0.0.1``, ``::1``) is therefore
  rewritten to ``localhost`` (see :func:`build_connect_url`);
* the token expires. :func:`connect_session` gives the client a channel that
  asks EMR for a new token (``GetSessionEndpoint`` again) shortly before the
  current one expires, so a notebook outlives its first token.

Errors::

    SparkSessionError                 base
    ├── SessionStartError             the EMR session failed or ended while starting
    └── SessionTimeoutError           it did not become ready in time
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import grpc  # type: ignore[import-untyped,unused-ignore]
from pyspark.sql import SparkSession
from pyspark.sql.connect.client import DefaultChannelBuilder
from pyspark.sql.connect.session import SparkSession as ConnectSparkSession

__all__ = [
    "EndpointToken",
    "RefreshingToken",
    "RefreshingTokenChannelBuilder",
    "SessionStartError",
    "SessionTimeoutError",
    "SparkSessionError",
    "build_connect_url",
    "connect_session",
    "endpoint_url",
    "get_endpoint_token",
    "session_from_endpoint",
    "start_session",
    "wait_for_session",
]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "0:0:0:0:0:0:0:1", "localhost"})
READY_STATES = frozenset({"STARTED", "IDLE", "BUSY"})
FAILED_STATES = frozenset({"TERMINATING", "TERMINATED", "FAILED"})
DEFAULT_CONNECT_PORT = 15002


class SparkSessionError(Exception):
    """Opening the notebook's Spark session failed; the message says what to do."""


class SessionStartError(SparkSessionError):
    """The EMR session failed or ended before it was ready."""


class SessionTimeoutError(SparkSessionError):
    """The EMR session did not become ready within the time allowed."""


# --------------------------------------------------------------------------- URLs


def build_connect_url(
    endpoint: str, token: str | None = None, *, params: Mapping[str, str] | None = None
) -> str:
    """The ``sc://`` URL for a Spark Connect ``endpoint`` as EMR reports it.

    Accepts ``sc://host:port[/;k=v…]``, ``grpc://``/``grpcs://``/``http://``/
    ``https://host:port`` and bare ``host:port``. ``https``/``grpcs`` become
    ``use_ssl=true``. A loopback host becomes ``localhost`` so that a token
    does not switch the client to TLS (it would fail its handshake).
    Parameters already in ``endpoint`` are kept; ``token`` and ``params`` win.
    """
    text = endpoint.strip()
    if not text:
        raise ValueError("the session endpoint is empty; call GetSessionEndpoint again")
    if "://" not in text:
        text = f"sc://{text}"
    base, _, param_text = text.partition(";")
    parsed = urlsplit(base)
    scheme = parsed.scheme.lower()
    if scheme not in {"sc", "grpc", "grpcs", "http", "https"}:
        raise ValueError(f"unsupported Spark Connect endpoint scheme {scheme!r} in {endpoint!r}")
    host = parsed.hostname
    if not host:
        raise ValueError(f"the Spark Connect endpoint {endpoint!r} has no host")
    try:
        port = parsed.port or DEFAULT_CONNECT_PORT
    except ValueError as exc:
        raise ValueError(f"the Spark Connect endpoint {endpoint!r} has a bad port") from exc

    merged: dict[str, str] = {}
    for item in param_text.split(";"):
        if item.strip():
            key, _, value = item.partition("=")
            merged[key.strip()] = value.strip()
    if scheme in {"https", "grpcs"}:
        merged.setdefault("use_ssl", "true")
    if token is not None:
        merged["token"] = token
    merged.update(params or {})

    use_ssl = merged.get("use_ssl", "").lower() == "true"
    if host.lower() in LOOPBACK_HOSTS and not use_ssl:
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    suffix = "".join(f";{k}={v}" for k, v in merged.items())
    return f"sc://{host}:{port}/{suffix}"


# --------------------------------------------------------------------------- EMR calls


@dataclass(frozen=True)
class EndpointToken:
    """What ``GetSessionEndpoint`` returned."""

    endpoint: str
    token: str | None
    expires_at: datetime | None


def get_endpoint_token(emr_client: Any, cluster_id: str, session_id: str) -> EndpointToken:
    """Call ``GetSessionEndpoint`` once."""
    response = emr_client.get_session_endpoint(ClusterId=cluster_id, SessionId=session_id)
    expires = response.get("AuthTokenExpirationTime")
    if isinstance(expires, datetime) and expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return EndpointToken(
        endpoint=str(response["Endpoint"]),
        token=response.get("AuthToken"),
        expires_at=expires if isinstance(expires, datetime) else None,
    )


def endpoint_url(emr_client: Any, cluster_id: str, session_id: str) -> str:
    """The ``sc://…;token=…`` URL of an EMR session (``GetSessionEndpoint``), nothing more."""
    found = get_endpoint_token(emr_client, cluster_id, session_id)
    return build_connect_url(found.endpoint, found.token)


def wait_for_session(
    emr_client: Any,
    cluster_id: str,
    session_id: str,
    *,
    timeout: float = 600.0,
    poll_interval: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Poll ``GetSession`` until the session is ready; returns its description."""
    deadline = time.monotonic() + timeout
    while True:
        session: dict[str, Any] = emr_client.get_session(
            ClusterId=cluster_id, SessionId=session_id
        )["Session"]
        state = session.get("State", "")
        if state in READY_STATES:
            return session
        if state in FAILED_STATES:
            reason = session.get("StateChangeReason") or "no reason given"
            raise SessionStartError(
                f"EMR session {session_id} on cluster {cluster_id} is {state}: {reason}. "
                "Start a new session (StartSession) once the cluster is RUNNING or WAITING."
            )
        if time.monotonic() >= deadline:
            raise SessionTimeoutError(
                f"EMR session {session_id} on cluster {cluster_id} is still {state} after "
                f"{timeout:.0f} s; check the cluster's state, or wait longer (timeout=…)."
            )
        sleep(poll_interval)


def start_session(
    emr_client: Any,
    cluster_id: str,
    *,
    execution_role_arn: str | None = None,
    name: str = "studio",
    timeout: float = 600.0,
) -> str:
    """``StartSession`` on the cluster and wait until it is ready; returns the session id."""
    request: dict[str, Any] = {"ClusterId": cluster_id, "Name": name}
    if execution_role_arn is not None:
        request["ExecutionRoleArn"] = execution_role_arn
    session_id = str(emr_client.start_session(**request)["Id"])
    wait_for_session(emr_client, cluster_id, session_id, timeout=timeout)
    return session_id


# --------------------------------------------------------------------------- refreshing tokens


class RefreshingToken:
    """A bearer token that is fetched again shortly before it expires.

    ``fetch`` returns ``(token, expires_at)``; ``expires_at`` ``None`` means the
    token never expires. Thread-safe: gRPC asks for it from its own threads.
    """

    def __init__(
        self,
        fetch: Callable[[], tuple[str, datetime | None]],
        *,
        margin: timedelta = timedelta(seconds=60),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._fetch = fetch
        self._margin = margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at: datetime | None = None
        self.fetches = 0

    def seed(self, token: str, expires_at: datetime | None) -> None:
        """Start from a token already at hand (saves the first fetch)."""
        with self._lock:
            self._token, self._expires_at = token, expires_at

    def current(self) -> str:
        """A token valid for at least ``margin`` longer (fetching one if needed)."""
        with self._lock:
            stale = self._token is None or (
                self._expires_at is not None and self._clock() >= self._expires_at - self._margin
            )
            if stale:
                self._token, self._expires_at = self._fetch()
                self.fetches += 1
            assert self._token is not None
            return self._token


class _BearerPlugin:
    """gRPC metadata plugin: adds ``authorization: Bearer <current token>`` to each call."""

    def __init__(self, token: RefreshingToken) -> None:
        self._token = token

    def __call__(self, context: Any, callback: Callable[[Any, Exception | None], None]) -> None:
        try:
            value = self._token.current()
        except Exception as exc:  # noqa: BLE001 - handed to gRPC, which fails the call with it
            callback((), exc)
            return
        callback((("authorization", f"Bearer {value}"),), None)


class RefreshingTokenChannelBuilder(DefaultChannelBuilder):
    """A Spark Connect channel whose bearer token is refreshed before it expires.

    ``url`` is an ``sc://`` URL without a token; credentials follow the pyspark
    client's rule (local credentials for ``localhost``, TLS otherwise).
    """

    def __init__(self, url: str, token: RefreshingToken) -> None:
        super().__init__(url)
        self._refreshing_token = token

    @property
    def token(self) -> str | None:
        """The token in use now (what the stock builder reads from the URL)."""
        return self._refreshing_token.current()

    def toChannel(self) -> Any:
        """The gRPC channel, with the refreshing token as call credentials."""
        call_credentials = grpc.metadata_call_credentials(_BearerPlugin(self._refreshing_token))
        if not self.use_ssl and self.host == "localhost":
            transport = grpc.local_channel_credentials()
        else:
            transport = grpc.ssl_channel_credentials()
        credentials = grpc.composite_channel_credentials(transport, call_credentials)
        return self._secure_channel(self.endpoint, credentials)


def session_from_endpoint(endpoint: str, token: RefreshingToken | str | None) -> SparkSession:
    """A new SparkSession on a Spark Connect ``endpoint`` with a fixed or refreshing token.

    (On Spark Connect the session is a ``pyspark.sql.connect.session.SparkSession``,
    which pyspark hands out wherever a ``pyspark.sql.SparkSession`` is expected.)
    """
    if isinstance(token, RefreshingToken):
        builder = RefreshingTokenChannelBuilder(build_connect_url(endpoint), token)
        session = ConnectSparkSession.builder.channelBuilder(builder).create()
    else:
        session = ConnectSparkSession.builder.remote(build_connect_url(endpoint, token)).create()
    return cast(SparkSession, session)


def connect_session(
    emr_client: Any,
    cluster_id: str,
    *,
    session_id: str | None = None,
    execution_role_arn: str | None = None,
    name: str = "studio",
    timeout: float = 600.0,
) -> SparkSession:
    """A SparkSession on an EMR cluster's Spark Connect endpoint.

    Starts an EMR session unless ``session_id`` names one, waits for it, asks
    ``GetSessionEndpoint`` for the endpoint and token, and connects. The token
    is renewed through ``GetSessionEndpoint`` before it expires. Stop the
    returned session (``spark.stop()``) when done.
    """
    if session_id is None:
        session_id = start_session(
            emr_client,
            cluster_id,
            execution_role_arn=execution_role_arn,
            name=name,
            timeout=timeout,
        )
    else:
        wait_for_session(emr_client, cluster_id, session_id, timeout=timeout)
    first = get_endpoint_token(emr_client, cluster_id, session_id)
    if first.token is None:
        return session_from_endpoint(first.endpoint, None)

    resolved_session_id = session_id

    def fetch() -> tuple[str, datetime | None]:
        again = get_endpoint_token(emr_client, cluster_id, resolved_session_id)
        if again.token is None:
            raise SparkSessionError(
                f"GetSessionEndpoint for {resolved_session_id} returned no token; "
                "the session may have ended. Start a new one."
            )
        return again.token, again.expires_at

    token = RefreshingToken(fetch)
    token.seed(first.token, first.expires_at)
    return session_from_endpoint(first.endpoint, token)
