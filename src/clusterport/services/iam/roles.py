"""IAM roles: the trust policy, the session limits, tags, and deletion rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from clusterport.iam import PolicyKind, SizeQuota
from clusterport.services.iam import attachments, documents, names
from clusterport.services.iam import shapes_generated as shapes
from clusterport.services.iam import tags as tag_rules
from clusterport.services.iam.errors import already_exists, delete_conflict, validation
from clusterport.services.iam.records import IamRecords
from clusterport.store.resources import ResourceRow

DEFAULT_MAX_SESSION = 3600
MIN_MAX_SESSION = 3600
MAX_MAX_SESSION = 43200


def trust_text(document: Any, role_name: str) -> str:
    """A trust policy, validated as one."""
    return documents.validated(
        document, PolicyKind.TRUST, SizeQuota.TRUST_POLICY, f"trust policy of role {role_name}"
    )


def _max_session(value: Any) -> int:
    seconds = int(value)
    if not MIN_MAX_SESSION <= seconds <= MAX_MAX_SESSION:
        raise validation(
            f"MaxSessionDuration {seconds} is out of range: roles allow sessions of "
            f"{MIN_MAX_SESSION} to {MAX_MAX_SESSION} seconds (1 to 12 hours)."
        )
    return seconds


def output(row: ResourceRow, *, full: bool = True) -> shapes.Role:
    """The ``Role`` shape (``ListRoles`` leaves out tags, boundary and last use, as IAM does)."""
    data = row.data
    out: shapes.Role = {
        "Path": data["Path"],
        "RoleName": data["Name"],
        "RoleId": data["Id"],
        "Arn": data["Arn"],
        "CreateDate": row.created_at,
        "AssumeRolePolicyDocument": documents.encoded(data["AssumeRolePolicyDocument"]),
        "MaxSessionDuration": data["MaxSessionDuration"],
    }
    if data.get("Description") is not None:
        out["Description"] = data["Description"]  # an empty description is kept, as IAM does
    if full:
        boundary = attachments.boundary_output(row)
        if boundary:
            out["PermissionsBoundary"] = boundary
        if data.get("Tags"):
            out["Tags"] = data["Tags"]
        last = data.get("RoleLastUsed")
        out["RoleLastUsed"] = (
            {
                "LastUsedDate": dt.datetime.fromisoformat(last["LastUsedDate"]),
                "Region": last["Region"],
            }
            if last
            else {}
        )
    return out


def create(rec: IamRecords, params: Mapping[str, Any], now: dt.datetime) -> ResourceRow:
    name = params["RoleName"]
    path = params.get("Path") or "/"
    trust = trust_text(params["AssumeRolePolicyDocument"], name)
    max_session = _max_session(params.get("MaxSessionDuration") or DEFAULT_MAX_SESSION)
    existing = rec.find(names.ROLE, name)
    if existing is not None:
        raise already_exists(
            f"Role with name {existing.data['Name']} already exists. Role names are "
            "case-insensitive and unique in an account; pick another name or change the "
            "existing role (UpdateRole, UpdateAssumeRolePolicy)."
        )
    row = rec.add(
        names.ROLE,
        name,
        {
            "Name": name,
            "Id": names.new_id(names.ROLE),
            "Arn": names.entity_arn(rec.account_id, names.ROLE, name, path),
            "Path": path,
            "AssumeRolePolicyDocument": trust,
            "Description": params.get("Description"),
            "MaxSessionDuration": max_session,
            "Tags": tag_rules.checked(params.get("Tags")),
            "PermissionsBoundary": None,
            "InlinePolicies": {},
            "AttachedPolicies": [],
            "RoleLastUsed": None,
        },
        now,
    )
    if params.get("PermissionsBoundary"):
        attachments.put_boundary(rec, row, params["PermissionsBoundary"], now)
    return row


def update(rec: IamRecords, row: ResourceRow, params: Mapping[str, Any], now: dt.datetime) -> None:
    """``UpdateRole``/``UpdateRoleDescription``: description and maximum session duration."""
    data = dict(row.data)
    if "Description" in params:
        data["Description"] = params["Description"]
    if params.get("MaxSessionDuration") is not None:
        data["MaxSessionDuration"] = _max_session(params["MaxSessionDuration"])
    rec.update(row, data, now)


def update_trust(rec: IamRecords, row: ResourceRow, document: Any, now: dt.datetime) -> None:
    rec.update(
        row, {**row.data, "AssumeRolePolicyDocument": trust_text(document, row.data["Name"])}, now
    )


def instance_profiles_of(rec: IamRecords, role_name: str) -> list[ResourceRow]:
    """The instance profiles the role is in."""
    wanted = names.key(role_name)
    return [
        row
        for row in rec.all(names.INSTANCE_PROFILE)
        if any(names.key(r) == wanted for r in row.data.get("Roles", []))
    ]


def delete(rec: IamRecords, row: ResourceRow) -> None:
    """Delete a role with no policies left and in no instance profile."""
    conflict = attachments.delete_conflicts(row)
    if conflict:
        raise delete_conflict(conflict)
    profiles = instance_profiles_of(rec, row.data["Name"])
    if profiles:
        raise delete_conflict(
            "Cannot delete entity, must remove roles from instance profile first: role "
            f"{row.data['Name']} is in {', '.join(p.data['Name'] for p in profiles)} "
            "(RemoveRoleFromInstanceProfile)."
        )
    rec.delete(row)


def mark_used(rec: IamRecords, row: ResourceRow, region: str, now: dt.datetime) -> None:
    """Record the role's last use (``RoleLastUsed``)."""
    rec.touch(
        row, {**row.data, "RoleLastUsed": {"LastUsedDate": now.isoformat(), "Region": region}}, now
    )
