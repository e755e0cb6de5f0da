"""The table the WeChat access token is shared through: one row per appid, with the lease of
the instance refreshing it (:mod:`wxsession.platforms.wechat.access_token`)."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from wxsession.db import Base


class AccessTokenRow(Base):
    """The cached WeChat access token of one appid, and the lease of whoever refreshes it."""

    __tablename__ = "wechat_access_tokens"

    appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str | None] = mapped_column(String(512))
    expires_at: Mapped[float | None] = mapped_column(Float)
    lock_owner: Mapped[str | None] = mapped_column(String(64))
    lock_until: Mapped[float | None] = mapped_column(Float)
