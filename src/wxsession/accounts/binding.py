"""A user's identities: list, bind, confirm, read back, unbind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wxsession.accounts import session_keys
from wxsession.accounts.base import (
    TAKEN_BY_ANOTHER,
    AccountStore,
    identity_row_of,
    stored_key,
    union_scope,
)
from wxsession.accounts.login_names import PASSWORD_PROVIDER
from wxsession.accounts.models import IdentityRow, PasswordRow, UnionRow, User, utcnow
from wxsession.core.account_errors import IdentityTaken, LastSignInMethod, ProviderAlreadyBound
from wxsession.core.errors import InvalidRequest, NotFound, SessionInvalid
from wxsession.core.identity import Identity

PASSWORD_SET = "This account already has a password. Change it with POST /v1/me/password."  # noqa: S105


class Binding(AccountStore):
    async def bind(self, user_id: str, identity: Identity) -> bool:
        """Bind ``identity`` to the user; ``False`` if it already was theirs.

        Raises :class:`IdentityTaken` if it, or (when merging) its unionid, belongs to another
        user: two users are never merged silently. :class:`ProviderAlreadyBound` if the user
        has another identity of the same provider and app.
        """
        return await self._retrying(lambda session: self._bind(session, user_id, identity))

    async def _bind(self, session: AsyncSession, user_id: str, identity: Identity) -> bool:
        row = await identity_row_of(session, identity)
        if row is not None:
            if row.user_id != user_id:
                raise IdentityTaken(TAKEN_BY_ANOTHER)
            for name, value in self._sealed_key(identity).items():
                setattr(row, name, value)
            return False
        home = await self._union_home(session, identity)
        if home is not None and home != user_id:
            raise IdentityTaken(TAKEN_BY_ANOTHER)
        await refuse_second_of_kind(session, user_id, identity.provider, identity.app_id)
        session.add(self._identity_row(identity, user_id))
        await session.flush()
        if home is None:
            await self._claim_union(session, identity, user_id, strict=self.unionid_merge)
        return True

    async def identities(self, user_id: str) -> list[IdentityRow]:
        """The user's identities, oldest first."""
        statement: Any = (
            select(IdentityRow)
            .where(IdentityRow.user_id == user_id)
            .order_by(IdentityRow.created_at, IdentityRow.id)
        )
        async with self._transaction() as session:
            return list((await session.execute(statement)).scalars())

    async def unbind(self, user_id: str, provider: str, app_id: str | None) -> IdentityRow:
        """Remove the user's identity at ``provider`` (and ``app_id``, needed only when they
        have several of that provider) and return it, unless it is their last way to sign in
        (:class:`LastSignInMethod`). A password login name goes with its hash.

        The user's revocation point rises in the same transaction, so no session issued before
        outlives the identity. That update comes first because it also locks the user row
        (PostgreSQL) or the database (SQLite): of two parallel unbinds, the second counts what
        the first left.
        """
        async with self._transaction() as session:
            raised: Any = await session.execute(
                update(User)
                .where(User.id == user_id)
                .values(session_epoch=User.session_epoch + 1, sessions_revoked_at=utcnow())
                .returning(User.session_epoch)
            )
            if raised.scalar_one_or_none() is None:
                raise SessionInvalid()  # the user is gone
            rows = list(
                (await session.execute(select(IdentityRow).where(IdentityRow.user_id == user_id)))
                .scalars()
                .all()
            )
            target = _pick(rows, provider, app_id)
            has_password = await session.get(PasswordRow, user_id) is not None
            ways = [row for row in rows if row.provider != PASSWORD_PROVIDER or has_password]
            if target in ways and len(ways) == 1:
                raise LastSignInMethod()
            await session.delete(target)
            if target.provider == PASSWORD_PROVIDER:
                await session.execute(delete(PasswordRow).where(PasswordRow.user_id == user_id))
            if target.union_id is not None and not any(
                row is not target
                and row.union_id == target.union_id
                and union_scope(row.provider) == union_scope(target.provider)
                for row in rows
            ):  # the person is gone from this user: their next login must not come back
                await session.execute(
                    delete(UnionRow).where(
                        UnionRow.scope == union_scope(target.provider),
                        UnionRow.union_id == target.union_id,
                        UnionRow.user_id == user_id,
                    )
                )
            return target

    async def confirm_identity(self, user_id: str, identity: Identity) -> bool:
        """Whether ``identity`` (just proven by a code exchange) is bound to the user; if so,
        its session_key is recorded as a login's would be (the exchange gave a new one)."""
        async with self._transaction() as session:
            row = await identity_row_of(session, identity)
            if row is None or row.user_id != user_id:
                return False
            for name, value in self._sealed_key(identity).items():
                setattr(row, name, value)
            return True

    async def identity_of(self, user_id: str, provider: str, app_id: str) -> Identity | None:
        """The user's identity at ``(provider, app_id)`` (one at most, since migration 0006)
        with its subject, unionid and newest session_key; ``None`` if they have none there.
        A registered session names its way in by provider and app only: this has the rest."""
        async with self._transaction() as session:
            row = await session.scalar(
                select(IdentityRow).where(
                    IdentityRow.user_id == user_id,
                    IdentityRow.provider == provider,
                    IdentityRow.app_id == app_id,
                )
            )
            if row is None:
                return None
            stored = stored_key(row.session_key_kid, row.session_key_sealed)
            return Identity(
                provider=row.provider,
                app_id=row.app_id,
                subject=row.subject,
                union_id=row.union_id,
                session_key=session_keys.unseal(
                    self.keys, row.provider, row.app_id, row.subject, stored
                ),
            )


async def refuse_second_of_kind(
    session: AsyncSession, user_id: str, provider: str, app_id: str
) -> None:
    """One identity per (user, provider, app): a second is :class:`ProviderAlreadyBound`
    (the unique key refuses it too, should two binds race)."""
    taken = await session.scalar(
        select(
            exists().where(
                IdentityRow.user_id == user_id,
                IdentityRow.provider == provider,
                IdentityRow.app_id == app_id,
            )
        )
    )
    if taken:
        raise ProviderAlreadyBound(PASSWORD_SET if provider == PASSWORD_PROVIDER else None)


def _pick(rows: list[IdentityRow], provider: str, app_id: str | None) -> IdentityRow:
    matches = [r for r in rows if r.provider == provider and app_id in (None, r.app_id)]
    if not matches:
        raise NotFound(f"No {provider!r} sign-in is bound to this account.")
    if len(matches) > 1:
        raise InvalidRequest(f"Several {provider!r} sign-ins are bound: name one with app_id.")
    return matches[0]
