"""The audit trail in the database (issue 24): ``audit_events``.

Every security event the service logs is also a row here, written in batches by
:mod:`wxsession.audit_log.writer`: when, which event, whose (``user_id``), by whom
(``actor``: an operator's name, or ``user``), from where (client IP, the session's short
device label), the request id, the outcome and its reason (an error code), and ``details``, a
small JSON object of the event's other fields from an allow-list (provider, app, fingerprints,
counts). Never a token, code, password, openid, unionid or session_key. ``at`` is Unix time;
``minute`` is ``floor(at / 60)``, stored so the dashboard groups by it on every database. No
foreign key: a deleted user's trail is kept until it lapses (``WXSESSION_AUDIT_RETENTION_DAYS``,
pruned by later writes, no background job).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=True),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("ip", sa.String(45), nullable=True),
        sa.Column("device", sa.String(32), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_events_user_at", "audit_events", ["user_id", "at"])
    op.create_index("ix_audit_events_at", "audit_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_index("ix_audit_events_user_at", table_name="audit_events")
    op.drop_table("audit_events")
