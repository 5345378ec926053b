"""Who a service acts as when it acts for someone: a session of a role, or the caller.

A stack created with ``RoleARN`` (or a product provisioned through a Service
Catalog launch constraint) acts as a session of that role, as CloudFormation
and Service Catalog do when they assume the role: the role must exist in the
account and its trust policy must let the service assume it. Without a role
the service acts as its caller. The principal is kept in the stack's document
so that a restarted server carries on as the same identity.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any
from urllib.parse import unquote

from clusterport.errors import ServiceError, ValidationError
from clusterport.iam import (
    AttachmentKind,
    AuthorizationRequest,
    MalformedPolicyError,
    NamedPolicy,
    PolicyKind,
    PolicySet,
    PrincipalInfo,
    PrincipalKind,
    evaluate,
    parse_policy,
)
from clusterport.services.base import Principal
from clusterport.services.calls import ServiceCaller

ROLE_ARN = re.compile(r"arn:aws:iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})")


def parse_role_arn(role_arn: str) -> tuple[str, str]:
    """``(account_id, role_name)`` of a role ARN, or a ValidationError naming the form."""
    found = ROLE_ARN.fullmatch(role_arn)
    if found is None:
        raise ValidationError(
            f"Role ARN {role_arn} is not valid; write it as arn:aws:iam::<account>:role/<name>.",
            code="ValidationError",
        )
    return found.group(1), found.group(2)


def _trust_document(role: Mapping[str, Any]) -> str:
    raw = role.get("AssumeRolePolicyDocument")
    if isinstance(raw, Mapping):
        return json.dumps(raw)
    text = str(raw or "")
    return text if text.lstrip().startswith("{") else unquote(text)


def trusts_service(role: Mapping[str, Any], service_principal: str) -> bool:
    """True when the role's trust policy lets ``service_principal`` assume it."""
    try:
        document = parse_policy(_trust_document(role), PolicyKind.TRUST)
    except MalformedPolicyError:
        return False
    account_id, _ = parse_role_arn(str(role.get("Arn")))
    request = AuthorizationRequest(
        principal=PrincipalInfo(arn=service_principal, account_id="", kind=PrincipalKind.SERVICE),
        action="sts:AssumeRole",
        resource=str(role.get("Arn")),
        resource_account=account_id,
    )
    policies = PolicySet(
        resource=NamedPolicy("trust policy", None, AttachmentKind.INLINE, document)
    )
    return evaluate(request, policies).allowed


async def role_session(
    caller: ServiceCaller,
    role_arn: str,
    session_name: str,
    region: str,
    *,
    trusted_service: str | None = None,
) -> Principal:
    """A session of ``role_arn`` (which must exist), as the service that assumes it sees it.

    With ``trusted_service`` (``cloudformation.amazonaws.com`` …) the role's
    trust policy must allow that service to assume it.
    """
    account_id, name = parse_role_arn(role_arn)
    try:
        found = await caller.lookup(account_id, region, "iam", "GetRole", {"RoleName": name})
    except ServiceError as error:
        if error.code in ("NoSuchEntity", "NoSuchEntityException"):
            raise ValidationError(
                f"Role {role_arn} does not exist; create it (or fix the ARN) first.",
                code="ValidationError",
            ) from None
        raise
    role = found.get("Role") or {}
    if trusted_service is not None and not trusts_service(role, trusted_service):
        raise ValidationError(
            f"Role {role_arn} is invalid or cannot be assumed: its trust policy does not "
            f'allow {trusted_service}. Add a statement with "Principal": {{"Service": '
            f'"{trusted_service}"}} and "Action": "sts:AssumeRole".',
            code="ValidationError",
        )
    role_id = str(role.get("RoleId") or name)
    return Principal(
        account_id=account_id,
        arn=f"arn:aws:sts::{account_id}:assumed-role/{name}/{session_name}",
        user_id=f"{role_id}:{session_name}",
        kind="assumed-role",
        access_key_id="",
        name=name,
        session_name=session_name,
        role_id=role_id,
        issuer_arn=str(role.get("Arn") or role_arn),
    )


def principal_document(principal: Principal) -> dict[str, Any]:
    """A principal as JSON-ready data (kept in a stack's document)."""
    data = asdict(principal)
    data["session_tags"] = dict(principal.session_tags)
    data["transitive_tag_keys"] = list(principal.transitive_tag_keys)
    return data


def principal_from_document(data: Mapping[str, Any]) -> Principal:
    """The principal :func:`principal_document` wrote."""
    values = dict(data)
    values["session_tags"] = dict(values.get("session_tags") or {})
    values["transitive_tag_keys"] = tuple(values.get("transitive_tag_keys") or ())
    return Principal(**values)
