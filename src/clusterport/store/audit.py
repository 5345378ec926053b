"""The audit trail: every call, allowed or denied, as a CloudTrail event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from clusterport.store.base import Base, LogString, LogText, UtcDateTime


class AuditEvent(Base):
    """One recorded call, with CloudTrail's event fields."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_account_time", "account_id", "event_time"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(LogString(), unique=True)
    account_id: Mapped[str] = mapped_column(LogString())
    region: Mapped[str] = mapped_column(LogString())
    event_time: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    event_source: Mapped[str] = mapped_column(LogString())
    event_name: Mapped[str] = mapped_column(LogString())
    username: Mapped[str | None] = mapped_column(LogString(), nullable=True)
    access_key_id: Mapped[str | None] = mapped_column(LogString(), nullable=True)
    read_only: Mapped[str] = mapped_column(LogString())
    error_code: Mapped[str | None] = mapped_column(LogString(), nullable=True)
    resource_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    resource_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    event: Mapped[dict[str, Any]] = mapped_column(JSON)
    error_message: Mapped[str | None] = mapped_column(LogText(), nullable=True)
