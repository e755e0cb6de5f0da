"""A process-local cache of hot sessions (and their users), trusted only while it hears every
invalidation.

Why: every request of every user validates a session; with this cache a repeated request is
answered without a store round trip or SQL. What keeps it safe:

- Entries live at most ``max_age`` seconds and are only ever a *positive* shortcut: a cached
  record that looks expired or due for renewal sends the request to the store.
- Every change that must refuse a session (logout, revocation, eviction, disable, delete,
  password change) or alter the user row is announced on a Redis pub/sub channel
  (:class:`Invalidations`); every instance drops the named entries as the message arrives
  (:mod:`wxsession.sessions.invalidation` dispatches it in the event loop's I/O phase, before a
  request read in the same turn runs).
- The cache answers only while its subscription can prove it is current (``trusted``: the
  last answered heartbeat PING left less than ``max_lag`` ago, see
  :mod:`wxsession.sessions.invalidation`). A lost or lagging subscription bypasses it (fail
  closed); after a resubscription it starts empty, since messages sent in between were lost.
- A session's end also drops its user's cached revocation point (``on_user_invalidated``),
  which now names the ended session (:mod:`wxsession.sessions.ended`).
- A read-through insert carries the invalidation *generation* seen before the store read; if
  any invalidation arrived meanwhile, the insert is skipped, so a record read just before its
  deletion is never cached after the deletion was announced.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from redis.asyncio import Redis, RedisCluster
from redis.exceptions import RedisError

from wxsession.core import tokens
from wxsession.core.errors import SessionStoreUnavailable
from wxsession.core.session import ActiveSession
from wxsession.core.singleflight import SingleFlight
from wxsession.core.user import UserView

SESSION = b"s:"
USER = b"u:"


class SessionCache:
    """Resolved sessions by their token's SHA-256 (:func:`wxsession.core.tokens.digest`) and user
    views by id, bounded in size and age.

    A hit hands back the very :class:`ActiveSession` (immutable) that was put and needs only
    the digest, so the hot path builds nothing, not even the storage key; announcements name
    storage keys, which :attr:`_digests` maps back."""

    def __init__(
        self,
        *,
        max_entries: int,
        max_age: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        self.generation = 0
        """Raised by every invalidation; see :meth:`put`."""
        self.trusted: Callable[[], bool] = lambda: False
        """Set by the subscription feeding this cache: entries are served only while true."""
        self.on_user_invalidated: Callable[[str], None] = lambda user_id: None
        self._monotonic = monotonic
        self._sessions: dict[bytes, tuple[ActiveSession, float]] = {}
        self._digests: dict[str, bytes] = {}
        self._users: dict[str, tuple[UserView, float]] = {}
        self._keys_of: dict[str, set[str]] = {}
        self.user_loads: SingleFlight[UserView | None] = SingleFlight()
        """Concurrent misses of one user share one read (see :meth:`read_user`)."""

    def get(self, digest: bytes) -> ActiveSession | None:
        entry = self._sessions.get(digest)
        if entry is None or not self.trusted():
            return None
        if self._monotonic() >= entry[1]:
            self._drop_session(entry[0].key)
            return None
        return entry[0]

    def put(self, digest: bytes, active: ActiveSession, generation: int) -> None:
        """Cache ``active``, the session of the token whose digest is ``digest``, read from
        the store after :attr:`generation` was ``generation`` (skipped if an invalidation
        came in between, or while the cache is not trusted)."""
        if generation != self.generation or not self.trusted():
            return
        if len(self._sessions) >= self.max_entries:
            self.clear()
        key = active.key
        self._sessions[digest] = (active, self._monotonic() + self.max_age)
        self._digests[key] = digest
        user_id = active.record.user_id
        if user_id is not None:
            self._keys_of.setdefault(user_id, set()).add(key)

    def user(self, user_id: str) -> UserView | None:
        entry = self._users.get(user_id)
        if entry is None or not self.trusted() or self._monotonic() >= entry[1]:
            return None
        return entry[0]

    def put_user(self, user: UserView, generation: int) -> None:
        if generation != self.generation or not self.trusted():
            return
        if len(self._users) >= self.max_entries:
            self.clear()
        self._users[user.id] = (user, self._monotonic() + self.max_age)

    async def read_user(
        self, user_id: str, load: Callable[[], Awaitable[UserView | None]]
    ) -> UserView | None:
        """The user: the cached view, else ``load``'s (concurrent misses share one read),
        kept unless the user is gone or disabled (a cached user is one that may sign in)."""
        generation = self.generation
        cached = self.user(user_id)
        if cached is not None:
            return cached
        user = await self.user_loads.run((user_id, generation), load)
        if user is not None and not user.disabled:
            self.put_user(user, generation)
        return user

    def invalidate(self, message: bytes) -> None:
        """Apply one announcement: ``s:<storage key>`` or ``u:<user id>``; anything else
        (an unknown future form) empties the cache."""
        self.generation += 1
        kind, name = message[:2], message[2:].decode("ascii", "replace")
        if kind == SESSION:
            self._drop_session(name)
            place = tokens.split_key(name)
            if place is not None:  # its user's revocation point now names it: read it afresh
                self.on_user_invalidated(place[0])
        elif kind == USER:
            self.drop_user(name)
        else:
            self.clear()

    def drop_user(self, user_id: str) -> None:
        self.generation += 1
        self._users.pop(user_id, None)
        for key in self._keys_of.pop(user_id, ()):
            digest = self._digests.pop(key, None)
            if digest is not None:
                self._sessions.pop(digest, None)
        self.on_user_invalidated(user_id)

    def clear(self) -> None:
        self.generation += 1
        self._sessions.clear()
        self._digests.clear()
        self._users.clear()
        self._keys_of.clear()

    def _drop_session(self, key: str) -> None:
        digest = self._digests.pop(key, None)
        entry = None if digest is None else self._sessions.pop(digest, None)
        user_id = None if entry is None else entry[0].record.user_id
        if user_id is not None:
            keys = self._keys_of.get(user_id)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys_of[user_id]


class Announcer(Protocol):
    """How a process tells every process (itself included) to forget a session or a user:
    :class:`Invalidations` over Redis, :class:`~wxsession.sessions.sql_feed.SqlAnnouncer`
    over the SQL store."""

    async def session_ended(self, key: str) -> None: ...

    async def user_changed(self, user_id: str) -> None: ...


class Invalidations:
    """Announces changes on the invalidation channel, and applies them to this process's own
    cache at once (its subscription hears them again later, harmlessly).

    A failed announcement is :class:`SessionStoreUnavailable`: the caller answers 503 and the
    client retries, rather than reporting a logout other instances may not have heard of.
    ``sharded`` announces with ``SPUBLISH`` (a cluster: on the node owning the channel's slot,
    where the subscribers listen), else with ``PUBLISH``.
    """

    def __init__(
        self,
        client: Redis | RedisCluster,
        channel: str,
        cache: SessionCache | None = None,
        *,
        sharded: bool = False,
    ) -> None:
        self.client = client
        self.channel = channel
        self.cache = cache
        self.sharded = sharded

    async def session_ended(self, key: str) -> None:
        await self._announce(SESSION + key.encode("ascii"))

    async def user_changed(self, user_id: str) -> None:
        await self._announce(USER + user_id.encode("ascii"))

    async def _announce(self, message: bytes) -> None:
        if self.cache is not None:
            self.cache.invalidate(message)
        try:
            if self.sharded:
                await self.client.spublish(self.channel, message)
            else:
                await self.client.publish(self.channel, message)
        except (RedisError, OSError) as exc:
            raise SessionStoreUnavailable() from exc
