"""IAM's rows of one account in the generic resource table.

Kinds (service ``iam``, region ``""`` — IAM is global), keyed by the
lower-cased name (IAM names are case-insensitive):

- ``user`` and ``role``: ``data`` holds ``Name``, ``Id``, ``Arn``, ``Path``,
  ``Tags``, ``PermissionsBoundary`` (ARN or None), ``InlinePolicies``
  (name → document text) and ``AttachedPolicies`` (managed policy ARNs); a
  role also ``AssumeRolePolicyDocument``, ``Description``,
  ``MaxSessionDuration`` and ``RoleLastUsed``;
- ``policy`` (customer-managed): ``Name``, ``Id``, ``Arn``, ``Path``,
  ``Description``, ``Tags``, ``DefaultVersionId``, ``NextVersion`` and
  ``Versions`` (``VersionId``, ``Document``, ``CreateDate``);
- ``instance-profile``: ``Name``, ``Id``, ``Arn``, ``Path``, ``Tags``, ``Roles``
  (role names);
- ``account-alias``: the account's alias (resource id the alias).

AWS-managed policies are not rows: they come from the policy engine's catalog.

Every write through :class:`IamRecords` bumps the IAM version
(:mod:`clusterport.store.versions`) in the same transaction: authorization
keeps callers' compiled policies by that version, so the next request sees
the change. Only :meth:`IamRecords.touch` (bookkeeping no policy reads, such
as ``RoleLastUsed``) leaves it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clusterport.services.iam import names
from clusterport.services.iam.errors import no_such_entity
from clusterport.store import versions
from clusterport.store.resources import ResourceRow, ResourceStore

SERVICE = "iam"
GLOBAL = ""

_NOUNS: Mapping[str, str] = MappingProxyType(
    {
        names.USER: "user",
        names.ROLE: "role",
        names.POLICY: "policy",
        names.INSTANCE_PROFILE: "instance profile",
    }
)
_LISTS: Mapping[str, str] = MappingProxyType(
    {
        names.USER: "ListUsers",
        names.ROLE: "ListRoles",
        names.POLICY: "ListPolicies --scope Local",
        names.INSTANCE_PROFILE: "ListInstanceProfiles",
    }
)


class IamRecords:
    """The IAM rows of one account, within one store session."""

    def __init__(self, session: Session, account_id: str) -> None:
        self.session = session
        self.store = ResourceStore(session, SERVICE)
        self.account_id = account_id

    def find(self, kind: str, name: str) -> ResourceRow | None:
        """The row of a named entity, or None."""
        return self.store.get(self.account_id, GLOBAL, kind, names.key(name))

    def find_many(self, kind: str, entity_names: list[str]) -> dict[str, ResourceRow]:
        """The rows of several named entities in one query, by lower-cased name."""
        if not entity_names:
            return {}
        rows = self.session.scalars(
            select(ResourceRow).where(
                ResourceRow.service == SERVICE,
                ResourceRow.kind == kind,
                ResourceRow.account_id == self.account_id,
                ResourceRow.region == GLOBAL,
                ResourceRow.resource_id.in_({names.key(n) for n in entity_names}),
            )
        )
        return {row.resource_id: row for row in rows}

    def require(self, kind: str, name: str) -> ResourceRow:
        """The row of a named entity; ``NoSuchEntity`` naming the fix when it is missing."""
        row = self.find(kind, name)
        if row is None:
            noun = _NOUNS[kind]
            label = noun.capitalize()
            raise no_such_entity(
                f"The {noun} with name {name} cannot be found. {label} names are checked in "
                f"account {self.account_id}; list them with {_LISTS[kind]}."
            )
        return row

    def all(self, kind: str) -> list[ResourceRow]:
        """Every row of ``kind``, sorted by name (as IAM lists them)."""
        rows = self.store.find(kind, account_id=self.account_id, region=GLOBAL)
        return sorted(rows, key=lambda r: r.resource_id)

    def add(self, kind: str, name: str, data: dict[str, Any], now: dt.datetime) -> ResourceRow:
        """A new row for the entity ``name``."""
        versions.bump(self.session, versions.IAM)
        return self.store.add(
            account_id=self.account_id,
            region=GLOBAL,
            kind=kind,
            resource_id=names.key(name),
            name=name,
            data=data,
            now=now,
        )

    def update(self, row: ResourceRow, data: dict[str, Any], now: dt.datetime) -> None:
        """Replace a row's document."""
        versions.bump(self.session, versions.IAM)
        self.store.update(row, data, now)

    def touch(self, row: ResourceRow, data: dict[str, Any], now: dt.datetime) -> None:
        """Replace a row's document with a change no policy decision reads (last use)."""
        self.store.update(row, data, now)

    def rename(self, row: ResourceRow, new_name: str) -> None:
        """Key a row by a new name."""
        versions.bump(self.session, versions.IAM)
        row.resource_id = names.key(new_name)
        row.name = new_name

    def delete(self, row: ResourceRow) -> None:
        versions.bump(self.session, versions.IAM)
        self.store.delete(row)
