"""Reads and writes of users and identities, with database faults translated to 503."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from wxsession.accounts.models import IdentityRow, User
from wxsession.db import sessionmaker
from wxsession.errors import DatabaseUnavailable
from wxsession.providers.base import Identity


@dataclass(frozen=True, slots=True)
class Profile:
    """What a client may set about itself at registration."""

    nickname: str | None = None
    avatar_url: str | None = None


class AccountRepository:
    """Users and identities in SQL. Registration is race-safe by the identity's unique key."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessionmaker = sessionmaker(engine)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self._sessionmaker() as session, session.begin():
                yield session
        except IntegrityError:
            raise
        except (OperationalError, DBAPIError, OSError, TimeoutError) as exc:
            raise DatabaseUnavailable() from exc

    async def get_user(self, user_id: str) -> User | None:
        async with self._transaction() as session:
            return await session.get(User, user_id)

    async def find_user(self, identity: Identity) -> User | None:
        """The user an identity is bound to, if any."""
        async with self._transaction() as session:
            return await _user_for_identity(session, identity)

    async def register(self, identity: Identity, profile: Profile | None = None) -> User:
        """Create a user bound to ``identity``; if a parallel request won, return its user."""
        profile = profile or Profile()
        try:
            async with self._transaction() as session:
                user = User(nickname=profile.nickname, avatar_url=profile.avatar_url)
                session.add(user)
                await session.flush()
                session.add(_identity_row(identity, user.id))
                await session.flush()
                return user
        except IntegrityError:
            existing = await self.find_user(identity)
            if existing is None:  # the winner's row vanished again: surface as a conflict
                raise
            return existing

    async def find_or_register(self, identity: Identity, *, auto: bool) -> User | None:
        """The identity's user; an unknown one is registered when ``auto``, else ``None``."""
        user = await self.find_user(identity)
        if user is None and auto:
            user = await self.register(identity)
        return user


def _identity_row(identity: Identity, user_id: str) -> IdentityRow:
    return IdentityRow(
        user_id=user_id,
        provider=identity.provider,
        app_id=identity.app_id,
        subject=identity.subject,
        union_id=identity.union_id,
    )


async def _user_for_identity(session: AsyncSession, identity: Identity) -> User | None:
    statement: Any = (
        select(User)
        .join(IdentityRow, IdentityRow.user_id == User.id)
        .where(
            IdentityRow.provider == identity.provider,
            IdentityRow.app_id == identity.app_id,
            IdentityRow.subject == identity.subject,
        )
    )
    result = await session.execute(statement)
    return result.scalar_one_or_none()
