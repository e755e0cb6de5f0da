"""A login's account side: find the identity's user, join its unionid's home, or register."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wxsession.accounts import session_keys
from wxsession.accounts.base import (
    SAME_IDENTITY,
    AccountStore,
    identity_params,
    stored_key,
)
from wxsession.accounts.models import IdentityRow, User, new_user_id, utcnow
from wxsession.accounts.users import view_of
from wxsession.core.identity import Identity
from wxsession.core.profile import Profile
from wxsession.core.user import UserView
from wxsession.db import database_faults


@dataclass(frozen=True, slots=True)
class Found:
    """What a login found: the user (``None``: unknown and not registered), and whether the
    identity was new and joined the user its unionid belongs to."""

    user: UserView | None
    joined: bool = False


class Registration(AccountStore):
    """Every rule a parallel login could break is kept by a unique key, not by a
    read-then-write: identities (provider, app, subject), one identity per (user, provider,
    app), and a unionid's home user (see :class:`~wxsession.accounts.models.UnionRow`)."""

    async def register(self, identity: Identity, profile: Profile | None = None) -> UserView:
        """Create a user bound to ``identity``; if a parallel request won, or the identity's
        unionid already has a home, return that user."""
        profile = profile or Profile()
        found = await self._retrying(lambda session: self._find_or_add(session, identity, profile))
        assert found.user is not None  # _find_or_add with a profile always finds or creates
        return found.user

    async def find_or_register(self, identity: Identity, *, auto: bool) -> Found:
        """The identity's user; an unknown one joins its unionid's home user (when merging),
        else is registered when ``auto``, else is not found.

        A known identity's stored session_key is replaced by this login's (registration
        writes it with the row), so the newest key is always the one on record.
        """
        known, on_record = await self._returning(identity)
        if known is not None:
            return Found(known)
        profile = Profile(identity.nickname, identity.avatar_url) if auto else None
        # The read just made found no row, so the first try need not read again: if a
        # parallel request registers the identity meanwhile, the unique key refuses this
        # try's insert and the retry reads the winner's row. Later tries always read.
        absent = iter([not on_record])
        return await self._retrying(
            lambda session: self._find_or_add(
                session, identity, profile, absent=next(absent, False)
            )
        )

    async def _returning(self, identity: Identity) -> tuple[UserView | None, bool]:
        """A known identity's user, with this login's session_key recorded: the common login.

        One read, and one narrow update when the session_key changed (or is still sealed under
        an older data key, so rotation happens as users log in), in Core and not in one
        transaction (nothing read is relied on after the update): far less CPU and fewer
        round trips than the ORM transaction (issue 8). No user when the identity is
        unknown, or its unionid is new and must be claimed: :meth:`_find_or_add` decides
        those in a transaction. The flag says whether the identity has a row at all.
        """
        with database_faults():
            async with self._lean.connect() as connection:
                row = (await connection.execute(_KNOWN_ROW, identity_params(identity))).first()
                if row is None:
                    return None, False
                if row.union_id is None and identity.union_id is not None:
                    return None, True
                new_key = self._new_key(identity, row)
                if new_key:
                    await connection.execute(_NEW_SESSION_KEY, {"row": row.row_id, **new_key})
                    await connection.commit()
        return _user_of(row), True

    async def _find_or_add(
        self,
        session: AsyncSession,
        identity: Identity,
        profile: Profile | None,
        *,
        absent: bool = False,
    ) -> Found:
        """One try of :meth:`find_or_register` (a new user only if ``profile``); ``absent``:
        the identity had no row a moment ago, so this try does not read it again.

        A known identity (here: one whose unionid is new, or one a parallel request just
        registered; :meth:`_returning` serves the others) costs the same read as there, plus
        one narrow update when the session_key or unionid changed."""
        known = None
        if not absent:
            known = (await session.execute(_KNOWN_ROW, identity_params(identity))).first()
        if known is not None:
            changes: dict[str, Any] = self._new_key(identity, known)
            if known.union_id is None and identity.union_id is not None:
                changes["union_id"] = identity.union_id  # the app joined an Open Platform account
            if changes:
                await session.execute(  # no IdentityRow is loaded here: nothing to sync
                    update(IdentityRow).where(IdentityRow.id == known.row_id).values(**changes),
                    execution_options={"synchronize_session": False},
                )
            user = _user_of(known)
            if "union_id" in changes:
                await self._claim_union(session, identity, user.id, strict=False)
            return Found(user)
        home = await self._union_home(session, identity)
        if home is not None:
            session.add(self._identity_row(identity, home))
            await session.flush()
            joined = await session.get(User, home)
            return Found(None if joined is None else view_of(joined), joined=True)
        if profile is None:
            return Found(None)
        # Two Core inserts, user first: an ORM flush of each cost more than the statements.
        row = new_user_row(profile)
        await session.execute(insert(_USERS), row)
        await session.execute(insert(_IDENTITIES), self._identity_values(identity, row["id"]))
        await self._claim_union(session, identity, row["id"], strict=self.unionid_merge)
        return Found(UserView(**row))

    def _new_key(self, identity: Identity, row: Row[Any]) -> dict[str, Any]:
        """The session_key columns to write over ``row``'s (a :data:`_KNOWN_ROW`): none when
        this login brought no key, or the same key already sealed under the current data key.
        Comparing costs one AES-GCM open (microseconds), and spares a write per login."""
        if identity.session_key is None:
            return {}
        if row.session_key_kid == self.keys.current:
            stored = session_keys.unseal(
                self.keys,
                identity.provider,
                identity.app_id,
                identity.subject,
                stored_key(row.session_key_kid, row.session_key_sealed),
            )
            if stored == identity.session_key:
                return {}
        return self._sealed_key(identity)


def new_user_row(profile: Profile) -> dict[str, Any]:
    """Every column of a new user, as the model's defaults would fill them at a flush
    (`tests/api/test_registration.py` checks none is missing)."""
    return {
        "id": new_user_id(),
        "nickname": profile.nickname,
        "avatar_url": profile.avatar_url,
        "phone_number": None,
        "disabled": False,
        "created_at": utcnow(),
        "session_epoch": 0,
        "sessions_revoked_at": None,
    }


_USERS = cast(Table, User.__table__)
_IDENTITIES = cast(Table, IdentityRow.__table__)
# Built once (each call binds values): what a returning login needs, in one read.
_USER_COLUMNS = tuple(_USERS.columns)
_KNOWN_ROW: Any = (
    select(
        IdentityRow.id.label("row_id"),
        IdentityRow.union_id,
        IdentityRow.session_key_sealed,
        IdentityRow.session_key_kid,
        *_USER_COLUMNS,
    )
    .join(User, User.id == IdentityRow.user_id)
    .where(*SAME_IDENTITY)
)
_NEW_SESSION_KEY: Any = (
    update(IdentityRow)
    .where(IdentityRow.id == bindparam("row"))
    .values(
        session_key_sealed=bindparam("session_key_sealed"),
        session_key_kid=bindparam("session_key_kid"),
    )
)


def _user_of(row: Row[Any]) -> UserView:
    """The user columns of a :data:`_KNOWN_ROW` row, as a view."""
    return UserView(**{column.key: row._mapping[column] for column in _USER_COLUMNS})
