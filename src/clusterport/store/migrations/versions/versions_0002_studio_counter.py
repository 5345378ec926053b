"""The Studio version counter (SageMaker domains and user profiles; see store/versions.py).

Revision ID: versions_0002
Revises: versions_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "versions_0002"
down_revision = "versions_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    versions = sa.table(
        "versions", sa.column("name", sa.String()), sa.column("value", sa.Integer())
    )
    taken = (
        op.get_bind().execute(sa.select(versions.c.name).where(versions.c.name == "studio")).first()
    )
    if taken is None:  # a write may have created it already (counters start on first write)
        op.bulk_insert(versions, [{"name": "studio", "value": 0}])


def downgrade() -> None:
    versions = sa.table("versions", sa.column("name", sa.String()))
    op.execute(versions.delete().where(versions.c.name == "studio"))
