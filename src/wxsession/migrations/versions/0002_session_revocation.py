"""Per-user revocation point for sessions.

``users.session_epoch`` rises on every "log out everywhere", disable or (later) password
change; a session record carries the epoch it was issued under and is refused once the user's
epoch has moved past it, even if its store key survived a lost delete.
``users.sessions_revoked_at`` records when that last happened, for operators.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("sessions_revoked_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("sessions_revoked_at")
        batch.drop_column("session_epoch")
