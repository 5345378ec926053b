"""The Spark UI proxy: ``/_ui/<handle>/…`` to a cluster's master, app and history UIs.

The handle is the cluster's id, or for a cluster taken from the warm pool the
opaque id its processes started under (its document's ``Engine.UiPrefix``):
the cluster is found by the token's grant, and let in only under its own
handle. A request is let through when it carries a presigned link token for that
cluster (``?cp-ui-token=…``, see :mod:`clusterport.services.emr.ui_links`),
which is traded for a cookie scoped to ``/_ui/<handle>/`` and a redirect
to the same page without the token, or when it carries that cookie. The
request then goes, with the prefix stripped, to the cluster's history server
(``shs/…``) or its standalone master (everything else, including
``proxy/<app-or-worker-id>/…``, which the master forwards itself). The
paths naming the cluster's own application (``application/…``,
``history-application/…``) are answered with a redirect to that
application's page, its id read from the driver's or the history server's
REST API at that moment. Spark links already carry the prefix (the engine
sets it as ``reverseProxyUrl`` and the history server's proxy base);
redirects naming the upstream's own host are rewritten to go through the
proxy. Every request carries the cluster's UI headers, which the engine holds
(:class:`~clusterport.engines.base.ClusterAccess`).

Each login (a link traded for a cookie, or a genuine link refused because it
expired or names another cluster) is recorded in the cluster's account as a
CloudTrail event ``AppUILogin`` of ``elasticmapreduce.amazonaws.com``, naming
the principal the link was issued to. The IAM actions that guard this door
are the ones that issue its links: ``GetOnClusterAppUIPresignedURL`` and
``GetPersistentAppUIPresignedURL``.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from clusterport.engines.base import Endpoint, EngineError
from clusterport.errors import ServiceError
from clusterport.gateway.wire import HOP_BY_HOP, upstream
from clusterport.platform import Platform
from clusterport.services import audit
from clusterport.services.emr import endpoints, ui_links
from clusterport.services.emr.provider import emr_engine
from clusterport.services.emr.records import EmrRecords
from clusterport.services.emr.spec import ui_prefix_for

_HISTORY = ui_links.history_path().rstrip("/")
_HOP_BY_HOP = HOP_BY_HOP | {"content-encoding", "cookie"}
_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def _refused(message: str, status: int = 403) -> Response:
    return PlainTextResponse(message + "\n", status_code=status)


async def _ui_headers(platform: Platform, cluster_id: str) -> dict[str, str]:
    """What a request to the cluster's Spark UIs must carry (its UI key)."""
    return dict((await (await emr_engine(platform)).access(cluster_id)).ui_headers)


def _target(platform: Platform, grant: ui_links.UiGrant, rest: str) -> tuple[Endpoint, str, str]:
    """The upstream server, the upstream path and the public mount point for ``rest``."""
    with platform.db.session() as session:
        rec = EmrRecords(session, grant.account_id, grant.region)
        doc = rec.cluster(grant.cluster_id).data
    prefix = ui_links.ui_prefix_of(doc)
    if rest == _HISTORY or rest.startswith(_HISTORY + "/"):
        history = endpoints.history_endpoint(doc)
        if history is None:
            raise LookupError(
                f"No history server serves {grant.cluster_id}; create a persistent app UI with "
                "CreatePersistentAppUI."
            )
        return history, "/" + rest[len(_HISTORY) :].lstrip("/"), f"{prefix}/{_HISTORY}"
    master_ui = endpoints.running_endpoint(doc, "MasterUi")
    if master_ui is None:
        raise LookupError(
            f"Cluster {grant.cluster_id} runs no Spark master now; for a terminated cluster "
            "use a persistent app UI (CreatePersistentAppUI)."
        )
    return master_ui, "/" + rest, prefix


#: The Spark Connect server's application name ends so (``spark_commands``).
_CONNECT_APP_SUFFIX = "Spark Connect server"


async def _application_page(
    request: Request, platform: Platform, grant: ui_links.UiGrant, alias: str, page: str
) -> str:
    """Where the cluster's own application is: its live UI, or its history server page.

    The live application is the one the cluster's driver runs (its Spark
    Connect server); on the history server, the application named as that
    server, else the latest one. Without any, the master's or the history
    server's own page.
    """
    with platform.db.session() as session:
        rec = EmrRecords(session, grant.account_id, grant.region)
        doc = rec.cluster(grant.cluster_id).data
    prefix = ui_links.ui_prefix_of(doc)
    page = page or ui_links.APPLICATION_LANDING
    if alias == ui_links.LIVE_APPLICATION:
        app_ui = endpoints.running_endpoint(doc, "AppUi")
        apps = await _applications(request, platform, grant, app_ui) if app_ui else []
        return f"{prefix}/proxy/{apps[0]['id']}/{page}" if apps else f"{prefix}/"
    history = endpoints.history_endpoint(doc)
    apps = await _applications(request, platform, grant, history) if history else []
    connect = [a for a in apps if str(a.get("name", "")).endswith(_CONNECT_APP_SUFFIX)]
    chosen = (connect or apps)[:1]
    if not chosen:
        return f"{prefix}/{_HISTORY}/"
    return f"{prefix}/{_HISTORY}/history/{chosen[0]['id']}/{page}"


async def _applications(
    request: Request, platform: Platform, grant: ui_links.UiGrant, target: Endpoint
) -> list[dict[str, Any]]:
    """The applications a Spark UI's REST API lists (none when it does not answer)."""
    try:
        reply = await upstream(request).get(
            target.url("/api/v1/applications"),
            headers=await _ui_headers(platform, grant.cluster_id),
            timeout=_TIMEOUT,
        )
        apps = reply.json() if reply.status_code == 200 else []
    except (httpx.HTTPError, ValueError, EngineError):
        return []
    if not isinstance(apps, list):
        return []
    return [a for a in apps if isinstance(a, dict) and isinstance(a.get("id"), str)]


def _location(value: str, mount: str, prefix: str, host: str) -> str:
    """A redirect as the browser must follow it: through the proxy, never to the upstream."""
    parts = urlsplit(value)
    if parts.scheme and parts.hostname in ("127.0.0.1", "localhost", host):
        path = parts.path or "/"
        if not path.startswith(prefix):
            path = mount + path
        return path + (f"?{parts.query}" if parts.query else "")
    if not parts.scheme and value.startswith("/") and not value.startswith(prefix):
        return mount + value
    return value


def _audit_login(
    platform: Platform,
    request: Request,
    cluster_id: str,
    grant: ui_links.UiGrant | None,
    refusal: str | None,
) -> None:
    if grant is None:
        return  # not a link the platform issued: no account to record it in
    audit.record_quietly(
        platform,
        audit.CallRecord(
            event_time=platform.now(),
            region=grant.region,
            event_source="elasticmapreduce.amazonaws.com",
            event_name="AppUILogin",
            request_id=str(uuid.uuid4()),
            source_ip=request.client.host if request.client else "",
            user_agent=request.headers.get("user-agent", ""),
            principal=None,
            account_id=grant.account_id,
            request_parameters={"clusterId": cluster_id, "path": request.url.path},
            error_code="AccessDenied" if refusal else None,
            error_message=refusal,
            resources=(
                f"arn:aws:elasticmapreduce:{grant.region}:{grant.account_id}:cluster/"
                f"{grant.cluster_id}",
            ),
            issued_to=(grant.principal_arn, grant.principal_id) if grant.principal_arn else None,
        ),
    )


def _without_token(request: Request) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != ui_links.TOKEN_PARAM]
    path = request.url.path
    return f"{path}?{urlencode(query)}" if query else path


async def _forward(
    request: Request, target: Endpoint, path: str, mount: str, prefix: str, key: dict[str, str]
) -> Response:
    url = target.url(path)
    if request.url.query:
        url += f"?{request.url.query}"
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
    headers.update(key)  # the cluster's UI key: the UIs answer nothing without it
    body = await request.body()
    reply = await upstream(request).request(
        request.method,
        url,
        headers=headers,
        content=body,
        follow_redirects=False,
        timeout=_TIMEOUT,
    )
    out_headers = {k: v for k, v in reply.headers.items() if k.lower() not in _HOP_BY_HOP}
    if "location" in reply.headers:
        out_headers["location"] = _location(reply.headers["location"], mount, prefix, target.host)
    out_headers.pop("set-cookie", None)
    return Response(reply.content, status_code=reply.status_code, headers=out_headers)


def _cluster_of(platform: Platform, key: bytes, token: str | None, handle: str) -> str:
    """The cluster a UI path's handle stands for, as the token's grant names it.

    A grant whose cluster was started under this handle (taken from the warm
    pool) names that cluster; anything else is checked against the handle
    itself, so a link is refused under any other cluster's handle.
    """
    grant = ui_links.genuine(key, token) if token else None
    if grant is None or grant.cluster_id == handle:
        return handle
    try:
        with platform.db.session() as session:
            doc = EmrRecords(session, grant.account_id, grant.region).cluster(grant.cluster_id).data
    except ServiceError:
        return handle
    return grant.cluster_id if ui_links.ui_prefix_of(doc) == ui_prefix_for(handle) else handle


async def spark_ui(request: Request) -> Response:
    """Serve one request of a cluster's Spark UI (see the module docstring)."""
    platform: Platform = request.app.state.platform
    handle = request.path_params["cluster_id"]
    rest = request.path_params.get("rest", "")
    key = ui_links.signing_key(platform.data_dir)
    now = platform.now()
    prefix = ui_prefix_for(handle)
    link = request.query_params.get(ui_links.TOKEN_PARAM)
    cluster_id = _cluster_of(
        platform, key, link or request.cookies.get(ui_links.COOKIE_NAME), handle
    )
    try:
        if link is not None:
            try:
                grant = ui_links.verify(key, link, cluster_id, now)
            except ui_links.UiLinkError as refused:
                _audit_login(
                    platform, request, cluster_id, ui_links.genuine(key, link), str(refused)
                )
                raise
            _audit_login(platform, request, cluster_id, grant, None)
            lifetime = ui_links.COOKIE_LIFETIME
            cookie = ui_links.sign(key, grant.until(now + lifetime))
            reply = RedirectResponse(_without_token(request), status_code=303)
            reply.set_cookie(
                ui_links.COOKIE_NAME,
                cookie,
                max_age=int(lifetime.total_seconds()),
                path=f"{prefix}/",
                httponly=True,
                samesite="lax",
            )
            return reply
        cookie_token = request.cookies.get(ui_links.COOKIE_NAME)
        if not cookie_token:
            return _refused(
                f"Open the Spark UI of {cluster_id} through a presigned URL "
                "(GetOnClusterAppUIPresignedURL or GetPersistentAppUIPresignedURL)."
            )
        grant = ui_links.verify(key, cookie_token, cluster_id, now)
    except ui_links.UiLinkError as exc:
        return _refused(str(exc))
    alias = ui_links.application_alias(rest)
    if alias is not None:
        try:
            where = await _application_page(request, platform, grant, *alias)
        except ServiceError as exc:
            return _refused(exc.message, status=404)
        return RedirectResponse(where, status_code=303)
    try:
        target, path, mount = _target(platform, grant, rest)
        ui_key = await _ui_headers(platform, cluster_id)
    except (LookupError, ServiceError, EngineError) as exc:
        message = exc.message if isinstance(exc, ServiceError) else str(exc)
        return _refused(message, status=404)
    try:
        return await _forward(request, target, path, mount, prefix, ui_key)
    except httpx.HTTPError as exc:
        return _refused(
            f"The Spark UI of {cluster_id} does not answer ({type(exc).__name__}); if the "
            "cluster terminated, use a persistent app UI.",
            status=502,
        )


def ui_route() -> Route:
    """The route of the Spark UI proxy (register it before the catch-all AWS route)."""
    return Route(
        "/_ui/{cluster_id}/{rest:path}",
        spark_ui,
        methods=["GET", "HEAD", "POST"],
    )
