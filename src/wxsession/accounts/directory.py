"""What the console reads about users: counts, a search, and identities fit to show.

Users leave as :class:`~wxsession.core.user.UserView`; identities as :class:`IdentityLine`,
which carries a login name (a username or phone, provider ``password``) but never a
platform's subject: no openid, unionid or session_key reaches an operator's screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.accounts.addresses import ADDRESS_PROVIDERS
from wxsession.accounts.login_names import PASSWORD_PROVIDER
from wxsession.accounts.models import IdentityRow, User
from wxsession.accounts.users import view_of
from wxsession.core.user import UserView
from wxsession.db import database_faults, sessionmaker
from wxsession.sessions.sql import sessions_table

NAMED = (PASSWORD_PROVIDER, *ADDRESS_PROVIDERS)
"""Identities whose subject is a login name or a proven address (a username, a phone, an
e-mail), which an operator may see and search; a platform's subject (openid) never."""


@dataclass(frozen=True, slots=True)
class IdentityLine:
    provider: str
    app_id: str
    login_name: str | None
    """The username, phone or e-mail of a :data:`NAMED` identity; ``None`` for a platform's."""
    created_at: datetime


class Directory:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def count_users(self) -> int:
        return await self._scalar(select(func.count()).select_from(User))

    async def count_sql_sessions(self, now: float) -> int:
        """Live sessions of the SQL session store (the Redis store keeps no global count)."""
        live = sessions_table.c.expires_at > now
        return await self._scalar(select(func.count()).select_from(sessions_table).where(live))

    async def search(self, term: str, offset: int, limit: int) -> tuple[list[UserView], bool]:
        """Users matching ``term`` (id exactly; nickname, phone, login name or e-mail in part),
        newest first; and whether more follow."""
        statement: Any = select(User).order_by(User.created_at.desc(), User.id)
        term = term.strip()
        if term:
            pattern = f"%{_escape(term.casefold())}%"
            names = select(IdentityRow.user_id).where(
                IdentityRow.provider.in_(NAMED),
                IdentityRow.subject.like(pattern, escape="\\"),
            )
            statement = statement.where(
                or_(
                    User.id == term,
                    func.lower(User.nickname).like(pattern, escape="\\"),
                    User.phone_number.like(f"%{_escape(term)}%", escape="\\"),
                    User.id.in_(names),
                )
            )
        with database_faults():
            async with sessionmaker(self.engine)() as session:
                rows = await session.scalars(statement.offset(offset).limit(limit + 1))
                users = [view_of(row) for row in rows]
        return users[:limit], len(users) > limit

    async def identities(self, user_id: str) -> list[IdentityLine]:
        statement = (
            select(
                IdentityRow.provider,
                IdentityRow.app_id,
                IdentityRow.subject,
                IdentityRow.created_at,
            )
            .where(IdentityRow.user_id == user_id)
            .order_by(IdentityRow.created_at, IdentityRow.id)
        )
        with database_faults():
            async with self.engine.connect() as connection:
                rows = (await connection.execute(statement)).all()
        return [
            IdentityLine(
                provider,
                app_id,
                subject if provider in NAMED else None,
                created_at,
            )
            for provider, app_id, subject, created_at in rows
        ]

    async def _scalar(self, statement: Any) -> int:
        with database_faults():
            async with self.engine.connect() as connection:
                return int((await connection.execute(statement)).scalar_one())


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
