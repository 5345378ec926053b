"""The ASGI application: every AWS API on one port, plus the platform's own endpoints."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clusterport import __version__
from clusterport.gateway.container_credentials import credentials_route
from clusterport.gateway.livy_proxy import livy_route
from clusterport.gateway.pipeline import Gateway
from clusterport.gateway.studio_login import login_route
from clusterport.gateway.ui_proxy import ui_route
from clusterport.gateway.wire import (
    BodyTooLarge,
    light_upstream_client,
    read_body,
    too_large,
    upstream_client,
    wire_request,
)
from clusterport.platform import Platform
from clusterport.services.registry import build_providers, served_services
from clusterport.services.service_models import ServiceModels

log = logging.getLogger(__name__)


def create_app(platform: Platform, models: ServiceModels | None = None) -> Starlette:
    """The ASGI app serving ``platform``."""
    models = models or ServiceModels(served_services())
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
            return too_large()
        reply = await gateway.handle(wire_request(request, body))
        return Response(reply.body, status_code=reply.status, headers=reply.headers)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Providers with background work (the EMR reconciler) start and stop with the app.
        for provider in platform.providers.values():
            await provider.startup()
        app.state.upstream = upstream_client()
        app.state.light_upstream = light_upstream_client()
        # Work a previous run left in progress resumes once the server listens, never before.
        resuming = asyncio.create_task(_resume(platform), name="resume interrupted work")
        try:
            yield
        finally:
            resuming.cancel()
            await asyncio.gather(resuming, return_exceptions=True)
            await app.state.upstream.aclose()
            await app.state.light_upstream.aclose()
            for provider in platform.providers.values():
                await provider.shutdown()
            platform.close()

    routes = [
        Route("/_clusterport/health", health, methods=["GET"]),
        login_route(),
        credentials_route(),
        ui_route(),
        livy_route(),
        Route("/{path:path}", aws_api, methods=["GET", "POST", "PUT", "DELETE"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.platform = platform
    app.state.gateway = gateway
    return app


async def _resume(platform: Platform) -> None:
    """Call every provider's ``resume`` hook once the server serves requests.

    Uvicorn's task is woken when the lifespan's startup completes and starts
    serving the socket in that same turn of the loop; this task, created just
    before, gives up its first turn so that it runs after. Resumed work then
    shares the loop with requests (it gives the loop its turn at every step).
    """
    await asyncio.sleep(0)
    for provider in list(platform.providers.values()):
        try:
            await provider.resume()
        except Exception:  # one service's resumption must not stop another's
            log.exception("could not resume the work of %s", provider.service)
