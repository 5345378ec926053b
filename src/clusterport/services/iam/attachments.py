"""What is attached to a user or a role: inline policies, managed policies, a boundary.

Users and roles share these rules, so they are written once over the entity
kind. Inline policies are stored in the entity's row (name → document text);
managed policies and the permissions boundary by ARN.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from clusterport.iam import PolicyKind, SizeQuota
from clusterport.services.iam import documents, managed_policies, names
from clusterport.services.iam import shapes_generated as shapes
from clusterport.services.iam.errors import limit_exceeded, no_such_entity, not_attachable
from clusterport.services.iam.records import IamRecords
from clusterport.store.resources import ResourceRow

#: Managed policies one user or role may have attached (IAM's default quota).
MAX_ATTACHED = 10

_INLINE_QUOTAS: Mapping[str, SizeQuota] = MappingProxyType(
    {
        names.USER: SizeQuota.USER_INLINE,
        names.ROLE: SizeQuota.ROLE_INLINE,
    }
)
_QUOTA_NAMES: Mapping[str, str] = MappingProxyType(
    {names.USER: "PoliciesPerUser", names.ROLE: "PoliciesPerRole"}
)


def label(row: ResourceRow) -> str:
    """``user NAME`` / ``role NAME``."""
    return f"{row.kind} {row.data['Name']}"


def put_inline(
    rec: IamRecords, row: ResourceRow, policy_name: str, document: Any, now: dt.datetime
) -> None:
    """Add or replace an inline policy."""
    quota = _INLINE_QUOTAS[row.kind]
    text = documents.validated(
        document, PolicyKind.IDENTITY, quota, f"inline policy {policy_name} of {label(row)}"
    )
    inline = dict(row.data.get("InlinePolicies", {}))
    inline[policy_name] = text
    documents.check_aggregate(list(inline.values()), quota, label(row))
    rec.update(row, {**row.data, "InlinePolicies": inline}, now)


def get_inline(row: ResourceRow, policy_name: str) -> str:
    """The text of an inline policy; ``NoSuchEntity`` when there is none of that name."""
    inline: dict[str, str] = row.data.get("InlinePolicies", {})
    if policy_name not in inline:
        raise no_such_entity(
            f"The {row.kind} policy with name {policy_name} cannot be found on {label(row)}. "
            f"Its inline policies: {', '.join(sorted(inline)) or 'none'}."
        )
    return inline[policy_name]


def inline_names(row: ResourceRow) -> list[str]:
    return sorted(row.data.get("InlinePolicies", {}))


def delete_inline(rec: IamRecords, row: ResourceRow, policy_name: str, now: dt.datetime) -> None:
    get_inline(row, policy_name)
    inline = {k: v for k, v in row.data["InlinePolicies"].items() if k != policy_name}
    rec.update(row, {**row.data, "InlinePolicies": inline}, now)


def _attachable(rec: IamRecords, arn: str) -> managed_policies.ManagedPolicy:
    policy = managed_policies.find(rec, arn)
    if policy is None:
        if names.parse_entity_arn(arn) is None:
            raise not_attachable(
                f"ARN {arn} is not a managed policy ARN: attach "
                "arn:aws:iam::ACCOUNT:policy/NAME or arn:aws:iam::aws:policy/NAME."
            )
        raise no_such_entity(
            f"Policy {arn} does not exist or is not attachable. Create it with CreatePolicy, "
            "or list what exists with ListPolicies."
        )
    return policy


def attach(rec: IamRecords, row: ResourceRow, arn: str, now: dt.datetime) -> None:
    """Attach a managed policy (attaching it again changes nothing)."""
    policy = _attachable(rec, arn)
    attached: list[str] = list(row.data.get("AttachedPolicies", []))
    if policy.arn in attached:
        return
    if len(attached) >= MAX_ATTACHED:
        raise limit_exceeded(
            f"Cannot exceed quota for {_QUOTA_NAMES[row.kind]}: {MAX_ATTACHED}. Detach a "
            f"policy from {label(row)} first, or merge policies into one."
        )
    rec.update(row, {**row.data, "AttachedPolicies": [*attached, policy.arn]}, now)


def detach(rec: IamRecords, row: ResourceRow, arn: str, now: dt.datetime) -> None:
    attached: list[str] = list(row.data.get("AttachedPolicies", []))
    if arn not in attached:
        raise no_such_entity(
            f"Policy {arn} was not found attached to {label(row)}; list what is attached with "
            f"ListAttached{row.kind.capitalize()}Policies."
        )
    rec.update(row, {**row.data, "AttachedPolicies": [a for a in attached if a != arn]}, now)


def attached_output(
    rec: IamRecords, row: ResourceRow, path_prefix: str | None
) -> list[shapes.AttachedPolicy]:
    """``AttachedPolicies`` entries, optionally only under a path prefix."""
    out: list[shapes.AttachedPolicy] = []
    for arn in row.data.get("AttachedPolicies", []):
        parsed = names.parse_entity_arn(arn)
        if parsed is None:
            continue
        if path_prefix and not parsed.path.startswith(path_prefix):
            continue
        out.append({"PolicyName": parsed.name, "PolicyArn": arn})
    return out


def put_boundary(rec: IamRecords, row: ResourceRow, arn: str, now: dt.datetime) -> None:
    """Set the permissions boundary (a managed policy)."""
    policy = _attachable(rec, arn)
    rec.update(row, {**row.data, "PermissionsBoundary": policy.arn}, now)


def delete_boundary(rec: IamRecords, row: ResourceRow, now: dt.datetime) -> None:
    rec.update(row, {**row.data, "PermissionsBoundary": None}, now)


def boundary_output(row: ResourceRow) -> shapes.AttachedPermissionsBoundary | None:
    """The ``AttachedPermissionsBoundary`` shape, or None."""
    arn = row.data.get("PermissionsBoundary")
    if not arn:
        return None
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}


def delete_conflicts(row: ResourceRow) -> str | None:
    """Why the entity cannot be deleted yet, or None."""
    if row.data.get("InlinePolicies"):
        return (
            "Cannot delete entity, must delete policies first: "
            f"{label(row)} has inline policies {', '.join(inline_names(row))} "
            f"(Delete{row.kind.capitalize()}Policy)."
        )
    if row.data.get("AttachedPolicies"):
        return (
            "Cannot delete entity, must detach all policies first: "
            f"{label(row)} has {', '.join(row.data['AttachedPolicies'])} attached "
            f"(Detach{row.kind.capitalize()}Policy)."
        )
    return None
