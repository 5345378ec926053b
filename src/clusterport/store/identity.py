"""Accounts and the credentials that identify callers: root keys, IAM user keys, STS sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clusterport.store.base import Base, UtcDateTime


class Account(Base):
    """A 12-digit account: the unit of isolation."""

    __tablename__ = "accounts"

    account_id: Mapped[str] = mapped_column(String(), primary_key=True)
    name: Mapped[str] = mapped_column(String())
    email: Mapped[str | None] = mapped_column(String(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class AccessKey(Base):
    """A long-term access key of an account's root or of an IAM user."""

    __tablename__ = "access_keys"

    access_key_id: Mapped[str] = mapped_column(String(), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    #: None for the account's root; the IAM user name otherwise.
    user_name: Mapped[str | None] = mapped_column(String(), nullable=True)
    secret_sealed: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(), default="Active")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SessionCredential(Base):
    """Temporary credentials issued by STS (AssumeRole, GetSessionToken)."""

    __tablename__ = "session_credentials"
    __table_args__ = (Index("ix_session_credentials_account_expires", "account_id", "expires_at"),)

    access_key_id: Mapped[str] = mapped_column(String(), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"))
    secret_sealed: Mapped[str] = mapped_column(Text)
    token_digest: Mapped[str] = mapped_column(String(), unique=True)
    #: "assumed-role" or "federated-user"/"session" (GetSessionToken keeps the caller's identity).
    kind: Mapped[str] = mapped_column(String())
    #: The principal the credentials act as: role name + session name, or the source user.
    role_name: Mapped[str | None] = mapped_column(String(), nullable=True)
    role_id: Mapped[str | None] = mapped_column(String(), nullable=True)
    session_name: Mapped[str | None] = mapped_column(String(), nullable=True)
    source_user_name: Mapped[str | None] = mapped_column(String(), nullable=True)
    #: Session policy document (JSON text) intersected with the role's permissions, if any.
    session_policy: Mapped[str | None] = mapped_column(Text, nullable=True)
    session_tags: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    transitive_tag_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_identity: Mapped[str | None] = mapped_column(String(), nullable=True)
    issuer_arn: Mapped[str | None] = mapped_column(String(), nullable=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
