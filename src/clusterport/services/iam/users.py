"""IAM users: create, read, rename, tag, delete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from clusterport.services.iam import attachments, names
from clusterport.services.iam import shapes_generated as shapes
from clusterport.services.iam import tags as tag_rules
from clusterport.services.iam.errors import already_exists, delete_conflict
from clusterport.services.iam.records import IamRecords
from clusterport.store.identity import AccessKey
from clusterport.store.resources import ResourceRow


def output(row: ResourceRow, *, full: bool = True) -> shapes.User:
    """The ``User`` shape (``ListUsers`` leaves out tags and the boundary, as IAM does)."""
    data = row.data
    out: shapes.User = {
        "Path": data["Path"],
        "UserName": data["Name"],
        "UserId": data["Id"],
        "Arn": data["Arn"],
        "CreateDate": row.created_at,
    }
    if full:
        boundary = attachments.boundary_output(row)
        if boundary:
            out["PermissionsBoundary"] = boundary
        if data.get("Tags"):
            out["Tags"] = data["Tags"]
    return out


def create(rec: IamRecords, params: Mapping[str, Any], now: dt.datetime) -> ResourceRow:
    name = params["UserName"]
    path = params.get("Path") or "/"
    existing = rec.find(names.USER, name)
    if existing is not None:
        raise already_exists(
            f"User with name {existing.data['Name']} already exists. User names are "
            "case-insensitive and unique in an account; pick another name."
        )
    tags = tag_rules.checked(params.get("Tags"))
    row = rec.add(
        names.USER,
        name,
        {
            "Name": name,
            "Id": names.new_id(names.USER),
            "Arn": names.entity_arn(rec.account_id, names.USER, name, path),
            "Path": path,
            "Tags": tags,
            "PermissionsBoundary": None,
            "InlinePolicies": {},
            "AttachedPolicies": [],
        },
        now,
    )
    if params.get("PermissionsBoundary"):
        attachments.put_boundary(rec, row, params["PermissionsBoundary"], now)
    return row


def access_keys(rec: IamRecords, user_name: str) -> list[AccessKey]:
    """The long-term keys of a user, oldest first."""
    return list(
        rec.session.scalars(
            select(AccessKey)
            .where(AccessKey.account_id == rec.account_id, AccessKey.user_name == user_name)
            .order_by(AccessKey.created_at)
        )
    )


def update(rec: IamRecords, row: ResourceRow, params: Mapping[str, Any], now: dt.datetime) -> None:
    """Rename and/or move a user; its access keys follow the new name."""
    data = dict(row.data)
    old_name = data["Name"]
    new_name = params.get("NewUserName") or old_name
    new_path = params.get("NewPath") or data["Path"]
    if names.key(new_name) != names.key(old_name) and rec.find(names.USER, new_name) is not None:
        raise already_exists(f"User with name {new_name} already exists; pick another NewUserName.")
    for key in access_keys(rec, old_name):
        key.user_name = new_name
    data.update(
        Name=new_name,
        Path=new_path,
        Arn=names.entity_arn(rec.account_id, names.USER, new_name, new_path),
    )
    rec.rename(row, new_name)
    rec.update(row, data, now)


def delete(rec: IamRecords, row: ResourceRow) -> None:
    """Delete a user that has no keys and no policies left."""
    if access_keys(rec, row.data["Name"]):
        raise delete_conflict(
            "Cannot delete entity, must delete access keys first: user "
            f"{row.data['Name']} still has access keys (ListAccessKeys, DeleteAccessKey)."
        )
    conflict = attachments.delete_conflicts(row)
    if conflict:
        raise delete_conflict(conflict)
    rec.delete(row)
