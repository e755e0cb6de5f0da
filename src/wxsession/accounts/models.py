"""SQL tables for users and their identities (SQLAlchemy 2 declarative)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from wxsession.db import Base

SEALED_KEY_BYTES = 96
"""Room for a sealed session_key of up to 64 characters (the old plaintext column's width):
1 version byte, a 12-byte nonce, the key and a 16-byte tag (see wxsession.data_keys)."""


def new_user_id() -> str:
    return secrets.token_hex(16)


def utcnow() -> datetime:
    return datetime.now(UTC)


class User(Base):
    """A person. Every way they sign in is an :class:`IdentityRow` pointing here."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_user_id)
    nickname: Mapped[str | None] = mapped_column(String(64))
    avatar_url: Mapped[str | None] = mapped_column(String(1024))
    # Set only from WeChat's getuserphonenumber answer (POST /v1/me/phone): verified.
    phone_number: Mapped[str | None] = mapped_column(String(32))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The revocation point: sessions issued under a lower epoch are refused (see
    # wxsession.sessions.revocation). Raised by log out everywhere, disable, password change.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sessions_revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IdentityRow(Base):
    """One sign-in identity: unique on (provider, app_id, subject), bound to one user.

    The unique constraint, not a read-then-write, is what keeps parallel first logins of the
    same openid from creating two users. A user holds at most one identity per (provider,
    app_id): one openid per app, one password login name; the second unique key keeps
    parallel binds from breaking that.
    """

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint(
            "provider", "app_id", "subject", name="uq_identities_provider_app_subject"
        ),
        UniqueConstraint("user_id", "provider", "app_id", name="uq_identities_user_provider_app"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(32))
    app_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128))
    union_id: Mapped[str | None] = mapped_column(String(128), index=True)
    # The newest session_key of this identity (WeChat), replaced on every login; a secret of
    # the server, read only to check or decrypt the user's open data. Never rendered, never
    # stored in the clear: sealed with the data key named beside it (accounts.session_keys).
    session_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary(SEALED_KEY_BYTES))
    session_key_kid: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UnionRow(Base):
    """The user a unionid belongs to (its "home"): the first user it was seen with.

    ``scope`` is the platform whose unionids these are (``wechat`` for the mini program and
    the App alike), so one platform's id never matches another's. The primary key is what
    makes parallel first logins of one person through two apps end as one user: both try to
    claim the unionid, one insert wins, the other joins its user.
    """

    __tablename__ = "union_ids"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    union_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PasswordRow(Base):
    """A user's password hash (Argon2id, in PHC form with its salt and parameters).

    Its own table, one row per user, so no query of users or identities can carry it into a
    response by accident; it is read only to verify a password.
    """

    __tablename__ = "passwords"

    user_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    hash: Mapped[str] = mapped_column(String(256))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RoleRow(Base):
    """A role defined in the database: a name for a set of permission strings. Roles of the
    configuration (``WXSESSION_ROLES``) are not stored; their names are refused here."""

    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    permissions: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UserRoleRow(Base):
    """A role granted to a user, by name (a configured role has no row to point at). The
    primary key serves "roles of a user"; the index on ``role``, "holders of a role"."""

    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    granted_by: Mapped[str | None] = mapped_column(String(128))
