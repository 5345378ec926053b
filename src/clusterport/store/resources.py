"""The generic resource table: one row per document-shaped resource of a service.

Most resources the platform keeps (clusters, VPCs, roles, stacks, domains …)
are a document plus a few keys that calls look them up or list them by. They
live here, keyed by account and region (``""`` for global services such as
IAM), service and kind, with their ``data`` as JSON. Services own the shape
of ``data``; this module only stores and finds rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from clusterport.store import versions
from clusterport.store.base import Base, UtcDateTime


class ResourceRow(Base):
    """One resource: its keys, its state, and its document."""

    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("account_id", "region", "service", "kind", "resource_id"),
        Index("ix_resources_lookup", "service", "kind", "account_id", "region", "name"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String())
    region: Mapped[str] = mapped_column(String())
    service: Mapped[str] = mapped_column(String())
    kind: Mapped[str] = mapped_column(String())
    resource_id: Mapped[str] = mapped_column(String())
    name: Mapped[str | None] = mapped_column(String(), nullable=True)
    state: Mapped[str | None] = mapped_column(String(), nullable=True)
    parent_id: Mapped[str | None] = mapped_column(String(), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


# The lookup most requests make, built once: building a statement costs more than running it.
_GET = select(ResourceRow).where(
    ResourceRow.service == bindparam("service"),
    ResourceRow.kind == bindparam("kind"),
    ResourceRow.account_id == bindparam("account_id"),
    ResourceRow.region == bindparam("region"),
    ResourceRow.resource_id == bindparam("resource_id"),
)


class ResourceStore:
    """Finds and writes :class:`ResourceRow` rows of one service within a DB session.

    With a ``version`` (a counter of :mod:`clusterport.store.versions`), every
    write bumps it in the same transaction: what the platform derives from
    these rows is kept by it.
    """

    def __init__(self, session: Session, service: str, version: str | None = None) -> None:
        self.session = session
        self.service = service
        self.version = version

    def _changed(self) -> None:
        if self.version is not None:
            versions.bump(self.session, self.version)

    def get(self, account_id: str, region: str, kind: str, resource_id: str) -> ResourceRow | None:
        return self.session.scalars(
            _GET,
            {
                "service": self.service,
                "kind": kind,
                "account_id": account_id,
                "region": region,
                "resource_id": resource_id,
            },
        ).first()

    def find(
        self,
        kind: str,
        *,
        account_id: str | None = None,
        region: str | None = None,
        name: str | None = None,
        parent_id: str | None = None,
        states: list[str] | None = None,
    ) -> list[ResourceRow]:
        """Rows of ``kind`` matching every given key, oldest first."""
        query = select(ResourceRow).where(
            ResourceRow.service == self.service, ResourceRow.kind == kind
        )
        if account_id is not None:
            query = query.where(ResourceRow.account_id == account_id)
        if region is not None:
            query = query.where(ResourceRow.region == region)
        if name is not None:
            query = query.where(ResourceRow.name == name)
        if parent_id is not None:
            query = query.where(ResourceRow.parent_id == parent_id)
        if states is not None:
            query = query.where(ResourceRow.state.in_(states))
        return list(self.session.scalars(query.order_by(ResourceRow.pk)))

    def add(
        self,
        *,
        account_id: str,
        region: str,
        kind: str,
        resource_id: str,
        data: dict[str, Any],
        now: dt.datetime,
        name: str | None = None,
        state: str | None = None,
        parent_id: str | None = None,
    ) -> ResourceRow:
        row = ResourceRow(
            account_id=account_id,
            region=region,
            service=self.service,
            kind=kind,
            resource_id=resource_id,
            name=name,
            state=state,
            parent_id=parent_id,
            created_at=now,
            updated_at=now,
            data=data,
        )
        self._changed()
        self.session.add(row)
        self.session.flush()
        return row

    def update(
        self, row: ResourceRow, data: dict[str, Any], now: dt.datetime, state: str | None = None
    ) -> None:
        """Replace a row's document (JSON columns are compared whole, so always assign anew)."""
        self._changed()
        row.data = dict(data)
        row.updated_at = now
        if state is not None:
            row.state = state

    def delete(self, row: ResourceRow) -> None:
        self._changed()
        self.session.delete(row)


class ScopedResources:
    """The rows of one service in one account and region, within one DB session.

    Services that look most things up in the caller's own account derive their
    record classes from this and add their typed lookups.
    """

    def __init__(
        self,
        session: Session,
        service: str,
        account_id: str,
        region: str,
        version: str | None = None,
    ) -> None:
        self.session = session
        self.account_id = account_id
        self.region = region
        self.store = ResourceStore(session, service, version)

    def get(self, kind: str, resource_id: str) -> ResourceRow | None:
        return self.store.get(self.account_id, self.region, kind, resource_id)

    def find(
        self,
        kind: str,
        *,
        parent_id: str | None = None,
        name: str | None = None,
        states: list[str] | None = None,
    ) -> list[ResourceRow]:
        return self.store.find(
            kind,
            account_id=self.account_id,
            region=self.region,
            parent_id=parent_id,
            name=name,
            states=states,
        )

    def add(
        self,
        kind: str,
        resource_id: str,
        data: dict[str, Any],
        now: dt.datetime,
        *,
        name: str | None = None,
        state: str | None = None,
        parent_id: str | None = None,
    ) -> ResourceRow:
        return self.store.add(
            account_id=self.account_id,
            region=self.region,
            kind=kind,
            resource_id=resource_id,
            data=data,
            now=now,
            name=name,
            state=state,
            parent_id=parent_id,
        )

    def update(
        self, row: ResourceRow, data: dict[str, Any], now: dt.datetime, state: str | None = None
    ) -> None:
        self.store.update(row, data, now, state=state)

    def delete(self, row: ResourceRow) -> None:
        self.store.delete(row)
        self.session.flush()
