"""SQL tables of the console's operators and their sessions (migration 0012).

Apart from ``users``: an operator is not an application user, and no query of users can
reach an operator's hash or TOTP secret by accident.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from wxsession.accounts.models import new_user_id, utcnow
from wxsession.db import Base


class OperatorRow(Base):
    """An operator: name, role, Argon2id hash, sealed TOTP secret and its last spent step."""

    __tablename__ = "operators"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_user_id)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    totp_kid: Mapped[str] = mapped_column(String(32))
    totp_sealed: Mapped[bytes] = mapped_column(LargeBinary(128))
    # The newest 30-second TOTP step accepted: a code of this step or an older one is refused.
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OperatorSessionRow(Base):
    """A console sign-in, keyed by the SHA-256 of its cookie token (never the token)."""

    __tablename__ = "operator_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[float] = mapped_column(Float)
    last_seen: Mapped[float] = mapped_column(Float)
