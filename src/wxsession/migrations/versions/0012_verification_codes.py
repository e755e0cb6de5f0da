"""One-time secrets (issue 23): ``verification_codes``.

Verification codes and CAPTCHA answers (:mod:`wxsession.throttle.one_time`), each a keyed
digest under a keyed name (no address, code or answer in clear), with its expiry and the
tries spent on it. Rows are reclaimed a day after they expire, on a later write.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_codes",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
    )
    op.create_index("ix_verification_codes_expires_at", "verification_codes", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_verification_codes_expires_at", table_name="verification_codes")
    op.drop_table("verification_codes")
