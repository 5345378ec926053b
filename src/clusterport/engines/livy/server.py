"""The HTTP face of the Livy-compatible endpoint (Starlette app; uvicorn serves it).

Routes, as sparkmagic and other Livy clients use them::

    GET    /sessions                               {"from", "total", "sessions"}
    POST   /sessions                               201 session
    GET    /sessions/{id}                          session (state, log, appId, appInfo, …)
    GET    /sessions/{id}/state                    {"id", "state"}
    DELETE /sessions/{id}                          {"msg": "deleted"}
    GET    /sessions/{id}/log?from=&size=          {"id", "from", "size", "total", "log"}
    GET    /sessions/{id}/statements               {"total_statements", "statements"}
    POST   /sessions/{id}/statements               201 statement
    GET    /sessions/{id}/statements/{sid}         statement
    POST   /sessions/{id}/statements/{sid}/cancel  {"msg": "cancelled"}
    GET    /_clusterport/activity                  {"active_sessions", "busy", "last_activity"}

Every failure is a JSON ``{"msg": …}`` with a 4xx status (see :mod:`.errors`).
Any request addressed to a session counts as its heartbeat.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from clusterport.engines.livy.config import ACCESS_KEY_HEADER, LivyConfig
from clusterport.engines.livy.errors import (
    BadRequestError,
    ForbiddenError,
    LivyError,
    NotFoundError,
    PayloadTooLargeError,
)
from clusterport.engines.livy.sessions import LivySession, SessionRegistry, SessionRequest

__all__ = ["create_app"]


def _registry(request: Request) -> SessionRegistry:
    registry: SessionRegistry = request.app.state.registry
    return registry


async def _json_body(request: Request, limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"request body is {declared} bytes; the limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequestError(f"the request body is not valid JSON: {exc}") from exc


def _int_param(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise BadRequestError(f"query parameter '{name}' must be an integer") from None


def _path_id(request: Request, name: str, what: str) -> int:
    raw = request.path_params[name]
    try:
        return int(raw)
    except ValueError:
        raise NotFoundError(f"{what} '{raw}' not found (ids are integers)") from None


def _session(request: Request) -> LivySession:
    registry = _registry(request)
    session = registry.get(_path_id(request, "session_id", "session"))
    session.touch()
    registry.note_activity()
    return session


def _page(request: Request) -> tuple[int, int | None]:
    start = _int_param(request.query_params.get("from"), "from") or 0
    size = _int_param(request.query_params.get("size"), "size")
    if start < 0:
        raise BadRequestError("query parameter 'from' must not be negative")
    return start, size


# --------------------------------------------------------------------------- handlers


async def list_sessions(request: Request) -> Response:
    """``GET /sessions``."""
    start, size = _page(request)
    sessions = _registry(request).sessions()
    chosen = sessions[start:] if size is None or size < 0 else sessions[start : start + size]
    return JSONResponse(
        {"from": start, "total": len(sessions), "sessions": [s.to_json() for s in chosen]}
    )


async def create_session(request: Request) -> Response:
    """``POST /sessions``."""
    registry = _registry(request)
    body = await _json_body(request, 1 << 20)
    session = await registry.create(SessionRequest.from_json(body))
    return JSONResponse(
        session.to_json(), status_code=201, headers={"Location": f"/sessions/{session.id}"}
    )


async def get_session(request: Request) -> Response:
    """``GET /sessions/{id}``."""
    return JSONResponse(_session(request).to_json())


async def get_session_state(request: Request) -> Response:
    """``GET /sessions/{id}/state``."""
    session = _session(request)
    return JSONResponse({"id": session.id, "state": str(session.state)})


async def delete_session(request: Request) -> Response:
    """``DELETE /sessions/{id}``: stops the interpreter and its Spark Connect session."""
    session = _session(request)
    await _registry(request).delete(session.id)
    return JSONResponse({"msg": "deleted"})


async def get_session_log(request: Request) -> Response:
    """``GET /sessions/{id}/log?from=&size=``."""
    session = _session(request)
    start = _int_param(request.query_params.get("from"), "from")
    size = _int_param(request.query_params.get("size"), "size")
    first, total, lines = session.log_slice(start, size)
    return JSONResponse(
        {"id": session.id, "from": first, "size": len(lines), "total": total, "log": lines}
    )


async def list_statements(request: Request) -> Response:
    """``GET /sessions/{id}/statements``."""
    session = _session(request)
    start, size = _page(request)
    statements = [session.statements[k] for k in sorted(session.statements)]
    chosen = statements[start:] if size is None or size < 0 else statements[start : start + size]
    return JSONResponse(
        {"total_statements": len(statements), "statements": [s.to_json() for s in chosen]}
    )


async def create_statement(request: Request) -> Response:
    """``POST /sessions/{id}/statements`` with ``{"code": …, "kind"?: …}``."""
    session = _session(request)
    body = await _json_body(request, session.config.max_body_bytes)
    if not isinstance(body, dict):
        raise BadRequestError('the request body must be a JSON object like {"code": "1 + 1"}')
    code = body.get("code")
    if not isinstance(code, str):
        raise BadRequestError("'code' is required and must be a string")
    kind = body.get("kind")
    statement = session.submit(code, kind if kind is not None else None)
    return JSONResponse(
        statement.to_json(),
        status_code=201,
        headers={"Location": f"/sessions/{session.id}/statements/{statement.id}"},
    )


async def get_statement(request: Request) -> Response:
    """``GET /sessions/{id}/statements/{sid}``."""
    session = _session(request)
    statement = session.statement(_path_id(request, "statement_id", "statement"))
    return JSONResponse(statement.to_json())


async def cancel_statement(request: Request) -> Response:
    """``POST /sessions/{id}/statements/{sid}/cancel``."""
    session = _session(request)
    await session.cancel(_path_id(request, "statement_id", "statement"))
    return JSONResponse({"msg": "cancelled"})


async def activity(request: Request) -> Response:
    """``GET /_clusterport/activity``: whether anyone is using the cluster through Livy."""
    return JSONResponse(_registry(request).activity())


# --------------------------------------------------------------------------- errors


async def _livy_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LivyError)
    return JSONResponse({"msg": exc.msg}, status_code=exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"no such resource: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return JSONResponse({"msg": message}, status_code=exc.status_code, headers=exc.headers)


# --------------------------------------------------------------------------- app


def create_app(config: LivyConfig) -> Starlette:
    """The Livy-compatible ASGI app; its lifespan starts and stops the session registry."""
    registry = SessionRegistry(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        config.sessions_dir.mkdir(parents=True, exist_ok=True)
        registry.start()
        try:
            yield
        finally:
            await registry.shutdown()

    routes = [
        Route("/sessions", list_sessions, methods=["GET"]),
        Route("/sessions", create_session, methods=["POST"]),
        Route("/sessions/{session_id}", get_session, methods=["GET"]),
        Route("/sessions/{session_id}", delete_session, methods=["DELETE"]),
        Route("/sessions/{session_id}/state", get_session_state, methods=["GET"]),
        Route("/sessions/{session_id}/log", get_session_log, methods=["GET"]),
        Route("/sessions/{session_id}/statements", list_statements, methods=["GET"]),
        Route("/sessions/{session_id}/statements", create_statement, methods=["POST"]),
        Route("/sessions/{session_id}/statements/{statement_id}", get_statement, methods=["GET"]),
        Route(
            "/sessions/{session_id}/statements/{statement_id}/cancel",
            cancel_statement,
            methods=["POST"],
        ),
        Route("/_clusterport/activity", activity, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={LivyError: _livy_error, HTTPException: _http_error},
        middleware=[Middleware(_RequireKey, key=config.access_key)] if config.access_key else [],
    )
    app.state.registry = registry
    return app


class _RequireKey:
    """Refuse (403, Livy's error format) every request without the endpoint's access key."""

    def __init__(self, app: ASGIApp, key: str) -> None:
        self._app = app
        self._key = key.encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = Headers(scope=scope).get(ACCESS_KEY_HEADER, "").encode("latin-1")
            if not hmac.compare_digest(given, self._key):
                error = ForbiddenError(
                    "This cluster's Livy endpoint is reached through the clusterport "
                    "endpoint, which checks the caller's credentials and network path: "
                    "connect with `%sm_analytics emr connect --cluster-id j-… --auth-type None` "
                    "or send SigV4-signed requests to <endpoint>/_livy/<cluster-id>/."
                )
                reply = JSONResponse({"msg": error.msg}, status_code=error.status)
                await reply(scope, receive, send)
                return
        await self._app(scope, receive, send)
