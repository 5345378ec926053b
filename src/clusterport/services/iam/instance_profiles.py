"""Instance profiles: the container that hands a role to EC2 instances (one role each)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from clusterport.services.iam import names, roles
from clusterport.services.iam import shapes_generated as shapes
from clusterport.services.iam import tags as tag_rules
from clusterport.services.iam.errors import (
    already_exists,
    delete_conflict,
    limit_exceeded,
    no_such_entity,
)
from clusterport.services.iam.records import IamRecords
from clusterport.store.resources import ResourceRow

#: Roles one instance profile may hold (IAM's quota).
MAX_ROLES = 1


def output(rec: IamRecords, row: ResourceRow) -> shapes.InstanceProfile:
    """The ``InstanceProfile`` shape, with its roles in full."""
    data = row.data
    role_rows = [rec.find(names.ROLE, n) for n in data.get("Roles", [])]
    out: shapes.InstanceProfile = {
        "Path": data["Path"],
        "InstanceProfileName": data["Name"],
        "InstanceProfileId": data["Id"],
        "Arn": data["Arn"],
        "CreateDate": row.created_at,
        "Roles": [roles.output(r, full=False) for r in role_rows if r is not None],
    }
    if data.get("Tags"):
        out["Tags"] = data["Tags"]
    return out


def create(rec: IamRecords, params: Mapping[str, Any], now: dt.datetime) -> ResourceRow:
    name = params["InstanceProfileName"]
    path = params.get("Path") or "/"
    existing = rec.find(names.INSTANCE_PROFILE, name)
    if existing is not None:
        raise already_exists(
            f"Instance Profile {existing.data['Name']} already exists; pick another name."
        )
    return rec.add(
        names.INSTANCE_PROFILE,
        name,
        {
            "Name": name,
            "Id": names.new_id(names.INSTANCE_PROFILE),
            "Arn": names.entity_arn(rec.account_id, names.INSTANCE_PROFILE, name, path),
            "Path": path,
            "Tags": tag_rules.checked(params.get("Tags")),
            "Roles": [],
        },
        now,
    )


def add_role(rec: IamRecords, row: ResourceRow, role_name: str, now: dt.datetime) -> None:
    role = rec.require(names.ROLE, role_name)
    current: list[str] = list(row.data.get("Roles", []))
    if any(names.key(r) == names.key(role_name) for r in current):
        raise already_exists(
            f"Instance profile {row.data['Name']} already contains role {role.data['Name']}."
        )
    if len(current) >= MAX_ROLES:
        raise limit_exceeded(
            f"Cannot exceed quota for InstanceSessionsPerInstanceProfile: {MAX_ROLES}. "
            f"Instance profile {row.data['Name']} already holds {current[0]}; remove it with "
            "RemoveRoleFromInstanceProfile first."
        )
    rec.update(row, {**row.data, "Roles": [*current, role.data["Name"]]}, now)


def remove_role(rec: IamRecords, row: ResourceRow, role_name: str, now: dt.datetime) -> None:
    rec.require(names.ROLE, role_name)
    current: list[str] = list(row.data.get("Roles", []))
    kept = [r for r in current if names.key(r) != names.key(role_name)]
    if len(kept) == len(current):
        raise no_such_entity(f"Role {role_name} is not in instance profile {row.data['Name']}.")
    rec.update(row, {**row.data, "Roles": kept}, now)


def delete(rec: IamRecords, row: ResourceRow) -> None:
    if row.data.get("Roles"):
        raise delete_conflict(
            "Cannot delete entity, must remove roles from instance profile first: "
            f"{row.data['Name']} holds {', '.join(row.data['Roles'])} "
            "(RemoveRoleFromInstanceProfile)."
        )
    rec.delete(row)
