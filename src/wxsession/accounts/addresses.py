"""Phone numbers and e-mail addresses as sign-in identities (issue 23): provider ``phone`` or
``email``, app ``local``, the normalised address as the subject, so the identities' unique key
is what keeps one address on one user. Only an address the person proved (a code sent to it,
or WeChat's own phone number answer) is ever written here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wxsession.accounts.base import TAKEN_BY_ANOTHER, AccountStore, identity_row_of
from wxsession.accounts.login_names import PASSWORD_APP_ID
from wxsession.accounts.models import IdentityRow
from wxsession.core.account_errors import IdentityTaken
from wxsession.core.identity import Identity

ADDRESS_PROVIDERS = ("phone", "email")
"""The providers whose subject is an address; their app is :data:`PASSWORD_APP_ID`."""


def address_identity(kind: str, value: str) -> Identity:
    """The identity of a proven, normalised address (``kind``: ``phone`` or ``email``)."""
    return Identity(provider=kind, app_id=PASSWORD_APP_ID, subject=value)


class Addresses(AccountStore):
    async def user_id_of(self, identity: Identity) -> str | None:
        """The user ``identity`` is bound to, if any."""
        async with self._transaction() as session:
            row = await identity_row_of(session, identity)
            return None if row is None else row.user_id

    async def address_of(self, user_id: str, kinds: tuple[str, ...]) -> Identity | None:
        """The user's first bound address of ``kinds``, in that order of preference."""
        statement: Any = select(IdentityRow).where(
            IdentityRow.user_id == user_id,
            IdentityRow.provider.in_(kinds),
            IdentityRow.app_id == PASSWORD_APP_ID,
        )
        async with self._transaction() as session:
            rows = {row.provider: row for row in (await session.execute(statement)).scalars()}
        for kind in kinds:
            if kind in rows:
                return address_identity(kind, rows[kind].subject)
        return None

    async def set_address(self, user_id: str, identity: Identity) -> str | None:
        """Bind the address ``identity`` to the user, replacing their address of that kind;
        the subject it replaced (``None``: none, or the same one). :class:`IdentityTaken` if
        another user has it: nothing is merged."""

        async def work(session: AsyncSession) -> str | None:
            taken = await identity_row_of(session, identity)
            if taken is not None:
                if taken.user_id != user_id:
                    raise IdentityTaken(TAKEN_BY_ANOTHER)
                return None
            current = await session.scalar(
                select(IdentityRow).where(
                    IdentityRow.user_id == user_id,
                    IdentityRow.provider == identity.provider,
                    IdentityRow.app_id == identity.app_id,
                )
            )
            replaced = None
            if current is not None:
                replaced = current.subject
                await session.delete(current)
                await session.flush()
            session.add(self._identity_row(identity, user_id))
            await session.flush()
            return replaced

        return await self._retrying(work)
