"""Identifiers and ARNs of SageMaker's Studio resources."""

from __future__ import annotations

import string

from clusterport.services.base import RequestContext, hex_id, random_id

SERVICE = "sagemaker"
_LOWER_ALNUM = string.ascii_lowercase + string.digits


def new_domain_id() -> str:
    """A domain id as SageMaker makes them: ``d-`` and 12 lowercase letters and digits."""
    return "d-" + random_id(12, _LOWER_ALNUM)


def new_file_system_id() -> str:
    """An EFS-style id for the domain's shared home file system."""
    return hex_id("fs")


def domain_arn(ctx: RequestContext, domain_id: str) -> str:
    return ctx.arn(SERVICE, f"domain/{domain_id}")


def user_profile_arn(ctx: RequestContext, domain_id: str, profile: str) -> str:
    return ctx.arn(SERVICE, f"user-profile/{domain_id}/{profile}")


def lifecycle_config_arn(ctx: RequestContext, name: str) -> str:
    return ctx.arn(SERVICE, f"studio-lifecycle-config/{name}")


def lifecycle_config_name(arn: str) -> tuple[str, str, str] | None:
    """``(region, account, name)`` of a Studio lifecycle configuration ARN, else None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != SERVICE:
        return None
    kind, _, name = parts[5].partition("/")
    if kind != "studio-lifecycle-config" or not name or "/" in name:
        return None
    return parts[3], parts[4], name
