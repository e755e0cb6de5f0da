"""Reads and writes of users and identities, with database faults translated to 503."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from wxsession.accounts.models import IdentityRow, PasswordRow, User, utcnow
from wxsession.db import sessionmaker
from wxsession.errors import DatabaseUnavailable, IdentityTaken
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

    async def register_with_password(self, identity: Identity, password_hash: str) -> User:
        """Create a user with a password sign-in name and its hash, in one transaction.

        A taken name is :class:`IdentityTaken` (409): unlike a WeChat first login, a second
        registration of a name is someone else, never the same person to hand the user to.
        """
        try:
            async with self._transaction() as session:
                user = User()
                session.add(user)
                await session.flush()
                session.add(_identity_row(identity, user.id))
                session.add(PasswordRow(user_id=user.id, hash=password_hash))
                await session.flush()
                return user
        except IntegrityError as exc:
            raise IdentityTaken() from exc

    async def password_login(self, identity: Identity) -> tuple[User, str] | None:
        """The user a password sign-in name belongs to and their hash; ``None`` if either is
        missing (callers must then do the same hashing work anyway)."""
        statement: Any = (
            select(User, PasswordRow.hash)
            .join(IdentityRow, IdentityRow.user_id == User.id)
            .join(PasswordRow, PasswordRow.user_id == User.id)
            .where(
                IdentityRow.provider == identity.provider,
                IdentityRow.app_id == identity.app_id,
                IdentityRow.subject == identity.subject,
            )
        )
        async with self._transaction() as session:
            row = (await session.execute(statement)).one_or_none()
            return None if row is None else (row[0], row[1])

    async def password_hash(self, user_id: str) -> str | None:
        async with self._transaction() as session:
            found: str | None = await session.scalar(
                select(PasswordRow.hash).where(PasswordRow.user_id == user_id)
            )
            return found

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Replace the user's hash (a rehash or a password change)."""
        async with self._transaction() as session:
            await session.execute(
                update(PasswordRow)
                .where(PasswordRow.user_id == user_id)
                .values(hash=password_hash, changed_at=utcnow())
            )

    async def session_epoch(self, user_id: str) -> int | None:
        """The user's revocation point (``None`` if the user is gone)."""
        async with self._transaction() as session:
            epoch: int | None = await session.scalar(
                select(User.session_epoch).where(User.id == user_id)
            )
            return epoch

    async def raise_session_epoch(self, user_id: str) -> int | None:
        """End every session issued to the user so far (at the validation level); returns the
        new epoch, or ``None`` if there is no such user."""
        return await self._revoke(user_id)

    async def set_disabled(self, user_id: str, disabled: bool) -> int | None:
        """Disable (or enable) a user; disabling also raises the revocation point in the same
        statement, so no session of theirs survives. Returns the epoch, ``None`` if no user."""
        if disabled:
            return await self._revoke(user_id, disabled=True)
        async with self._transaction() as session:
            statement: Any = (
                update(User)
                .where(User.id == user_id)
                .values(disabled=False)
                .returning(User.session_epoch)
            )
            epoch: int | None = (await session.execute(statement)).scalar_one_or_none()
            return epoch

    async def delete_user(self, user_id: str) -> bool:
        """Delete a user and their identities; their sessions then resolve to 401."""
        async with self._transaction() as session:
            await session.execute(delete(IdentityRow).where(IdentityRow.user_id == user_id))
            await session.execute(delete(PasswordRow).where(PasswordRow.user_id == user_id))
            result: Any = await session.execute(delete(User).where(User.id == user_id))
            return bool(result.rowcount)

    async def find_by_subject(
        self, provider: str, subject: str, app_id: str | None = None
    ) -> list[User]:
        """Users bound to ``subject`` at ``provider`` (in any app unless ``app_id``)."""
        statement: Any = (
            select(User)
            .join(IdentityRow, IdentityRow.user_id == User.id)
            .where(IdentityRow.provider == provider, IdentityRow.subject == subject)
        )
        if app_id is not None:
            statement = statement.where(IdentityRow.app_id == app_id)
        async with self._transaction() as session:
            return list((await session.execute(statement)).scalars().unique())

    async def _revoke(self, user_id: str, **values: Any) -> int | None:
        async with self._transaction() as session:
            statement: Any = (
                update(User)
                .where(User.id == user_id)
                .values(
                    session_epoch=User.session_epoch + 1, sessions_revoked_at=utcnow(), **values
                )
                .returning(User.session_epoch)
            )
            epoch: int | None = (await session.execute(statement)).scalar_one_or_none()
            return epoch

    async def find_or_register(self, identity: Identity, *, auto: bool) -> User | None:
        """The identity's user; an unknown one is registered when ``auto``, else ``None``.

        A known identity's stored session_key is replaced by this login's (registration
        writes it with the row), so the newest key is always the one on record.
        """
        user = await self.find_user(identity)
        if user is None and auto:
            user = await self.register(identity)
        elif user is not None and identity.session_key is not None:
            await self.record_session_key(identity)
        return user

    async def record_session_key(self, identity: Identity) -> None:
        """Store ``identity.session_key`` as the newest key of that identity."""
        async with self._transaction() as session:
            await session.execute(
                update(IdentityRow)
                .where(
                    IdentityRow.provider == identity.provider,
                    IdentityRow.app_id == identity.app_id,
                    IdentityRow.subject == identity.subject,
                )
                .values(session_key=identity.session_key)
            )

    async def session_key(
        self, user_id: str, provider: str, app_id: str, subject: str
    ) -> str | None:
        """The newest session_key of the user's identity at ``(provider, app_id, subject)``;
        ``None`` if there is none (no such identity, or one from before keys were kept)."""
        async with self._transaction() as session:
            key: str | None = await session.scalar(
                select(IdentityRow.session_key).where(
                    IdentityRow.user_id == user_id,
                    IdentityRow.provider == provider,
                    IdentityRow.app_id == app_id,
                    IdentityRow.subject == subject,
                )
            )
            return key

    async def update_profile(self, user_id: str, values: dict[str, str | None]) -> User | None:
        """Set the given fields (``nickname``, ``avatar_url``, ``phone_number``); the updated
        user, or ``None`` if the user is gone."""
        names = ("nickname", "avatar_url", "phone_number")
        allowed = {name: values[name] for name in names if name in values}
        async with self._transaction() as session:
            user = await session.get(User, user_id)
            if user is None:
                return None
            for name, value in allowed.items():
                setattr(user, name, value)
            await session.flush()
            return user


def _identity_row(identity: Identity, user_id: str) -> IdentityRow:
    return IdentityRow(
        user_id=user_id,
        provider=identity.provider,
        app_id=identity.app_id,
        subject=identity.subject,
        union_id=identity.union_id,
        session_key=identity.session_key,
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
