"""One-time secrets with a few tries: verification codes and CAPTCHA answers.

A secret is stored as a keyed digest under a key (both made by the caller, so nothing here
sees a code, an address or an answer), with an expiry and a count of tries. :meth:`spend`
counts a try *before* it compares, atomically, so parallel guesses never get more than
``max_tries`` comparisons between them, and a match removes the secret in the same step, so
it works once. A new :meth:`put` under the same key replaces the old secret and its tries.

:class:`SqlOneTimeStore` keeps them in ``verification_codes``; the Redis one is
:class:`~wxsession.throttle.one_time_redis.RedisOneTimeStore`. Both fail closed: a store
that does not answer is 503 :class:`~wxsession.core.errors.SessionStoreUnavailable`, never
a pass. Times come from the caller's clock, so tests move time instead of sleeping.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    bindparam,
    delete,
    insert,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from wxsession.core.errors import SessionStoreUnavailable
from wxsession.db import Base

RECLAIM_INTERVAL = 60.0
RECLAIM_AGE = 86_400.0
PUT_ATTEMPTS = 5


def keyed_digest(key: bytes, *parts: str) -> str:
    """``HMAC-SHA256(key, parts)`` in hex, the parts joined by a separator no part holds:
    how callers name a secret and digest it, so a copy of the store reveals neither."""
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


class OneTimeStore(Protocol):
    async def put(self, key: str, digest: str, expires_at: float) -> None:
        """Store ``digest`` under ``key`` until ``expires_at``, replacing any secret there."""
        ...

    async def spend(self, key: str, digest: str, *, max_tries: int, now: float) -> bool:
        """Count one try at ``key``'s live secret and, if ``digest`` is its digest and the
        try is within ``max_tries``, remove it and return True; else False (no secret, an
        expired or spent one, a wrong digest alike)."""
        ...


one_time_table = Table(
    "verification_codes",
    Base.metadata,
    Column("key", String(64), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("tries", Integer, nullable=False),
    Index("ix_verification_codes_expires_at", "expires_at"),
)

_t = one_time_table.c
_DELETE = delete(one_time_table).where(_t.key == bindparam("k"))
_INSERT = insert(one_time_table)
_TRY = (
    update(one_time_table)
    .where(_t.key == bindparam("k"), _t.tries < bindparam("max"), _t.expires_at > bindparam("now"))
    .values(tries=_t.tries + 1)
)
_MATCH = delete(one_time_table).where(_t.key == bindparam("k"), _t.digest == bindparam("d"))
_RECLAIM = delete(one_time_table).where(_t.expires_at < bindparam("now"))


class SqlOneTimeStore:
    """One row per key in the user database; see the module's docstring. The engine belongs
    to the caller; the table comes from the migrations (``0013``)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._next_reclaim = -math.inf

    async def put(self, key: str, digest: str, expires_at: float) -> None:
        row = {"key": key, "digest": digest, "expires_at": expires_at, "tries": 0}
        for _ in range(PUT_ATTEMPTS):
            try:
                async with self._transaction() as conn:
                    await conn.execute(_DELETE, {"k": key})
                    await conn.execute(_INSERT, row)
                    await self._reclaim(conn, expires_at)
                return
            except IntegrityError:  # a parallel put inserted the key in between: go again
                continue
        raise SessionStoreUnavailable()

    async def spend(self, key: str, digest: str, *, max_tries: int, now: float) -> bool:
        async with self._transaction() as conn:
            tried = await conn.execute(_TRY, {"k": key, "max": max_tries, "now": now})
            if tried.rowcount != 1:
                return False
            matched = await conn.execute(_MATCH, {"k": key, "d": digest})
            return matched.rowcount == 1

    async def _reclaim(self, conn: AsyncConnection, expires_at: float) -> None:
        """Drop rows that expired a day before the one just put, at most once a minute:
        dead anyway, and no clock is needed to tell."""
        if expires_at >= self._next_reclaim:
            self._next_reclaim = expires_at + RECLAIM_INTERVAL
            await conn.execute(_RECLAIM, {"now": expires_at - RECLAIM_AGE})

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self.engine.begin() as conn:
                yield conn
        except IntegrityError:
            raise
        except (SQLAlchemyError, OSError) as exc:
            raise SessionStoreUnavailable() from exc
