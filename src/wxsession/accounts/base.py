"""What every part of the account repository shares: transactions (database faults
translated to 503), retries when a parallel request wins a unique key, the identity row of an
:class:`Identity` with its sealed session_key, and unionid homes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from wxsession.accounts import session_keys
from wxsession.accounts.models import IdentityRow, UnionRow, utcnow
from wxsession.core.account_errors import IdentityTaken
from wxsession.core.identity import Identity
from wxsession.data_keys import DataKeys, Sealed
from wxsession.db import database_faults, sessionmaker

T = TypeVar("T")

ATTEMPTS = 3
"""Tries of a write a parallel request can beat: the second sees the winner's rows."""

TAKEN_BY_ANOTHER = "This identity is already bound to another user. Nothing was merged."


def union_scope(provider: str) -> str:
    """The platform whose unionids ``provider`` reports: its name up to the first ``_``
    (WeChat's mini program and App share WeChat Open Platform's unionids; others have their own)."""
    return provider.split("_", 1)[0]


class AccountStore:
    """The SQL plumbing of :class:`~wxsession.accounts.repository.AccountRepository`, which
    gathers the parts built on it (users, registration, binding, passwords, resealing,
    roles).

    ``unionid_merge``: a new identity whose unionid already belongs to a user joins that user
    instead of making a new one. ``roles``: the configured roles (name -> permissions).
    ``keys`` seal the session_keys it stores
    (:mod:`wxsession.accounts.session_keys`).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        keys: DataKeys,
        unionid_merge: bool = True,
        roles: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.keys = keys
        self.configured_roles: Mapping[str, frozenset[str]] = dict(roles or {})
        """The roles of ``WXSESSION_ROLES``: they win over the database's of the same name."""
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

    def _sealed_key(self, identity: Identity) -> dict[str, Any]:
        """The session_key columns for ``identity``'s key, sealed; empty if it has none."""
        sealed = session_keys.seal(self.keys, identity)
        if sealed is None:
            return {}
        return {"session_key_sealed": sealed.blob, "session_key_kid": sealed.kid}

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


SAME_IDENTITY = (
    IdentityRow.provider == bindparam("provider"),
    IdentityRow.app_id == bindparam("app_id"),
    IdentityRow.subject == bindparam("subject"),
)
_IDENTITY: Any = select(IdentityRow).where(*SAME_IDENTITY)


def identity_params(identity: Identity) -> dict[str, str]:
    return {"provider": identity.provider, "app_id": identity.app_id, "subject": identity.subject}


async def identity_row_of(session: AsyncSession, identity: Identity) -> IdentityRow | None:
    found: IdentityRow | None = await session.scalar(_IDENTITY, identity_params(identity))
    return found


def stored_key(kid: str | None, blob: bytes | None) -> Sealed | None:
    return None if kid is None or blob is None else Sealed(kid, blob)
