"""Identity binding: one identity per (user, provider, app), and each unionid's home user.

- ``uq_identities_user_provider_app``: a user holds at most one openid per app and one
  password login name, even when two binds race.
- ``union_ids``: the user a unionid belongs to, keyed by (scope, union_id), where the scope is
  the provider name up to its first ``_`` (``wechat`` and ``wechat_app`` share WeChat's
  unionids). Filled here from the identities already stored: a unionid seen with several
  users (possible before this revision) belongs to the user of its oldest identity.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identities") as batch:
        batch.create_unique_constraint(
            "uq_identities_user_provider_app", ["user_id", "provider", "app_id"]
        )
    union_ids = op.create_table(
        "union_ids",
        sa.Column("scope", sa.String(32), primary_key=True),
        sa.Column("union_id", sa.String(128), primary_key=True),
        sa.Column(
            "user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_union_ids_user_id", "union_ids", ["user_id"])
    identities = sa.table(  # typed, so SQLite hands created_at back as a datetime
        "identities",
        sa.column("id", sa.Integer()),
        sa.column("provider", sa.String()),
        sa.column("union_id", sa.String()),
        sa.column("user_id", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    c = identities.c
    rows = op.get_bind().execute(
        sa.select(c.provider, c.union_id, c.user_id, c.created_at)
        .where(c.union_id.is_not(None))
        .order_by(c.created_at, c.id)
    )
    homes: dict[tuple[str, str], dict[str, object]] = {}
    for provider, union_id, user_id, created_at in rows:
        scope = provider.split("_", 1)[0]
        homes.setdefault(
            (scope, union_id),
            {"scope": scope, "union_id": union_id, "user_id": user_id, "created_at": created_at},
        )
    if homes:
        op.bulk_insert(union_ids, list(homes.values()))


def downgrade() -> None:
    op.drop_table("union_ids")
    with op.batch_alter_table("identities") as batch:
        batch.drop_constraint("uq_identities_user_provider_app", type_="unique")
