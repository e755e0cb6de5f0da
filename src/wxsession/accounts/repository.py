"""Reads and writes of users and identities (registration, binding, unionid homes), with
database faults translated to 503."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Row, Table, bindparam, delete, exists, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from wxsession.accounts import session_keys
from wxsession.accounts.login_names import PASSWORD_PROVIDER
from wxsession.accounts.models import (
    IdentityRow,
    PasswordRow,
    UnionRow,
    User,
    new_user_id,
    utcnow,
)
from wxsession.core.errors import (
    IdentityTaken,
    InvalidRequest,
    LastSignInMethod,
    NotFound,
    ProviderAlreadyBound,
    SessionInvalid,
)
from wxsession.data_keys import DataKeys, Sealed
from wxsession.db import database_faults, sessionmaker
from wxsession.platforms.provider import Identity

T = TypeVar("T")

ATTEMPTS = 3
"""Tries of a write a parallel request can beat: the second sees the winner's rows."""

TAKEN_BY_ANOTHER = "This identity is already bound to another user. Nothing was merged."
PASSWORD_SET = "This account already has a password. Change it with POST /v1/me/password."  # noqa: S105


def union_scope(provider: str) -> str:
    """The platform whose unionids ``provider`` reports: its name up to the first ``_``
    (WeChat's mini program and App share WeChat Open Platform's unionids; others have their own)."""
    return provider.split("_", 1)[0]


@dataclass(frozen=True, slots=True)
class Profile:
    """What a client may set about itself at registration."""

    nickname: str | None = None
    avatar_url: str | None = None


@dataclass(frozen=True, slots=True)
class Resealed:
    """What :meth:`AccountRepository.reseal_session_keys` did: keys moved under the current
    data key, and keys it could not open, counted by key id (left as they are)."""

    moved: int
    unreadable: dict[str, int]


@dataclass(frozen=True, slots=True)
class Found:
    """What a login found: the user (``None``: unknown and not registered), and whether the
    identity was new and joined the user its unionid belongs to."""

    user: User | None
    joined: bool = False


class AccountRepository:
    """Users and identities in SQL. Every rule that a parallel request could break is kept by
    a unique key, not by a read-then-write: identities (provider, app, subject), one identity
    per (user, provider, app), and a unionid's home user (see :class:`UnionRow`).

    ``unionid_merge``: a new identity whose unionid already belongs to a user joins that user
    (at login and at explicit registration) instead of making a new one. ``keys`` seal the
    session_keys it stores (:mod:`wxsession.accounts.session_keys`).
    """

    def __init__(self, engine: AsyncEngine, *, keys: DataKeys, unionid_merge: bool = True) -> None:
        self.keys = keys
        self._sessionmaker = sessionmaker(engine)
        # PostgreSQL: a returning login's two statements go without BEGIN and COMMIT, two
        # round trips fewer. SQLite opens its transaction with the update itself, and
        # switching a connection to autocommit and back would cost two thread hand-offs.
        self._lean = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine
        )
        self.unionid_merge = unionid_merge

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        with database_faults():
            async with self._sessionmaker() as session, session.begin():
                yield session

    async def get_user(self, user_id: str) -> User | None:
        async with self._transaction() as session:
            return await session.get(User, user_id)

    async def register(self, identity: Identity, profile: Profile | None = None) -> User:
        """Create a user bound to ``identity``; if a parallel request won, or the identity's
        unionid already has a home, return that user."""
        profile = profile or Profile()
        found = await self._retrying(lambda session: self._find_or_add(session, identity, profile))
        assert found.user is not None  # _find_or_add with a profile always finds or creates
        return found.user

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
                session.add(self._identity_row(identity, user.id))
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
            await session.execute(delete(UnionRow).where(UnionRow.user_id == user_id))
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

    async def _returning(self, identity: Identity) -> tuple[User | None, bool]:
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
                row = (await connection.execute(_KNOWN_ROW, _identity_params(identity))).first()
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
            known = (await session.execute(_KNOWN_ROW, _identity_params(identity))).first()
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
            return Found(await session.get(User, home), joined=True)
        if profile is None:
            return Found(None)
        # Two Core inserts, user first: an ORM flush of each cost more than the statements.
        row = _new_user_row(profile)
        await session.execute(insert(_USERS), row)
        await session.execute(insert(_IDENTITIES), self._identity_values(identity, row["id"]))
        await self._claim_union(session, identity, row["id"], strict=self.unionid_merge)
        return Found(User(**row))

    async def bind(self, user_id: str, identity: Identity) -> bool:
        """Bind ``identity`` to the user; ``False`` if it already was theirs.

        Raises :class:`IdentityTaken` if it, or (when merging) its unionid, belongs to another
        user: two users are never merged silently. :class:`ProviderAlreadyBound` if the user
        has another identity of the same provider and app.
        """
        return await self._retrying(lambda session: self._bind(session, user_id, identity))

    async def _bind(self, session: AsyncSession, user_id: str, identity: Identity) -> bool:
        row = await _identity_of(session, identity)
        if row is not None:
            if row.user_id != user_id:
                raise IdentityTaken(TAKEN_BY_ANOTHER)
            for name, value in self._sealed_key(identity).items():
                setattr(row, name, value)
            return False
        home = await self._union_home(session, identity)
        if home is not None and home != user_id:
            raise IdentityTaken(TAKEN_BY_ANOTHER)
        await _refuse_second_of_kind(session, user_id, identity.provider, identity.app_id)
        session.add(self._identity_row(identity, user_id))
        await session.flush()
        if home is None:
            await self._claim_union(session, identity, user_id, strict=self.unionid_merge)
        return True

    async def add_password(self, user_id: str, identity: Identity, password_hash: str) -> None:
        """Give a user without a password a login name (``identity``) and password hash.

        :class:`ProviderAlreadyBound` if they have one (they change it instead),
        :class:`IdentityTaken` if the name is someone else's.
        """

        async def work(session: AsyncSession) -> None:
            await _refuse_second_of_kind(session, user_id, identity.provider, identity.app_id)
            if await session.get(PasswordRow, user_id) is not None:
                raise ProviderAlreadyBound(PASSWORD_SET)
            if await _identity_of(session, identity) is not None:
                raise IdentityTaken()
            session.add(self._identity_row(identity, user_id))
            session.add(PasswordRow(user_id=user_id, hash=password_hash))
            await session.flush()

        await self._retrying(work)

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

    async def _union_home(self, session: AsyncSession, identity: Identity) -> str | None:
        """The user ``identity``'s unionid belongs to, when merging by unionid."""
        if not self.unionid_merge or identity.union_id is None:
            return None
        home: str | None = await session.scalar(
            select(UnionRow.user_id).where(
                UnionRow.scope == union_scope(identity.provider),
                UnionRow.union_id == identity.union_id,
            )
        )
        return home

    async def _claim_union(
        self, session: AsyncSession, identity: Identity, user_id: str, *, strict: bool
    ) -> None:
        """Record ``user_id`` as the home of ``identity``'s unionid. ``strict``: a parallel
        claim makes this fail (the caller tries again and joins the winner); otherwise an
        existing home is kept as it is."""
        if identity.union_id is None:
            return
        values = {
            "scope": union_scope(identity.provider),
            "union_id": identity.union_id,
            "user_id": user_id,
            "created_at": utcnow(),
        }
        if strict:
            await session.execute(insert(UnionRow).values(**values))
            return
        dialect_insert = (
            postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        )
        await session.execute(dialect_insert(UnionRow).values(**values).on_conflict_do_nothing())

    async def _retrying(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run ``work`` in a transaction; when a unique key refuses it (a parallel request got
        there first), run it again: it then sees the winner's rows and decides on them."""
        last: IntegrityError | None = None
        for _ in range(ATTEMPTS):
            try:
                async with self._transaction() as session:
                    return await work(session)
            except IntegrityError as exc:
                last = exc
        raise IdentityTaken(TAKEN_BY_ANOTHER) from last

    async def confirm_identity(self, user_id: str, identity: Identity) -> bool:
        """Whether ``identity`` (just proven by a code exchange) is bound to the user; if so,
        its session_key is recorded as a login's would be (the exchange gave a new one)."""
        async with self._transaction() as session:
            row = await _identity_of(session, identity)
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
            stored = _stored_key(row.session_key_kid, row.session_key_sealed)
            return Identity(
                provider=row.provider,
                app_id=row.app_id,
                subject=row.subject,
                union_id=row.union_id,
                session_key=session_keys.unseal(
                    self.keys, row.provider, row.app_id, row.subject, stored
                ),
            )

    async def reseal_session_keys(self, batch: int = 500) -> Resealed:
        """Seal every stored session_key sealed under an older data key under the current
        one, ``batch`` rows per transaction, so the older key can be retired. A key that
        does not open is left alone and counted: configure its data key and run this again,
        or let those users' next login replace it. A row a login rewrote meanwhile is kept."""
        moved, after = 0, 0
        unreadable: dict[str, int] = {}
        while True:
            async with self._transaction() as session:
                rows = (
                    await session.execute(
                        _STALE_KEYS, {"current": self.keys.current, "after": after, "batch": batch}
                    )
                ).all()
                for row in rows:
                    stored = Sealed(row.session_key_kid, row.session_key_sealed)
                    key = session_keys.unseal(
                        self.keys, row.provider, row.app_id, row.subject, stored
                    )
                    if key is None:
                        unreadable[stored.kid] = unreadable.get(stored.kid, 0) + 1
                        continue
                    identity = Identity(row.provider, row.app_id, row.subject, session_key=key)
                    result: Any = await session.execute(
                        update(IdentityRow)
                        .where(
                            IdentityRow.id == row.id,
                            IdentityRow.session_key_kid == stored.kid,
                            IdentityRow.session_key_sealed == stored.blob,
                        )
                        .values(**self._sealed_key(identity)),
                        execution_options={"synchronize_session": False},
                    )
                    moved += result.rowcount
            if len(rows) < batch:
                return Resealed(moved, unreadable)
            after = rows[-1].id

    def _sealed_key(self, identity: Identity) -> dict[str, Any]:
        """The session_key columns for ``identity``'s key, sealed; empty if it has none."""
        sealed = session_keys.seal(self.keys, identity)
        if sealed is None:
            return {}
        return {"session_key_sealed": sealed.blob, "session_key_kid": sealed.kid}

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
                _stored_key(row.session_key_kid, row.session_key_sealed),
            )
            if stored == identity.session_key:
                return {}
        return self._sealed_key(identity)

    def _identity_row(self, identity: Identity, user_id: str) -> IdentityRow:
        return IdentityRow(**self._identity_values(identity, user_id))

    def _identity_values(self, identity: Identity, user_id: str) -> dict[str, Any]:
        return {
            "user_id": user_id,
            "provider": identity.provider,
            "app_id": identity.app_id,
            "subject": identity.subject,
            "union_id": identity.union_id,
            "session_key_sealed": None,
            "session_key_kid": None,
            **self._sealed_key(identity),
            "created_at": utcnow(),
        }

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


def _stored_key(kid: str | None, blob: bytes | None) -> Sealed | None:
    return None if kid is None or blob is None else Sealed(kid, blob)


def _new_user_row(profile: Profile) -> dict[str, Any]:
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


_SAME_IDENTITY = (
    IdentityRow.provider == bindparam("provider"),
    IdentityRow.app_id == bindparam("app_id"),
    IdentityRow.subject == bindparam("subject"),
)
_IDENTITY: Any = select(IdentityRow).where(*_SAME_IDENTITY)
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
    .where(*_SAME_IDENTITY)
)
_STALE_KEYS: Any = (
    select(
        IdentityRow.id,
        IdentityRow.provider,
        IdentityRow.app_id,
        IdentityRow.subject,
        IdentityRow.session_key_kid,
        IdentityRow.session_key_sealed,
    )
    .where(
        IdentityRow.session_key_kid != bindparam("current"),
        IdentityRow.session_key_sealed.is_not(None),
        IdentityRow.id > bindparam("after"),
    )
    .order_by(IdentityRow.id)
    .limit(bindparam("batch"))
)
_NEW_SESSION_KEY: Any = (
    update(IdentityRow)
    .where(IdentityRow.id == bindparam("row"))
    .values(
        session_key_sealed=bindparam("session_key_sealed"),
        session_key_kid=bindparam("session_key_kid"),
    )
)


def _user_of(row: Row[Any]) -> User:
    """The user columns of a :data:`_KNOWN_ROW` row as a (detached) ``User``."""
    return User(**{column.key: row._mapping[column] for column in _USER_COLUMNS})


def _identity_params(identity: Identity) -> dict[str, str]:
    return {"provider": identity.provider, "app_id": identity.app_id, "subject": identity.subject}


async def _identity_of(session: AsyncSession, identity: Identity) -> IdentityRow | None:
    found: IdentityRow | None = await session.scalar(_IDENTITY, _identity_params(identity))
    return found


async def _refuse_second_of_kind(
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
