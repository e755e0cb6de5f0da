"""``limits`` counters in the SQL database, for deployments without Redis.

One row per key in ``rate_limits``: ``state`` holds a fixed window's count, or a moving
window's entry times (newest first, at most ``limit`` of them); ``expires_at`` is when the
whole row is worthless. Counters survive restarts and are shared by every process on the
database. Each change is a compare-and-swap on ``version`` (read, compute, ``UPDATE … WHERE
version = :seen``; an ``INSERT`` that meets a concurrent one retries), which is atomic on
SQLite and PostgreSQL alike without dialect-specific locking. Inside one process the changes
queue on a lock, so only other processes can make a swap retry. Times come from the clock
passed in, so tests move time instead of sleeping. Expired rows are reclaimed at most once a
minute, on a write.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    bindparam,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.core.clock import Clock, system_clock
from wxsession.db import Base
from wxsession.throttle.storage import WindowStorage

T = TypeVar("T")
State = int | list[float] | None
Change = Callable[[State, float], tuple[State, float, T]]
"""(live state or None, now) → (new state, its expires_at, result); the same state: no write."""

RECLAIM_INTERVAL = 60.0
MAX_SWAPS = 20
"""Attempts at one compare-and-swap before giving up (a 503: never an unthrottled pass)."""

rate_limits_table = Table(
    "rate_limits",
    Base.metadata,
    Column("key", String(255), primary_key=True),
    Column("state", JSON, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_rate_limits_expires_at", "expires_at"),
)

_t = rate_limits_table.c
_GET = select(_t.state, _t.expires_at, _t.version).where(_t.key == bindparam("k"))
_INSERT = insert(rate_limits_table)
_SWAP = (
    update(rate_limits_table)
    .where(_t.key == bindparam("k"), _t.version == bindparam("seen"))
    .values(state=bindparam("state"), expires_at=bindparam("expires_at"), version=_t.version + 1)
)
_DELETE = delete(rate_limits_table).where(_t.key == bindparam("k"))
_RECLAIM = delete(rate_limits_table).where(_t.expires_at < bindparam("now"))
_PING = text("SELECT 1")


class SwapContention(Exception):
    """Other processes kept changing a counter faster than this one could."""


class SqlWindowStorage(WindowStorage):
    """A ``limits`` async storage (fixed and moving windows) on an async SQLAlchemy engine.

    The engine belongs to the caller; the table comes from the migrations.
    """

    STORAGE_SCHEME = None  # built directly, never from a limits URI

    def __init__(self, engine: AsyncEngine, *, clock: Clock = system_clock) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self._lock = asyncio.Lock()
        self._next_reclaim = -math.inf

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return (SQLAlchemyError, OSError, SwapContention)

    def now(self) -> float:
        return self.clock()

    # -- fixed window ----------------------------------------------------------------------

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        def add(state: State, now: float) -> tuple[State, float, int]:
            if isinstance(state, int):
                return state + amount, math.inf, state + amount  # inf: keep the window's end
            return amount, now + expiry, amount

        return await self._swap(key, add)

    async def get(self, key: str) -> int:
        state, _ = await self._read(key)
        return state if isinstance(state, int) else 0

    async def get_expiry(self, key: str) -> float:
        state, expires_at = await self._read(key)
        return expires_at if state is not None else self.clock()

    # -- moving window ---------------------------------------------------------------------

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        def acquire(state: State, now: float) -> tuple[State, float, bool]:
            entries = _live(state, now, expiry)
            if len(entries) + amount > limit:
                return state, 0.0, False
            return ([now] * amount + entries)[:limit], now + expiry, True

        return await self._swap(key, acquire)

    async def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        state, _ = await self._read(key)
        entries = _live(state, self.clock(), expiry)[:limit]
        return (entries[-1], len(entries)) if entries else (self.clock(), 0)

    async def release_entry(self, key: str) -> None:
        def release(state: State, now: float) -> tuple[State, float, None]:
            if not isinstance(state, list) or not state:
                return state, 0.0, None
            return state[1:], math.inf, None

        await self._swap(key, release)

    # -- housekeeping ----------------------------------------------------------------------

    async def clear(self, key: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(_DELETE, {"k": key})

    async def reset(self) -> int | None:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(rate_limits_table))
        return result.rowcount

    async def check(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(_PING)
        except (SQLAlchemyError, OSError):
            return False
        return True

    async def _read(self, key: str) -> tuple[State, float]:
        """The key's state and expiry, or ``(None, now)`` if it has none or it expired."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(_GET, {"k": key})).first()
        now = self.clock()
        if row is None or row.expires_at <= now:
            return None, now
        return _state(row.state), row.expires_at

    async def _swap(self, key: str, change: Change[T]) -> T:
        """Apply ``change`` to the key's row atomically (compare-and-swap on ``version``).

        A returned ``expires_at`` of ``inf`` keeps the row's current one."""
        async with self._lock:
            for _ in range(MAX_SWAPS):
                async with self.engine.connect() as conn:
                    row = (await conn.execute(_GET, {"k": key})).first()
                now = self.clock()
                live = row is not None and row.expires_at > now
                state = _state(row.state) if row is not None and live else None
                new, expires_at, result = change(state, now)
                if new == state:
                    return result
                if math.isinf(expires_at):
                    assert row is not None  # only a live row's state is kept going
                    expires_at = row.expires_at
                values: dict[str, Any] = {"k": key, "state": new, "expires_at": expires_at}
                try:
                    async with self.engine.begin() as conn:
                        if now >= self._next_reclaim:
                            self._next_reclaim = now + RECLAIM_INTERVAL
                            await conn.execute(_RECLAIM, {"now": now})
                        if row is None:
                            await conn.execute(
                                _INSERT,
                                {"key": key, "state": new, "expires_at": expires_at, "version": 0},
                            )
                            return result
                        swapped = await conn.execute(_SWAP, {**values, "seen": row.version})
                except IntegrityError:  # another process inserted the key first
                    continue
                if swapped.rowcount == 1:
                    return result
        raise SwapContention(key)


def _state(value: Any) -> State:
    if isinstance(value, int) or value is None:
        return value
    return [float(entry) for entry in value]


def _live(state: State, now: float, expiry: int) -> list[float]:
    """A moving window's entries still inside it (limits counts an entry ``expiry`` old)."""
    if not isinstance(state, list):
        return []
    return [entry for entry in state if entry >= now - expiry]
