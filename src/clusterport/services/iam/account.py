"""Account-wide IAM views: the account alias and ``GetAccountAuthorizationDetails``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from clusterport.services.iam import (
    attachments,
    documents,
    instance_profiles,
    managed_policies,
    names,
    roles,
)
from clusterport.services.iam.errors import already_exists, no_such_entity
from clusterport.services.iam.records import GLOBAL, SERVICE, IamRecords
from clusterport.store.resources import ResourceRow, ResourceStore

ALL_FILTERS = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")


def aliases(rec: IamRecords) -> list[str]:
    return [
        row.resource_id for row in rec.store.find(names.ACCOUNT_ALIAS, account_id=rec.account_id)
    ]


def create_alias(rec: IamRecords, alias: str, now: dt.datetime) -> None:
    """Set the account's alias (an account has one; a new one replaces it).

    Aliases are unique across all accounts, as on AWS.
    """
    taken = ResourceStore(rec.session, SERVICE).find(names.ACCOUNT_ALIAS, name=alias)
    if any(row.account_id != rec.account_id for row in taken):
        raise already_exists(f"The account alias {alias} already exists; choose another alias.")
    if any(row.account_id == rec.account_id for row in taken):
        return
    for row in rec.store.find(names.ACCOUNT_ALIAS, account_id=rec.account_id):
        rec.delete(row)
    rec.store.add(
        account_id=rec.account_id,
        region=GLOBAL,
        kind=names.ACCOUNT_ALIAS,
        resource_id=alias,
        name=alias,
        data={"Alias": alias},
        now=now,
    )


def delete_alias(rec: IamRecords, alias: str) -> None:
    row = rec.store.get(rec.account_id, GLOBAL, names.ACCOUNT_ALIAS, alias)
    if row is None:
        raise no_such_entity(
            f"The account alias {alias} cannot be found in account {rec.account_id}; list it "
            "with ListAccountAliases."
        )
    rec.delete(row)


def _policy_list(row: ResourceRow) -> list[dict[str, str]]:
    return [
        {"PolicyName": name, "PolicyDocument": documents.encoded(text)}
        for name, text in sorted(row.data.get("InlinePolicies", {}).items())
    ]


def _user_detail(rec: IamRecords, row: ResourceRow) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Path": row.data["Path"],
        "UserName": row.data["Name"],
        "UserId": row.data["Id"],
        "Arn": row.data["Arn"],
        "CreateDate": row.created_at,
        "UserPolicyList": _policy_list(row),
        "GroupList": [],
        "AttachedManagedPolicies": attachments.attached_output(rec, row, None),
        "Tags": row.data.get("Tags", []),
    }
    boundary = attachments.boundary_output(row)
    if boundary:
        out["PermissionsBoundary"] = boundary
    return out


def _role_detail(rec: IamRecords, row: ResourceRow) -> dict[str, Any]:
    out: dict[str, Any] = {**roles.output(row)}
    out.pop("MaxSessionDuration", None)
    out.pop("Description", None)
    out["InstanceProfileList"] = [
        instance_profiles.output(rec, p) for p in roles.instance_profiles_of(rec, row.data["Name"])
    ]
    out["RolePolicyList"] = _policy_list(row)
    out["AttachedManagedPolicies"] = attachments.attached_output(rec, row, None)
    return out


def _policy_detail(
    policy: managed_policies.ManagedPolicy, counts: managed_policies.Usage
) -> dict[str, Any]:
    out: dict[str, Any] = {**managed_policies.policy_output(policy, counts, with_tags=False)}
    out["PolicyVersionList"] = [managed_policies.version_output(policy, v) for v in policy.versions]
    return out


def authorization_details(
    rec: IamRecords, filters: Sequence[str] | None
) -> list[tuple[str, dict[str, Any]]]:
    """Every entity ``GetAccountAuthorizationDetails`` reports, tagged with its list's name.

    AWS-managed policies are reported only when something in the account uses them.
    """
    wanted = set(filters or ALL_FILTERS)
    items: list[tuple[str, dict[str, Any]]] = []
    if "User" in wanted:
        items += [("UserDetailList", _user_detail(rec, r)) for r in rec.all(names.USER)]
    if "Role" in wanted:
        items += [("RoleDetailList", _role_detail(rec, r)) for r in rec.all(names.ROLE)]
    counts = managed_policies.usage(rec)
    if "LocalManagedPolicy" in wanted:
        items += [
            ("Policies", _policy_detail(p, counts)) for p in managed_policies.visible(rec, "Local")
        ]
    if "AWSManagedPolicy" in wanted:
        items += [
            ("Policies", _policy_detail(p, counts))
            for p in managed_policies.visible(rec, "AWS")
            if counts.attachment_count(p.arn) or counts.boundary_count(p.arn)
        ]
    return items
