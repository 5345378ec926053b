"""Version counters of data the platform keeps derived forms of (see store/versions.py).

Revision ID: versions_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "versions_0001"
down_revision = None
branch_labels = ("versions",)
depends_on = None

COUNTERS = ("iam", "network")


def upgrade() -> None:
    table = op.create_table(
        "versions",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_versions")),
    )
    op.bulk_insert(table, [{"name": name, "value": 0} for name in COUNTERS])


def downgrade() -> None:
    op.drop_table("versions")
