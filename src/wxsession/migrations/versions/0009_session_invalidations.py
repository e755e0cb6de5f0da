"""Announcements of the SQL session store (issue 25): ``session_invalidations``.

With the SQL store on SQLite, each process keeps a hot-session cache; every change that must
refuse a cached session or user (a logout, a revocation, a disable, a profile change) is a
row here, which every process reads when ``PRAGMA data_version`` tells it another connection
committed (:mod:`wxsession.sessions.sql_feed`). ``seq`` never reuses a value (AUTOINCREMENT
on SQLite), so a process reads only what came after the last row it applied. Rows are pruned
after ten minutes, on a later write.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "session_invalidations",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_session_invalidations_at", "session_invalidations", ["at"])


def downgrade() -> None:
    op.drop_index("ix_session_invalidations_at", table_name="session_invalidations")
    op.drop_table("session_invalidations")
