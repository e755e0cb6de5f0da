"""Sessions in the SQL database: the embedded default (SQLite) or PostgreSQL.

One row per session keyed by the token's storage key (whatever :mod:`wxsession.core.tokens`
makes; at most 64 characters). ``expires_at`` is the record's effective expiry (the
earlier of idle and absolute), kept as a column only so expired rows can be reclaimed with an
indexed range delete and skipped when listing; the record itself lives in ``data``. Rows are
reclaimed at most once a minute (by the clock passed to :meth:`SqlSessionStore.create`), on a
create, so no background task is needed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import (
    Column,
    Float,
    Index,
    LargeBinary,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from wxsession.core.errors import SessionStoreUnavailable
from wxsession.core.record import SessionRecord
from wxsession.db import Base
from wxsession.sessions.store import readable

RECLAIM_INTERVAL = 60.0
"""Seconds between two sweeps of expired rows."""

sessions_table = Table(
    "sessions",
    Base.metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("user_id", String(64), nullable=True),
    Column("expires_at", Float, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Index("ix_sessions_user_id", "user_id"),
    Index("ix_sessions_expires_at", "expires_at"),
)

_t = sessions_table.c
# Built once: each call only binds values (the compiled form is cached by SQLAlchemy).
_INSERT = insert(sessions_table)
_GET = select(_t.data).where(_t.key_hash == bindparam("k"))
_TOUCH = (
    update(sessions_table)
    .where(_t.key_hash == bindparam("k"))
    .values(user_id=bindparam("u"), expires_at=bindparam("e"), data=bindparam("d"))
)
_DELETE = delete(sessions_table).where(_t.key_hash == bindparam("k"))
_LIST = select(_t.key_hash, _t.data).where(
    _t.user_id == bindparam("u"), _t.expires_at > bindparam("now")
)
_COUNT = select(func.count()).select_from(sessions_table).where(_t.user_id == bindparam("u"))
_DELETE_USER = delete(sessions_table).where(_t.user_id == bindparam("u"))
_RECLAIM = delete(sessions_table).where(_t.expires_at < bindparam("now"))
_PING = text("SELECT 1")


class SqlSessionStore:
    """A :class:`~wxsession.sessions.store.SessionStore` on an async SQLAlchemy engine.

    The engine is shared with the accounts tables and owned by the caller, so :meth:`close`
    leaves it open. The ``sessions`` table comes from the migrations.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._next_reclaim = -math.inf

    async def create(self, key: str, record: SessionRecord, now: float) -> int:
        """Insert the row and, in the same transaction, count the user's rows (expired ones
        not yet reclaimed included: an upper bound, one indexed count)."""
        row = {
            "key_hash": key,
            "user_id": record.user_id,
            "expires_at": _expiry(record),
            "data": record.to_bytes(),
        }
        with _unavailable():
            async with self.engine.begin() as conn:
                if now >= self._next_reclaim:
                    await self._reclaim(conn, now)
                await conn.execute(_INSERT, row)
                if record.user_id is None:
                    return 0
                return int((await conn.execute(_COUNT, {"u": record.user_id})).scalar_one())

    async def get(self, key: str) -> SessionRecord | None:
        with _unavailable():
            async with self.engine.connect() as conn:
                data = (await conn.execute(_GET, {"k": key})).scalar_one_or_none()
        return None if data is None else readable(key, SessionRecord.from_bytes, data)

    async def touch(self, key: str, record: SessionRecord, now: float) -> bool:
        values = {"k": key, "u": record.user_id, "e": _expiry(record), "d": record.to_bytes()}
        with _unavailable():
            async with self.engine.begin() as conn:
                result = await conn.execute(_TOUCH, values)
        return result.rowcount == 1

    async def delete(self, key: str) -> bool:
        with _unavailable():
            async with self.engine.begin() as conn:
                result = await conn.execute(_DELETE, {"k": key})
        return result.rowcount > 0

    async def list_for_user(self, user_id: str, now: float) -> list[tuple[str, SessionRecord]]:
        with _unavailable():
            async with self.engine.connect() as conn:
                rows = (await conn.execute(_LIST, {"u": user_id, "now": now})).all()
        decoded = ((key, readable(key, SessionRecord.from_bytes, data)) for key, data in rows)
        found = [(key, record) for key, record in decoded if record is not None]
        found.sort(key=lambda item: (item[1].created_at, item[0]))
        return found

    async def delete_for_user(self, user_id: str) -> int:
        with _unavailable():
            async with self.engine.begin() as conn:
                result = await conn.execute(_DELETE_USER, {"u": user_id})
        return result.rowcount

    async def reclaim(self, now: float) -> int:
        """Delete every row that expired before ``now``; returns how many went."""
        with _unavailable():
            async with self.engine.begin() as conn:
                return await self._reclaim(conn, now)

    async def ping(self) -> None:
        with _unavailable():
            async with self.engine.connect() as conn:
                await conn.execute(_PING)

    async def close(self) -> None:
        """Nothing to release: the engine belongs to the caller."""

    async def _reclaim(self, conn: AsyncConnection, now: float) -> int:
        self._next_reclaim = now + RECLAIM_INTERVAL
        result = await conn.execute(_RECLAIM, {"now": now})
        return result.rowcount


def _expiry(record: SessionRecord) -> float:
    return min(record.expires_at, record.absolute_expires_at)


@contextmanager
def _unavailable() -> Iterator[None]:
    """Translate any failure to reach or use the database into a 503 for the caller."""
    try:
        yield
    except (SQLAlchemyError, OSError) as exc:
        raise SessionStoreUnavailable() from exc
