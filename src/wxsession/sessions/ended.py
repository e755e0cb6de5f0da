"""The revocation point in SQL: a user's epoch and the sessions of theirs ended one by one.

The epoch (``users.session_epoch``, migration 0002) ends every session issued before it; the
``ended_sessions`` rows (migration 0008) end single sessions, named by public id (a hash of the
storage key, never the token), each with why it ended (migration 0015), which the holder of
its token alone learns: a refused token names its own public id; nothing lists the reasons.
Both are written *before* the store's delete, so a delete lost
in a Redis failover, a restore or a replica that missed it cannot bring a session back. One
query reads both (:meth:`SqlRevocations.revocation_point`); the per-request check reads it
through :class:`~wxsession.sessions.revocation.RevocationCache`, not per request.

A row is kept until the session would have lapsed anyway and is then pruned by later writes
(each user's own lapsed rows on every write, everyone's at most once a minute), as the SQL
session store reclaims its rows: no background job.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from sqlalchemy import (
    Column,
    Float,
    Index,
    Insert,
    String,
    Table,
    and_,
    bindparam,
    delete,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.accounts.models import User
from wxsession.accounts.repository import AccountRepository
from wxsession.db import Base, database_faults
from wxsession.sessions.revocation import LOGOUT, RevocationPoint

PRUNE_INTERVAL = 60.0
"""Seconds between two sweeps of every user's lapsed rows."""

ended_sessions_table = Table(
    "ended_sessions",
    Base.metadata,
    Column("user_id", String(32), primary_key=True),
    Column("public_id", String(32), primary_key=True),
    Column("expires_at", Float, nullable=False),
    Column("reason", String(16), nullable=False, server_default=LOGOUT),
    Index("ix_ended_sessions_expires_at", "expires_at"),
)

_e = ended_sessions_table.c
# Built once: each call only binds values (the compiled form is cached by SQLAlchemy).
_POINT = (
    select(User.session_epoch, _e.public_id, _e.reason)
    .outerjoin(
        ended_sessions_table,
        and_(_e.user_id == User.id, _e.expires_at > bindparam("now")),
    )
    .where(User.id == bindparam("u"))
)
_PRUNE = delete(ended_sessions_table).where(_e.expires_at <= bindparam("now"))


def _upsert(dialect: str) -> Insert:
    """An insert of ended rows that overwrites a row of the same session (no unique-key
    error when two ends of one session race), on PostgreSQL or SQLite."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(ended_sessions_table)
    return statement.on_conflict_do_update(
        index_elements=[_e.user_id, _e.public_id],
        set_={"expires_at": statement.excluded.expires_at, "reason": statement.excluded.reason},
    )


class SqlRevocations:
    """Reads and raises revocation points; the source of a ``RevocationCache``."""

    def __init__(self, engine: AsyncEngine, accounts: AccountRepository) -> None:
        self.engine = engine
        self.accounts = accounts
        self._next_prune = -math.inf

    async def revocation_point(self, user_id: str, now: float) -> RevocationPoint | None:
        """The user's epoch and unlapsed single ends with their reasons (``None``: no such
        user), in one query."""
        with database_faults():
            async with self.engine.connect() as conn:
                rows = (await conn.execute(_POINT, {"u": user_id, "now": now})).all()
        if not rows:
            return None
        ended = {public_id: reason for _, public_id, reason in rows if public_id is not None}
        return RevocationPoint(rows[0][0], ended)

    async def raise_session_epoch(self, user_id: str) -> int | None:
        return await self.accounts.raise_session_epoch(user_id)

    async def end_sessions(
        self, user_id: str, public_ids: Collection[str], until: float, now: float, reason: str
    ) -> None:
        """Record that the user's sessions ``public_ids`` ended for ``reason``, to be
        remembered until ``until``; lapsed rows are pruned in the same transaction. A
        session ended twice at once (two logins evicting the same oldest one, a logout
        racing an eviction) keeps one row, the later write's."""
        rows = [
            {"user_id": user_id, "public_id": p, "expires_at": until, "reason": reason}
            for p in public_ids
        ]
        with database_faults():
            async with self.engine.begin() as conn:
                if now >= self._next_prune:
                    self._next_prune = now + PRUNE_INTERVAL
                    await conn.execute(_PRUNE, {"now": now})
                await conn.execute(
                    delete(ended_sessions_table).where(_e.user_id == user_id, _e.expires_at <= now)
                )
                await conn.execute(_upsert(conn.dialect.name), rows)
