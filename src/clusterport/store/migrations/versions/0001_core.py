"""Core tables: accounts, credentials, the generic resource table and the audit trail.

Revision ID: 0001_core
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("email", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "audit_events",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column("event_source", sa.String(length=64), nullable=False),
        sa.Column("event_name", sa.String(length=128), nullable=False),
        sa.Column("username", sa.String(length=256), nullable=True),
        sa.Column("access_key_id", sa.String(length=32), nullable=True),
        sa.Column("read_only", sa.String(length=8), nullable=False),
        sa.Column("error_code", sa.String(length=128), nullable=True),
        sa.Column("resource_names", sa.JSON(), nullable=False),
        sa.Column("resource_types", sa.JSON(), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_events_event_id")),
    )
    op.create_index(
        "ix_audit_events_account_time", "audit_events", ["account_id", "event_time"], unique=False
    )
    op.create_table(
        "resources",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=256), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=True),
        sa.Column("state", sa.String(length=64), nullable=True),
        sa.Column("parent_id", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_resources")),
        sa.UniqueConstraint(
            "account_id",
            "region",
            "service",
            "kind",
            "resource_id",
            name=op.f("uq_resources_account_id"),
        ),
    )
    op.create_index(
        "ix_resources_lookup",
        "resources",
        ["service", "kind", "account_id", "region", "name"],
        unique=False,
    )
    op.create_index(op.f("ix_resources_parent_id"), "resources", ["parent_id"], unique=False)
    op.create_table(
        "access_keys",
        sa.Column("access_key_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("user_name", sa.String(length=64), nullable=True),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.account_id"], name=op.f("fk_access_keys_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("access_key_id", name=op.f("pk_access_keys")),
    )
    op.create_index(op.f("ix_access_keys_account_id"), "access_keys", ["account_id"], unique=False)
    op.create_table(
        "session_credentials",
        sa.Column("access_key_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("role_name", sa.String(length=64), nullable=True),
        sa.Column("role_id", sa.String(length=32), nullable=True),
        sa.Column("session_name", sa.String(length=64), nullable=True),
        sa.Column("source_user_name", sa.String(length=64), nullable=True),
        sa.Column("session_policy", sa.Text(), nullable=True),
        sa.Column("session_tags", sa.JSON(), nullable=False),
        sa.Column("transitive_tag_keys", sa.JSON(), nullable=False),
        sa.Column("source_identity", sa.String(length=64), nullable=True),
        sa.Column("issuer_arn", sa.String(length=512), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_session_credentials_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("access_key_id", name=op.f("pk_session_credentials")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_session_credentials_token_digest")),
    )
    op.create_index(
        "ix_session_credentials_account_expires",
        "session_credentials",
        ["account_id", "expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_session_credentials_account_expires", table_name="session_credentials")
    op.drop_table("session_credentials")
    op.drop_index(op.f("ix_access_keys_account_id"), table_name="access_keys")
    op.drop_table("access_keys")
    op.drop_index(op.f("ix_resources_parent_id"), table_name="resources")
    op.drop_index("ix_resources_lookup", table_name="resources")
    op.drop_table("resources")
    op.drop_index("ix_audit_events_account_time", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_table("accounts")
