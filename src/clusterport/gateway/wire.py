"""From a Starlette request to the gateway's :class:`WireRequest`, its body bounded."""

from __future__ import annotations

import httpcore
import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from clusterport.gateway.protocols.base import MAX_BODY_BYTES, WireRequest

#: Headers that belong to one connection and are not passed on by a proxy.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


def upstream_client() -> httpx.AsyncClient:
    """The client the proxies reach cluster processes with: one per app, kept alive.

    Cluster processes speak plain HTTP on 127.0.0.1, so it carries no TLS
    context (making one costs ~20 ms), and its connections are reused.
    """
    return httpx.AsyncClient(
        trust_env=False, verify=False, timeout=httpx.Timeout(30.0, connect=5.0)
    )


def upstream(request: Request) -> httpx.AsyncClient:
    """The app's :func:`upstream_client` (made in its lifespan)."""
    client: httpx.AsyncClient = request.app.state.upstream
    return client


def light_upstream_client() -> httpcore.AsyncConnectionPool:
    """A lighter client for small requests on the hot path (the Livy route): one per app.

    httpx's own layers cost about 0.3 ms a request more than its transport's
    (``bench/livy_route.py``); plain HTTP to 127.0.0.1, connections kept alive.
    """
    return httpcore.AsyncConnectionPool(max_connections=32, keepalive_expiry=30.0)


def light_upstream(request: Request) -> httpcore.AsyncConnectionPool:
    """The app's :func:`light_upstream_client` (made in its lifespan)."""
    pool: httpcore.AsyncConnectionPool = request.app.state.light_upstream
    return pool


#: What :func:`light_upstream_client` raises when the other end fails or is gone.
LIGHT_UPSTREAM_ERRORS = (
    httpcore.NetworkError,
    httpcore.TimeoutException,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
)


class BodyTooLarge(Exception):
    """The request body is over :data:`MAX_BODY_BYTES`."""


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def too_large() -> Response:
    return JSONResponse(
        {
            "__type": "RequestEntityTooLargeException",
            "message": f"Request bodies are limited to {MAX_BODY_BYTES} bytes.",
        },
        status_code=413,
        headers={"x-amzn-errortype": "RequestEntityTooLargeException"},
    )


def wire_request(request: Request, body: bytes) -> WireRequest:
    """``request`` as the pipeline and the SigV4 verifier see it (the raw path, as signed)."""
    return WireRequest(
        method=request.method,
        path=request.scope.get("raw_path", request.url.path.encode()).decode("latin-1"),
        query=request.scope.get("query_string", b"").decode("latin-1"),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        client_ip=request.client.host if request.client else "",
        secure=request.url.scheme == "https",
    )
