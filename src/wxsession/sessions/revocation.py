"""The per-user revocation point, checked on the hot path without SQL on every request.

Each user row holds a ``session_epoch``; each session record carries the epoch it was issued
under. "Log out everywhere", disabling a user and a password change raise the epoch in
SQL, so a record issued before stays dead even if its store key survives a lost delete, a
replica promotion or a restore. The epoch is an integer, not a timestamp: it does not depend on
the clocks of several server instances agreeing. A session ended on its own (a logout, ending
one or the other sessions) is named in SQL too (:mod:`wxsession.sessions.ended`), so the
point is the epoch plus the public ids of those sessions, read together.

Reading SQL on every request is what the design forbids, so each process caches a user's
epoch for ``ttl`` seconds. The accepted window: a revocation made by *another* process (or the
admin CLI) is honoured here at most ``ttl`` seconds late, and only for a record whose store key
survived the delete that came with the revocation. A revocation made through this process
updates its cache at once; with the Redis store, one made elsewhere is announced on the
invalidation channel and drops the entry here as well (:mod:`wxsession.sessions.cache`). A
user that no longer exists has no epoch: their sessions are refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

from wxsession.core.clock import Clock, system_clock
from wxsession.core.errors import SessionInvalid
from wxsession.core.record import SessionRecord
from wxsession.core.session_errors import SessionReplaced, SessionRevoked
from wxsession.core.singleflight import SingleFlight

MAX_ENTRIES = 50_000
"""Cached users per process; the cache is cleared when full (a cheap, bounded policy)."""


LOGOUT = "logout"
"""Why a session ended: its holder logged out (nothing to tell them: ``SESSION_INVALID``)."""
REVOKED = "revoked"
"""Ended on purpose from elsewhere: log out everywhere, a password change, another session of
the user, an operator (``SESSION_REVOKED``)."""
REPLACED = "replaced"
"""Ended by a login beyond the per-user cap (``SESSION_REPLACED``)."""
_REFUSALS: dict[str, type[SessionInvalid]] = {REVOKED: SessionRevoked, REPLACED: SessionReplaced}


@dataclass(frozen=True, slots=True)
class RevocationPoint:
    """What a user's sessions must pass: issued at ``epoch`` or later, and not ended alone."""

    epoch: int
    ended: Mapping[str, str]
    """Public ids of the user's sessions ended one by one (until they would have lapsed),
    each with why (:data:`LOGOUT`, :data:`REVOKED`, :data:`REPLACED`)."""

    def refusal(self, public_id: str, *, issued: bool = False) -> SessionInvalid:
        """The answer to a token whose session is ``public_id`` and is refused: why it ended
        if this point names it; else, for a session known to have been ``issued`` (its record
        was read), below the epoch means revoked; else nothing is known (``SESSION_INVALID``:
        a token never issued looks the same). Only a token's holder can name its public id."""
        reason = self.ended.get(public_id)
        if reason is None and issued:
            reason = REVOKED
        return _REFUSALS.get(reason or LOGOUT, SessionInvalid)()


class RevocationSource(Protocol):
    """Where revocation points live (:class:`~wxsession.sessions.ended.SqlRevocations`)."""

    async def revocation_point(self, user_id: str, now: float) -> RevocationPoint | None: ...

    async def raise_session_epoch(self, user_id: str) -> int | None: ...

    async def end_sessions(
        self, user_id: str, public_ids: Collection[str], until: float, now: float, reason: str
    ) -> None: ...


class RevocationCache:
    """A user's current revocation point, read through a short-lived in-process cache."""

    def __init__(
        self,
        source: RevocationSource,
        *,
        ttl: float = 5.0,
        clock: Clock = system_clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.ttl = ttl
        self.clock = clock
        """Wall time for the ended sessions' lapse (the session manager's clock)."""
        self._monotonic = monotonic
        self._entries: dict[str, tuple[RevocationPoint | None, float]] = {}
        self._forgotten = 0
        """Counts :meth:`forget` calls, so a read that raced one is not cached."""
        self._loads: SingleFlight[RevocationPoint | None] = SingleFlight()

    async def point(self, user_id: str) -> RevocationPoint | None:
        """The user's revocation point (``None``: the user is gone), from the cache if fresh
        enough."""
        held = self._held(user_id)
        if held is not None:
            return held[0]
        return await self.current(user_id)

    async def current(self, user_id: str) -> RevocationPoint | None:
        """The user's point read from SQL now (concurrent reads of one user share one), and
        cached: why a refused session ended must not be ``ttl`` seconds late, or a device
        replaced through another process would be told ``SESSION_INVALID`` and log in again."""
        now = self._monotonic()
        forgotten = self._forgotten
        point = await self._loads.run(
            (user_id, forgotten), lambda: self.source.revocation_point(user_id, self.clock())
        )
        if forgotten == self._forgotten:  # else the read may predate what forget() announced
            self._remember(user_id, point, now)
        return point

    def known(self, user_id: str) -> RevocationPoint | None:
        """The user's point if this process holds a fresh one, else ``None`` (not held, or the
        user is gone): the per-request check without a coroutine; :meth:`point` does the rest."""
        held = self._held(user_id)
        return None if held is None else held[0]

    def _held(self, user_id: str) -> tuple[RevocationPoint | None, float] | None:
        """The user's entry, ``(point, fresh until)``, while it is fresh (the point is
        ``None`` for a gone user), else ``None``."""
        cached = self._entries.get(user_id)
        if cached is not None and self._monotonic() < cached[1]:
            return cached
        return None

    async def revoke(self, user_id: str, public_ids: Collection[str], until: float) -> int | None:
        """Raise the user's epoch in SQL (ending every session issued so far), after naming
        the sessions it ends (``public_ids``, the live ones found) as revoked until ``until``,
        so their holders learn why; this process reads the user's point afresh next time."""
        if public_ids:
            await self.source.end_sessions(user_id, public_ids, until, self.clock(), REVOKED)
        epoch = await self.source.raise_session_epoch(user_id)
        self.forget(user_id)
        return epoch

    async def end(
        self, user_id: str, public_ids: Collection[str], until: float, reason: str
    ) -> None:
        """Record in SQL that these sessions of the user ended and why (remembered until
        ``until``); this process reads the user's point afresh next time."""
        await self.source.end_sessions(user_id, public_ids, until, self.clock(), reason)
        self.forget(user_id)

    def forget(self, user_id: str) -> None:
        """Drop a cached entry (the user changed here or, announced, on another instance)."""
        self._forgotten += 1
        self._entries.pop(user_id, None)

    def _remember(self, user_id: str, point: RevocationPoint | None, now: float) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[user_id] = (point, now + self.ttl)


def admitted(record: SessionRecord, point: RevocationPoint | None) -> bool:
    """Whether a session issued at ``record.epoch`` survives the user's revocation point
    (``None``: the user is gone, and so are their sessions)."""
    return point is not None and record.epoch >= point.epoch and record.public_id not in point.ended
