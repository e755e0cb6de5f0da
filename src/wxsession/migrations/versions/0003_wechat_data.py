"""WeChat user data: the newest session_key per identity, the phone number, the access token.

- ``identities.session_key``: every WeChat login writes the session_key jscode2session
  returned onto the identity row (one per provider, appid, openid), so the open-data routes
  use the newest key even when the request carries an older session. Never rendered.
- ``users.phone_number``: from ``POST /v1/me/phone`` (WeChat-verified).
- ``wechat_access_tokens``: one cached access token per appid, shared by every instance, with
  a lease (``lock_owner``, ``lock_until``) so exactly one of them refreshes it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identities") as batch:
        batch.add_column(sa.Column("session_key", sa.String(64)))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("phone_number", sa.String(32)))
    op.create_table(
        "wechat_access_tokens",
        sa.Column("appid", sa.String(64), primary_key=True),
        sa.Column("access_token", sa.String(512)),
        sa.Column("expires_at", sa.Float()),
        sa.Column("lock_owner", sa.String(64)),
        sa.Column("lock_until", sa.Float()),
    )


def downgrade() -> None:
    op.drop_table("wechat_access_tokens")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("phone_number")
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("session_key")
