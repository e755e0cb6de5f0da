"""Login throttling counters for deployments whose session store is SQL.

One row per counter key (a hash, never a name or an IP): a fixed window's count or a moving
window's entry times in ``state``, ``expires_at`` for reclaiming, ``version`` for the
compare-and-swap that keeps updates atomic (see :mod:`wxsession.throttle.sql`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_rate_limits_expires_at", "rate_limits", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limits_expires_at", table_name="rate_limits")
    op.drop_table("rate_limits")
