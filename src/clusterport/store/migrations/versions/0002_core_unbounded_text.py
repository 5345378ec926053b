"""Core tables: text columns without a length limit on PostgreSQL.

SQLite never enforced the lengths 0001 declared, and the services do not
promise them (a security group's name, a region in a signature scope, a
principal's name can all be longer). PostgreSQL enforces them, so a value that
SQLite stores would fail there as an internal error. Unbounded ``VARCHAR``
makes both stores accept the same values; on SQLite this revision changes
nothing.

Revision ID: 0002_core_unbounded_text
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_core_unbounded_text"
down_revision = "0001_core"
branch_labels = None
depends_on = None

#: table -> column -> the length 0001 gave it.
BOUNDED: dict[str, dict[str, int]] = {
    "accounts": {"account_id": 12, "name": 128, "email": 256},
    "audit_events": {
        "event_id": 36,
        "account_id": 12,
        "region": 32,
        "event_source": 64,
        "event_name": 128,
        "username": 256,
        "access_key_id": 32,
        "read_only": 8,
        "error_code": 128,
    },
    "resources": {
        "account_id": 12,
        "region": 32,
        "service": 32,
        "kind": 64,
        "resource_id": 256,
        "name": 256,
        "state": 64,
        "parent_id": 256,
    },
    "access_keys": {"access_key_id": 32, "account_id": 12, "user_name": 64, "status": 16},
    "session_credentials": {
        "access_key_id": 32,
        "account_id": 12,
        "token_digest": 64,
        "kind": 32,
        "role_name": 64,
        "role_id": 32,
        "session_name": 64,
        "source_user_name": 64,
        "source_identity": 64,
        "issuer_arn": 512,
    },
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in BOUNDED.items():
        for column, length in columns.items():
            op.alter_column(
                table, column, type_=sa.String(), existing_type=sa.String(length=length)
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in BOUNDED.items():
        for column, length in columns.items():
            op.alter_column(
                table, column, type_=sa.String(length=length), existing_type=sa.String()
            )
