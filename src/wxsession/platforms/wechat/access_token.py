"""One WeChat access token per appid, shared by every instance, refreshed by exactly one.

WeChat's access token is needed by getuserphonenumber, checksession and most other APIs.
Fetching it is rate limited (and ``cgi-bin/token`` invalidates the previous token), so every
instance must use one cached copy. It lives in the SQL database: the one store every
deployment shares (SQLite on one host, PostgreSQL across hosts), and the fetch is rare
enough (every ~2 h) that a row is plenty. Who refreshes is decided by a lease on that row
(``UPDATE … WHERE lock_until <= now``): the winner fetches and writes; the others keep using
the still-valid token, or wait for the new one if there is none. A lease, not a session-long
lock, so a worker that dies mid-refresh blocks the others for ``lease`` seconds at most.

The lease outlasts the fetch it covers (:meth:`AccessTokenManager.for_timeout` derives it from
the WeChat call's timeout), and a waiter outlasts a lease: one left by a dead worker expires
while callers still wait, and one of them takes it over. A worker whose lease was taken over
anyway never serves the token it fetched: only what the shared row accepted is handed out
(``cgi-bin/token`` invalidates the previous token, so two fetched tokens cannot both be good).

On 40001/42001 (token refused) the token is discarded, if it is still the cached one, and the
call retried once with a fresh token. The refresh after a discard asks ``stable_token`` with
``force_refresh``: without it WeChat hands back the same token for as long as it has not
expired, and the refused token would be cached again for two hours.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.core.clock import Clock, system_clock
from wxsession.core.platform_errors import WeChatAccessTokenRejected, WeChatUnavailable
from wxsession.db import database_faults, sessionmaker
from wxsession.platforms.wechat.api import AccessToken
from wxsession.platforms.wechat.token_table import AccessTokenRow

T = TypeVar("T")

REFRESH_MARGIN = 300.0
"""Refresh this many seconds before WeChat's expiry, so no call goes out with a dying token."""
LEASE_MARGIN = 5.0
"""What a lease covers beyond the fetch: the SQL write of the new token."""
POLL_SECONDS = 0.05

Fetch = Callable[[bool], Awaitable[AccessToken]]
"""Fetches a token from WeChat; ``True`` asks for a new one (``force_refresh``)."""


@dataclass(frozen=True, slots=True)
class Cached:
    token: str
    expires_at: float

    @property
    def discarded(self) -> bool:
        """WeChat refused it (:meth:`SqlTokenCache.discard`), as opposed to lapsed."""
        return self.expires_at <= 0.0


class SqlTokenCache:
    """The ``wechat_access_tokens`` table: read, lease, write, discard."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessionmaker = sessionmaker(engine)

    async def _run(self, work: Callable[[Any], Awaitable[T]]) -> T:
        with database_faults():
            async with self._sessionmaker() as session, session.begin():
                return await work(session)

    async def read(self, appid: str) -> Cached | None:
        async def work(session: Any) -> Cached | None:
            row = (
                await session.execute(
                    select(AccessTokenRow.access_token, AccessTokenRow.expires_at).where(
                        AccessTokenRow.appid == appid
                    )
                )
            ).one_or_none()
            if row is None or row[0] is None or row[1] is None:
                return None
            return Cached(row[0], row[1])

        return await self._run(work)

    async def try_lease(self, appid: str, owner: str, now: float, lease: float) -> bool:
        """Take the refresh lease if nobody holds an unexpired one."""
        with contextlib.suppress(IntegrityError):  # a racing instance inserted it first
            await self._run(_insert_row(appid))

        async def work(session: Any) -> bool:
            result = await session.execute(
                update(AccessTokenRow)
                .where(
                    AccessTokenRow.appid == appid,
                    (AccessTokenRow.lock_until.is_(None)) | (AccessTokenRow.lock_until <= now),
                )
                .values(lock_owner=owner, lock_until=now + lease)
            )
            return bool(result.rowcount == 1)

        return await self._run(work)

    async def store(self, appid: str, owner: str, token: str, expires_at: float) -> bool:
        """Write the new token and end the lease, only while ``owner`` still holds it;
        whether it did."""

        async def work(session: Any) -> bool:
            result = await session.execute(
                update(AccessTokenRow)
                .where(AccessTokenRow.appid == appid, AccessTokenRow.lock_owner == owner)
                .values(access_token=token, expires_at=expires_at, lock_owner=None, lock_until=None)
            )
            return bool(result.rowcount == 1)

        return await self._run(work)

    async def release(self, appid: str, owner: str) -> None:
        async def work(session: Any) -> None:
            await session.execute(
                update(AccessTokenRow)
                .where(AccessTokenRow.appid == appid, AccessTokenRow.lock_owner == owner)
                .values(lock_owner=None, lock_until=None)
            )

        await self._run(work)

    async def discard(self, appid: str, token: str) -> None:
        """Mark ``token`` refused (expiry 0), unless another worker already replaced it."""

        async def work(session: Any) -> None:
            await session.execute(
                update(AccessTokenRow)
                .where(AccessTokenRow.appid == appid, AccessTokenRow.access_token == token)
                .values(expires_at=0.0)
            )

        await self._run(work)


def _insert_row(appid: str) -> Callable[[Any], Awaitable[None]]:
    async def work(session: Any) -> None:
        if await session.get(AccessTokenRow, appid) is None:
            session.add(AccessTokenRow(appid=appid))
            await session.flush()

    return work


class AccessTokenManager:
    """Hands out the appid's access token; ``call`` runs a WeChat call with it, refreshing
    the token once if WeChat refuses it."""

    def __init__(
        self,
        cache: SqlTokenCache,
        appid: str,
        fetch: Fetch,
        *,
        lease: float,
        wait: float,
        clock: Clock = system_clock,
        margin: float = REFRESH_MARGIN,
    ) -> None:
        self._cache = cache
        self._appid = appid
        self._fetch = fetch
        self._clock = clock
        self._margin = margin
        self.lease = lease
        self.wait = wait
        self._owner = secrets.token_hex(8)
        self._local: Cached | None = None
        self._local_lock = asyncio.Lock()

    @classmethod
    def for_timeout(
        cls, cache: SqlTokenCache, appid: str, fetch: Fetch, *, timeout: float, clock: Clock
    ) -> AccessTokenManager:
        """A lease that outlasts a fetch bounded by ``timeout`` seconds, and a wait that
        outlasts the lease of a worker that died holding it, then a fetch of one's own."""
        lease = timeout + LEASE_MARGIN
        return cls(
            cache, appid, fetch, lease=lease, wait=lease + timeout + LEASE_MARGIN, clock=clock
        )

    async def token(self) -> str:
        """A valid token: the cached one, or a fresh one if it is within ``margin`` of expiry."""
        local = self._local
        if local is not None and local.expires_at - self._margin > self._clock():
            return local.token
        async with self._local_lock:  # one SQL round per process while refreshing
            return await self._shared_token()

    async def _shared_token(self) -> str:
        deadline = time.monotonic() + self.wait
        while True:
            now = self._clock()
            cached = await self._cache.read(self._appid)
            if cached is not None and cached.expires_at - self._margin > now:
                self._local = cached
                return cached.token
            if await self._cache.try_lease(self._appid, self._owner, now, self.lease):
                fresh = await self._refresh()
                if fresh is not None:
                    return fresh
                continue  # our lease was taken over: serve what the shared row holds
            if cached is not None and cached.expires_at > now:
                return cached.token  # someone else is refreshing; this one is still good
            if time.monotonic() > deadline:
                raise WeChatUnavailable()
            await asyncio.sleep(POLL_SECONDS)

    async def _refresh(self) -> str | None:
        """Fetch and store a token under our lease; ``None`` if the row did not take it."""
        try:
            cached = await self._cache.read(self._appid)  # refreshed just before our lease?
            if cached is not None and cached.expires_at - self._margin > self._clock():
                await self._cache.release(self._appid, self._owner)
                self._local = cached
                return cached.token
            refused = cached.token if cached is not None and cached.discarded else None
            fresh = await self._fetch(refused is not None)
            if fresh.token == refused:  # WeChat kept the token it refuses: do not cache it
                raise WeChatUnavailable()
            expires_at = self._clock() + fresh.expires_in
            if not await self._cache.store(self._appid, self._owner, fresh.token, expires_at):
                return None
            self._local = Cached(fresh.token, expires_at)
            return fresh.token
        except BaseException:
            await asyncio.shield(self._cache.release(self._appid, self._owner))
            raise

    async def call(self, operation: Callable[[str], Awaitable[T]]) -> T:
        """Run ``operation(token)``; on 40001/42001 discard that token and retry once."""
        token = await self.token()
        try:
            return await operation(token)
        except WeChatAccessTokenRejected:
            self._local = None
            await self._cache.discard(self._appid, token)
            return await operation(await self.token())
