"""The Livy route: ``/_livy/<cluster-id>/…`` to a cluster's Livy endpoint, for checked callers.

On AWS, Livy on a cluster's primary node answers whoever the network lets
through. On this host every port is reachable, so the network has to be
checked where the traffic passes: a cluster's Livy endpoint answers only
requests carrying its access key (the engine's
:attr:`~clusterport.engines.base.ClusterAccess.sidecar_key`), and this route
adds the key after four checks, each refusal a Livy error
(``{"msg": …}``) that says what to do:

1. the request is SigV4-signed for ``elasticmapreduce`` by valid credentials
   (403 otherwise, with the verifier's reason);
2. the caller's policies allow ``elasticmapreduce:AccessLivyEndpoints`` on
   the cluster's ARN (403 with AWS's AccessDenied message otherwise; an
   explicit Deny wins, as for every API call);
3. the cluster is in the caller's account and region, RUNNING or WAITING,
   and runs Livy (404/409, the 409 naming the cluster's state; a request the
   endpoint drops because the cluster stopped meanwhile gets the same) — a
   cluster of another account is reached with that account's credentials, as
   the connect magic does with ``--assumable-role-arn``;
4. for a Studio user (credentials that carry a domain and user profile), the
   network from the domain to the primary node on Livy's port 8998 is
   complete (:func:`check_connect`, 403 naming the missing piece and its fix).

Every request of a verified caller, let through or refused, is recorded in
the caller's account as a CloudTrail event ``AccessLivyEndpoints`` of
``elasticmapreduce.amazonaws.com`` (method and path, never the body).

The connect magic signs its sparkmagic requests to this route (see
:mod:`clusterport.studio.livy_auth`); the request then goes to the sidecar
with the prefix and the signature headers stripped.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clusterport.engines.base import Endpoint, EngineError
from clusterport.engines.livy.config import ACCESS_KEY_HEADER
from clusterport.errors import AccessDeniedError, AuthenticationError, InternalError, ServiceError
from clusterport.gateway.pipeline import verify_caller
from clusterport.gateway.sigv4 import SigV4Error
from clusterport.gateway.wire import (
    HOP_BY_HOP,
    LIGHT_UPSTREAM_ERRORS,
    BodyTooLarge,
    light_upstream,
    read_body,
    wire_request,
)
from clusterport.platform import Platform
from clusterport.services import audit
from clusterport.services.authorization import authorize
from clusterport.services.base import Principal, RequestContext
from clusterport.services.emr import endpoints
from clusterport.services.emr.connect_guard import LIVY_PORT, check_connect
from clusterport.services.emr.documents import READY_STATES, cluster_state, test_engine_refusal
from clusterport.services.emr.provider import emr_engine
from clusterport.services.emr.records import EmrRecords
from clusterport.services.emr.spec import LIVY

__all__ = ["LIVY_ACTION", "LIVY_SIGNING_NAME", "livy_prefix", "livy_route"]

#: The service name Livy requests are signed for (EMR's).
LIVY_SIGNING_NAME = "elasticmapreduce"
#: The IAM action every Livy request is authorized as, on the cluster's ARN.
LIVY_ACTION = "elasticmapreduce:AccessLivyEndpoints"
#: Request headers not passed on: hop-by-hop, and the caller's signature.
_DROPPED = HOP_BY_HOP | {
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    ACCESS_KEY_HEADER.lower(),
}
_TIMEOUT = {"connect": 5.0, "read": 60.0, "write": 60.0, "pool": 60.0}


class _Refusal(Exception):
    def __init__(self, status: int, message: str, code: str = "InvalidRequestException") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def livy_prefix(cluster_id: str) -> str:
    """The gateway path a cluster's Livy endpoint is served under."""
    return f"/_livy/{cluster_id}"


def _caller(platform: Platform, request: Request, body: bytes) -> RequestContext:
    try:
        signed, principal, version = verify_caller(
            platform, wire_request(request, body), LIVY_SIGNING_NAME
        )
    except (SigV4Error, AuthenticationError) as exc:
        raise _Refusal(
            403,
            f"{exc} Livy requests to clusterport are signed with AWS Signature Version 4 "
            f"for the service '{LIVY_SIGNING_NAME}' (the connect magic does this).",
        ) from exc
    return _context(platform, principal, signed.scope.region, request, version)


def _context(
    platform: Platform,
    principal: Principal,
    region: str,
    request: Request,
    iam_version: int | None = None,
) -> RequestContext:
    return RequestContext(
        platform=platform,
        principal=principal,
        region=region,
        service="emr",
        operation="Livy",
        request_id=str(uuid.uuid4()),
        source_ip=request.client.host if request.client else "",
        now=platform.now(),
        user_agent=request.headers.get("user-agent", ""),
        iam_version=iam_version,
    )


def _authorize(ctx: RequestContext, cluster_arn: str) -> None:
    """Refuse unless the caller's policies allow Livy on the cluster (explicit Deny wins)."""
    try:
        authorize(ctx, LIVY_ACTION, [cluster_arn])
    except AccessDeniedError as exc:
        raise _Refusal(403, exc.message, exc.code) from exc


def _audit(
    request: Request, ctx: RequestContext, cluster_id: str, arn: str, refusal: _Refusal | None
) -> None:
    rest = request.path_params.get("rest", "")
    audit.record_quietly(
        ctx.platform,
        audit.CallRecord(
            event_time=ctx.now,
            region=ctx.region,
            event_source="elasticmapreduce.amazonaws.com",
            event_name=LIVY_ACTION.split(":", 1)[1],
            request_id=ctx.request_id,
            source_ip=ctx.source_ip,
            user_agent=ctx.user_agent,
            principal=ctx.principal,
            account_id=ctx.account_id,
            request_parameters={
                "clusterId": cluster_id,
                "httpMethod": request.method,
                "path": f"/{rest}",
            },
            error_code=refusal.code if refusal else None,
            error_message=refusal.message if refusal else None,
            resources=(arn,),
        ),
    )


def _target(platform: Platform, ctx: RequestContext, cluster_id: str) -> Endpoint:
    """Where the cluster's Livy sidecar answers, once every check has passed."""
    with platform.db.session() as session:
        try:
            row = EmrRecords(session, ctx.account_id, ctx.region).cluster(cluster_id)
        except ServiceError as exc:
            raise _Refusal(
                404,
                f"{exc.message} (looked up in account {ctx.account_id}, {ctx.region}). Livy "
                "of a cluster in another account is reached with that account's credentials "
                "(--assumable-role-arn).",
            ) from exc
        _refuse_unless_ready(cluster_id, cluster_state(row.data))
        try:
            check_connect(session, ctx, row, LIVY_PORT, "Livy")
        except ServiceError as exc:
            raise _Refusal(403, exc.message, exc.code) from exc
        livy = endpoints.sidecar_endpoint(row.data, LIVY)
        refusal = test_engine_refusal(row.data, "Livy")
        if refusal is not None:
            raise _Refusal(501, refusal)
        if livy is None:
            raise _Refusal(
                404,
                f"Cluster {cluster_id} does not run Livy: create clusters with "
                'Applications=[{"Name": "Spark"}, {"Name": "Livy"}] to use sparkmagic.',
            )
        return livy


def _refuse_unless_ready(cluster_id: str, state: str) -> None:
    if state not in READY_STATES:
        raise _Refusal(
            409,
            f"Cluster {cluster_id} is {state}; its Livy endpoint answers while it is "
            "RUNNING or WAITING (its sessions and statements ended with it).",
        )


def _ended_refusal(platform: Platform, ctx: RequestContext, cluster_id: str) -> _Refusal | None:
    """The refusal naming the cluster's state, once it is no longer RUNNING or WAITING."""
    with platform.db.session() as session:
        try:
            row = EmrRecords(session, ctx.account_id, ctx.region).cluster(cluster_id)
            _refuse_unless_ready(cluster_id, cluster_state(row.data))
        except _Refusal as refusal:
            return refusal
        except ServiceError:
            return None
    return None


async def _forward(
    request: Request, body: bytes, target: Endpoint, key: str, rest: str
) -> Response:
    url = target.url(rest)
    if request.url.query:
        url += f"?{request.url.query}"
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _DROPPED]
    headers.append((ACCESS_KEY_HEADER, key))
    reply = await light_upstream(request).request(
        request.method, url, headers=headers, content=body, extensions={"timeout": _TIMEOUT}
    )
    content_type = next(
        (v.decode("latin-1") for k, v in reply.headers if k.lower() == b"content-type"), None
    )
    return Response(reply.content, status_code=reply.status, media_type=content_type)


async def livy(request: Request) -> Response:
    """Serve one Livy request of a cluster (see the module docstring)."""
    platform: Platform = request.app.state.platform
    cluster_id = request.path_params["cluster_id"]
    try:
        body = await read_body(request)
        ctx = _caller(platform, request, body)
    except _Refusal as exc:  # no verified caller: no account to record the request in
        return JSONResponse({"msg": exc.message}, status_code=exc.status)
    except BodyTooLarge:
        return JSONResponse({"msg": "The request body is too large."}, status_code=413)
    except InternalError as exc:
        return JSONResponse({"msg": exc.message}, status_code=500)
    arn = ctx.arn("elasticmapreduce", f"cluster/{cluster_id}")
    try:
        _authorize(ctx, arn)
        target = _target(platform, ctx, cluster_id)
        key = (await (await emr_engine(platform)).access(cluster_id)).sidecar_key
        response = await _forward(request, body, target, key, request.path_params.get("rest", ""))
    except _Refusal as exc:
        _audit(request, ctx, cluster_id, arn, exc)
        return JSONResponse({"msg": exc.message, "code": exc.code}, status_code=exc.status)
    except InternalError as exc:
        _audit(request, ctx, cluster_id, arn, _Refusal(500, exc.message, exc.code))
        return JSONResponse({"msg": exc.message}, status_code=500)
    except (OSError, EngineError, *LIGHT_UPSTREAM_ERRORS) as exc:
        ended = _ended_refusal(platform, ctx, cluster_id)  # it stopped while we asked
        if ended is not None:
            _audit(request, ctx, cluster_id, arn, ended)
            return JSONResponse({"msg": ended.message, "code": ended.code}, status_code=409)
        message = (
            f"The Livy endpoint of {cluster_id} does not answer ({type(exc).__name__}); if "
            "the cluster is terminating, start a new one."
        )
        _audit(request, ctx, cluster_id, arn, _Refusal(502, message, "InternalServerError"))
        return JSONResponse({"msg": message}, status_code=502)
    _audit(request, ctx, cluster_id, arn, None)
    return response


def livy_route() -> Route:
    """The route of the Livy proxy (register it before the catch-all AWS route)."""
    return Route(
        livy_prefix("{cluster_id}") + "/{rest:path}",
        livy,
        methods=["GET", "POST", "DELETE"],
    )
