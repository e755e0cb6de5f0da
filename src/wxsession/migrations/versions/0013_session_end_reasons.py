"""Why a single session ended (issue 26): ``ended_sessions.reason``.

A session ended by a login beyond the per-user cap answers ``SESSION_REPLACED``, one ended
on purpose from elsewhere (log out everywhere, a password change, an operator)
``SESSION_REVOKED``; the holder's own logout stays ``SESSION_INVALID``. The reason is read
with the row its token's public id names, so only the holder learns it. Rows written before
this revision were logouts or ends of one session: they read as ``logout`` (the answer they
gave before).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ended_sessions") as batch:
        batch.add_column(
            sa.Column("reason", sa.String(16), nullable=False, server_default="logout")
        )


def downgrade() -> None:
    with op.batch_alter_table("ended_sessions") as batch:
        batch.drop_column("reason")
