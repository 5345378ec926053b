"""The ASGI application: every AWS API on one port, plus the platform's own endpoints."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clusterport import __version__
from clusterport.gateway.pipeline import Gateway
from clusterport.gateway.protocols.base import MAX_BODY_BYTES, WireRequest
from clusterport.gateway.service_models import ServiceModels
from clusterport.gateway.studio_login import login_route
from clusterport.gateway.ui_proxy import ui_route
from clusterport.platform import Platform
from clusterport.services.registry import build_providers

log = logging.getLogger(__name__)


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


def _too_large() -> Response:
    return JSONResponse(
        {
            "__type": "RequestEntityTooLargeException",
            "message": f"Request bodies are limited to {MAX_BODY_BYTES} bytes.",
        },
        status_code=413,
        headers={"x-amzn-errortype": "RequestEntityTooLargeException"},
    )


def create_app(platform: Platform, models: ServiceModels | None = None) -> Starlette:
    """The ASGI app serving ``platform``."""
    models = models or ServiceModels()
    platform.providers.update(build_providers(platform))
    gateway = Gateway(platform, models)

    async def health(_: Request) -> Response:
        return JSONResponse(
            {"status": "ok", "version": __version__, "services": sorted(platform.providers)}
        )

    async def aws_api(request: Request) -> Response:
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return _too_large()
        wire = WireRequest(
            method=request.method,
            path=request.scope.get("raw_path", request.url.path.encode()).decode("latin-1"),
            query=request.scope.get("query_string", b"").decode("latin-1"),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            client_ip=request.client.host if request.client else "",
            secure=request.url.scheme == "https",
        )
        reply = await gateway.handle(wire)
        return Response(reply.body, status_code=reply.status, headers=reply.headers)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Providers with background work (the EMR reconciler) start and stop with the app.
        for provider in platform.providers.values():
            if hasattr(provider, "startup"):
                await provider.startup()
        try:
            yield
        finally:
            for provider in platform.providers.values():
                if hasattr(provider, "shutdown"):
                    await provider.shutdown()
            platform.close()

    routes = [
        Route("/_clusterport/health", health, methods=["GET"]),
        login_route(),
        ui_route(),
        Route("/{path:path}", aws_api, methods=["GET", "POST", "PUT", "DELETE"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.platform = platform
    app.state.gateway = gateway
    return app
