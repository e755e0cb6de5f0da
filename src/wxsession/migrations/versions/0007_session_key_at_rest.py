"""Session keys at rest: ``identities.session_key`` (plaintext) becomes a sealed value.

- ``session_key_sealed``: the AES-256-GCM blob (version, nonce, ciphertext and tag) of the
  identity's newest session_key, bound to the identity (see :mod:`wxsession.data_keys`).
- ``session_key_kid``: the id of the data key that sealed it (``WXSESSION_DATA_KEYS``).

The plaintext keys are blanked, then their column dropped; they are not sealed here, because
a migration does not hold the data keys. Nothing else is lost: those users keep their
sessions, and their next login stores a sealed key (until then, open data answers
``WECHAT_RELOGIN_REQUIRED`` and ``GET /v1/wechat/session-key`` says ``valid: false``, both of
which tell the client to call ``wx.login()`` and log in again). Downgrading drops the sealed
keys the same way.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Blank first: PostgreSQL's DROP COLUMN only hides a column, its values stay in the rows.
    op.execute("UPDATE identities SET session_key = NULL WHERE session_key IS NOT NULL")
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("session_key")
        batch.add_column(sa.Column("session_key_sealed", sa.LargeBinary(96)))
        batch.add_column(sa.Column("session_key_kid", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("session_key_kid")
        batch.drop_column("session_key_sealed")
        batch.add_column(sa.Column("session_key", sa.String(64)))
