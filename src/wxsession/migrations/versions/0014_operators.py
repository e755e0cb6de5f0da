"""Operators of the console (issue 24): ``operators`` and ``operator_sessions``.

Operators are not users: their own table, their own Argon2id hash, a TOTP secret sealed with
the data key, the last TOTP time step they spent (so a code works once), and a role. Their
console sessions are stored by the SHA-256 of the cookie's token, never the token.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("totp_kid", sa.String(32), nullable=False),
        sa.Column("totp_sealed", sa.LargeBinary(128), nullable=False),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "operator_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "operator_id",
            sa.String(32),
            sa.ForeignKey("operators.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_seen", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("operator_sessions")
    op.drop_table("operators")
