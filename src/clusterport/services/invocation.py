"""One invocation core: resources → authorize → dispatch → audit, for every caller.

The gateway (a client's call) and :class:`~clusterport.services.calls.ServiceCaller`
(CloudFormation and Service Catalog acting for a principal) run an operation
the same way through :func:`invoke`: the provider names the operation's
resource ARNs, the principal is authorized for the IAM action on them (unless
the operation needs no policy), the provider's method runs, and the call is
recorded in the audit trail with its outcome. Parsing the request is the
caller's business (wire protocols for the gateway, CloudFormation's property
coercion for the caller); ``ctx`` carries who calls and from where.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botocore import xform_name

from clusterport.errors import InternalError, ServiceError
from clusterport.services import audit
from clusterport.services.authorization import authorize
from clusterport.services.base import Provider, RequestContext

log = logging.getLogger(__name__)


def is_served(provider: Provider | None, operation: str) -> bool:
    """True when ``provider`` has a method for ``operation``."""
    method = getattr(provider, xform_name(operation), None) if provider else None
    return method is not None


async def invoke(
    ctx: RequestContext,
    provider: Provider,
    operation: str,
    params: Mapping[str, Any],
    *,
    event_source: str,
    recorded_params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run ``operation`` of ``provider`` for ``ctx``'s principal, authorized and audited.

    ``event_source`` is what the audit trail names (``elasticmapreduce.amazonaws.com``);
    ``recorded_params`` what it records of the request (default ``params``).
    A :class:`ServiceError` is recorded and raised; anything else is recorded
    as an internal error and raised.
    """
    resources: tuple[str, ...] = ()
    error: ServiceError | None = None
    try:
        resources = tuple(provider.resources_for(ctx, operation, params))
        if operation not in provider.unauthorized_operations:
            keys = provider.context_keys_for(ctx, operation, params)
            shared = provider.shared_resources(ctx, resources)
            authorize(ctx, f"{provider.iam_prefix}:{operation}", resources, keys, shared)
        method: Callable[[RequestContext, Mapping[str, Any]], Awaitable[Mapping[str, Any]]] = (
            getattr(provider, xform_name(operation))
        )
        result = await method(ctx, params)
        return dict(result or {})
    except ServiceError as exc:
        error = exc
        raise
    except Exception:
        error = InternalError()
        raise
    finally:
        record_call(
            ctx,
            event_source=event_source,
            params=params if recorded_params is None else recorded_params,
            resources=resources,
            error=error,
        )


def record_call(
    ctx: RequestContext,
    *,
    event_source: str,
    params: Mapping[str, Any] | None,
    resources: tuple[str, ...] = (),
    error: ServiceError | None = None,
) -> None:
    """Record one call in the audit trail; never turns the call into a failure."""
    record = audit.CallRecord(
        event_time=ctx.now,
        region=ctx.region,
        event_source=event_source,
        event_name=ctx.operation,
        request_id=ctx.request_id,
        source_ip=ctx.source_ip,
        user_agent=ctx.user_agent,
        principal=ctx.principal,
        account_id=ctx.account_id,
        request_parameters=dict(params) if params is not None else None,
        error_code=error.code if error else None,
        error_message=error.message if error else None,
        resources=resources,
    )
    try:
        with ctx.platform.db.session() as session:
            audit.record(session, record)
    except Exception:  # the audit trail must never turn a served call into a failure
        log.exception("could not record the audit event of request %s", ctx.request_id)


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data (timestamps as ISO text, bytes elided), for the trail."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return "<binary>"
    return value
