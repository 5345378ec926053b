"""Authorization of every call: the IAM action and resources, decided by the policy engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from clusterport.errors import AccessDeniedError
from clusterport.services.base import RequestContext


def arn_account(arn: str) -> str | None:
    """The account an ARN belongs to (None for ``*`` and account-less ARNs)."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or not parts[4]:
        return None
    return parts[4]


def authorize(
    ctx: RequestContext,
    action: str,
    resources: Sequence[str],
    context_keys: Mapping[str, str | Sequence[str]] | None = None,
) -> None:
    """Raise AccessDenied unless the caller may perform ``action`` on every resource."""
    principal = ctx.principal
    for resource in resources:
        owner = arn_account(resource)
        if principal.is_root and owner in (None, principal.account_id):
            continue
        raise AccessDeniedError(
            f"User: {principal.arn} is not authorized to perform: {action} on resource: "
            f"{resource} because no identity-based policy allows the {action} action",
            code=_denied_code(ctx),
        )


def _denied_code(ctx: RequestContext) -> str:
    if ctx.service == "ec2":
        return "UnauthorizedOperation"
    return "AccessDeniedException" if ctx.service in _JSON_SERVICES else "AccessDenied"


_JSON_SERVICES = frozenset({"emr", "sagemaker", "cloudtrail", "servicecatalog"})
