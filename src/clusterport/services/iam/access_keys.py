"""Long-term access keys of IAM users (and of an account's root).

``CreateAccessKey`` stores the secret sealed with the server's key in the
``access_keys`` table, which SigV4 verification reads, so a new key signs
requests at once. An inactive key is refused at authentication.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from clusterport.services.base import Principal
from clusterport.services.iam import shapes_generated as shapes
from clusterport.services.iam import users
from clusterport.services.iam.errors import limit_exceeded, no_such_entity, validation
from clusterport.services.iam.records import IamRecords
from clusterport.services.identity import new_access_key_id, new_secret
from clusterport.store import versions
from clusterport.store.identity import AccessKey
from clusterport.store.secrets import SecretBox

#: Access keys one user may have (IAM's quota).
MAX_KEYS = 2


def owner(rec: IamRecords, principal: Principal, user_name: str | None) -> str | None:
    """The user whose keys a call is about: the named one, or the caller itself.

    None stands for the account's root.
    """
    if user_name:
        return str(rec.require("user", user_name).data["Name"])
    if principal.kind == "root":
        return None
    if principal.kind == "user" and principal.name:
        return principal.name
    raise validation(
        "Must specify userName when calling with non-User credentials: role sessions have no "
        "access keys of their own. Pass UserName."
    )


def _keys(rec: IamRecords, user_name: str | None) -> list[AccessKey]:
    if user_name is not None:
        return users.access_keys(rec, user_name)
    return list(
        rec.session.scalars(
            select(AccessKey)
            .where(AccessKey.account_id == rec.account_id, AccessKey.user_name.is_(None))
            .order_by(AccessKey.created_at)
        )
    )


def create(
    rec: IamRecords, box: SecretBox, user_name: str | None, now: dt.datetime
) -> shapes.AccessKey:
    """A new active key; the only answer that carries its secret."""
    if user_name is not None and len(_keys(rec, user_name)) >= MAX_KEYS:
        raise limit_exceeded(
            f"Cannot exceed quota for AccessKeysPerUser: {MAX_KEYS}. Delete one of user "
            f"{user_name}'s keys (ListAccessKeys, DeleteAccessKey) first."
        )
    key_id, secret = new_access_key_id(), new_secret()
    rec.session.add(
        AccessKey(
            access_key_id=key_id,
            account_id=rec.account_id,
            user_name=user_name,
            secret_sealed=box.seal(secret),
            status="Active",
            created_at=now,
        )
    )
    rec.session.flush()
    out: shapes.AccessKey = {
        "AccessKeyId": key_id,
        "Status": "Active",
        "SecretAccessKey": secret,
        "CreateDate": now,
    }
    if user_name is not None:
        out["UserName"] = user_name
    return out


def listed(rec: IamRecords, user_name: str | None) -> list[shapes.AccessKeyMetadata]:
    """``AccessKeyMetadata`` of the user's (or root's) keys."""
    out: list[shapes.AccessKeyMetadata] = []
    for key in _keys(rec, user_name):
        item: shapes.AccessKeyMetadata = {
            "AccessKeyId": key.access_key_id,
            "Status": key.status,
            "CreateDate": key.created_at,
        }
        if user_name is not None:
            item["UserName"] = user_name
        out.append(item)
    return out


def find(rec: IamRecords, user_name: str | None, access_key_id: str) -> AccessKey:
    """One key of the user (or root); ``NoSuchEntity`` otherwise."""
    key = rec.session.get(AccessKey, access_key_id)
    if key is None or key.account_id != rec.account_id or key.user_name != user_name:
        whose = f"user {user_name}" if user_name else "the root user"
        raise no_such_entity(
            f"The Access Key with id {access_key_id} cannot be found for {whose}; list the "
            "keys with ListAccessKeys."
        )
    return key


def set_status(rec: IamRecords, user_name: str | None, access_key_id: str, status: str) -> None:
    """Make a key Active or Inactive (the next request signed with it sees the change)."""
    find(rec, user_name, access_key_id).status = status
    versions.bump(rec.session, versions.IAM)  # verified keys are kept by IAM version


def delete(rec: IamRecords, user_name: str | None, access_key_id: str) -> None:
    """Delete a key (the next request signed with it is refused)."""
    rec.session.delete(find(rec, user_name, access_key_id))
    versions.bump(rec.session, versions.IAM)  # verified keys are kept by IAM version
