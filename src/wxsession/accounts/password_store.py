"""Password sign-ins in SQL: a login name (an identity) and its hash, one per user, in a
table of its own (:class:`~wxsession.accounts.models.PasswordRow`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wxsession.accounts.base import AccountStore, identity_row_of
from wxsession.accounts.binding import PASSWORD_SET, refuse_second_of_kind
from wxsession.accounts.models import IdentityRow, PasswordRow, User, utcnow
from wxsession.accounts.users import view_of
from wxsession.core.account_errors import IdentityTaken, ProviderAlreadyBound
from wxsession.core.identity import Identity
from wxsession.core.user import UserView


class PasswordStore(AccountStore):
    async def register_with_password(
        self, identity: Identity, password_hash: str, extra: Sequence[Identity] = ()
    ) -> UserView:
        """Create a user with a password sign-in name and its hash, in one transaction, with
        the ``extra`` identities the registration proved (the phone its code went to).

        A taken name is :class:`IdentityTaken` (409): unlike a WeChat first login, a second
        registration of a name is someone else, never the same person to hand the user to.
        """
        try:
            async with self._transaction() as session:
                user = User()
                session.add(user)
                await session.flush()
                for each in (identity, *extra):
                    session.add(self._identity_row(each, user.id))
                session.add(PasswordRow(user_id=user.id, hash=password_hash))
                await session.flush()
                return view_of(user)
        except IntegrityError as exc:
            raise IdentityTaken() from exc

    async def password_login(self, identity: Identity) -> tuple[UserView, str] | None:
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
            return None if row is None else (view_of(row[0]), row[1])

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

    async def add_password(self, user_id: str, identity: Identity, password_hash: str) -> None:
        """Give a user without a password a login name (``identity``) and password hash.

        :class:`ProviderAlreadyBound` if they have one (they change it instead),
        :class:`IdentityTaken` if the name is someone else's.
        """

        async def work(session: AsyncSession) -> None:
            await refuse_second_of_kind(session, user_id, identity.provider, identity.app_id)
            if await session.get(PasswordRow, user_id) is not None:
                raise ProviderAlreadyBound(PASSWORD_SET)
            if await identity_row_of(session, identity) is not None:
                raise IdentityTaken()
            session.add(self._identity_row(identity, user_id))
            session.add(PasswordRow(user_id=user_id, hash=password_hash))
            await session.flush()

        await self._retrying(work)
