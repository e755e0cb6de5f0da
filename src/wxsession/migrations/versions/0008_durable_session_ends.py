"""Durable ends of single sessions (issue 19): ``ended_sessions``.

Ending one session (logout, ``DELETE /v1/sessions/{id}``, ending the other sessions, ``admin
revoke --session``) writes a row here before the store's delete, so a delete lost in a Redis
failover cannot bring the session back: the revocation point read per user now holds the
user's epoch and the public ids of their sessions ended one by one. ``public_id`` is a hash of
the storage key (never the token); ``expires_at`` is when the session would have lapsed
anyway, after which the row is pruned (on a later write, no background job). No foreign key:
a deleted user's sessions are refused for having no revocation point, and the rows lapse.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ended_sessions",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("public_id", sa.String(32), primary_key=True),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_ended_sessions_expires_at", "ended_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_ended_sessions_expires_at", table_name="ended_sessions")
    op.drop_table("ended_sessions")
