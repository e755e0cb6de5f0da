"""Session lifecycle rules: issue, resolve (the per-request hot path), renew, end.

Expiry is decided here from the record's timestamps and the injected clock: an idle timeout
(``idle_ttl``, sliding on use) capped by an absolute lifetime (``max_age``). To keep the hot
path to one store round trip, a use renews the record only when ``touch_interval`` seconds
have passed since the last renewal; the effective idle timeout is therefore between
``idle_ttl - touch_interval`` and ``idle_ttl``.

A registered user's session is also checked against the user's revocation point (see
:mod:`wxsession.sessions.revocation`), and a user keeps at most ``max_sessions`` live
sessions: a login beyond that ends the oldest ones.

With a :class:`~wxsession.sessions.cache.SessionCache` (a Redis store, or the SQL store on a
SQLite file), a session seen recently resolves from memory; every way a session ends is
announced through ``invalidations`` so each instance forgets it before its next request (see
:mod:`wxsession.sessions.cache` and :mod:`wxsession.sessions.sql_feed`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from wxsession.core import tokens
from wxsession.core.clock import Clock, system_clock
from wxsession.core.device import Device
from wxsession.core.errors import SessionExpired, SessionInvalid
from wxsession.core.identity import Identity
from wxsession.core.record import SessionRecord
from wxsession.core.session import ActiveSession
from wxsession.core.singleflight import SingleFlight
from wxsession.metrics import Metrics
from wxsession.sessions import useragent
from wxsession.sessions.cache import Announcer, SessionCache
from wxsession.sessions.revocation import (
    LOGOUT,
    REPLACED,
    REVOKED,
    RevocationCache,
    RevocationPoint,
    admitted,
)
from wxsession.sessions.store import SessionStore, pending_on_failure

END_MARGIN = 60.0
"""Seconds a durable end is kept beyond the idle timeout counted from the end: a renewal
admitted just before the end (its store write racing the delete) cannot push the record's
life further than the time it takes to write, and this covers it."""


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A new session: the token goes to the client once; the record stays here."""

    token: str
    record: SessionRecord
    evicted: tuple[SessionRecord, ...] = ()
    """Older sessions of the same user ended to respect ``max_sessions``."""


class SessionManager:
    def __init__(
        self,
        store: SessionStore,
        *,
        idle_ttl: int,
        max_age: int,
        touch_interval: int,
        clock: Clock = system_clock,
        metrics: Metrics | None = None,
        max_sessions: int | None = None,
        revocations: RevocationCache | None = None,
        cache: SessionCache | None = None,
        invalidations: Announcer | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics or Metrics()
        self.idle_ttl = idle_ttl
        self.max_age = max_age
        self.touch_interval = touch_interval
        self.clock = clock
        self.max_sessions = max_sessions
        self.revocations = revocations
        self.cache = cache
        self.invalidations = invalidations
        self._loads: SingleFlight[ActiveSession] = SingleFlight()
        if cache is not None and revocations is not None:
            cache.on_user_invalidated = revocations.forget

    async def create(
        self,
        identity: Identity,
        user_id: str | None,
        device: Device | None = None,
        *,
        epoch: int = 0,
    ) -> IssuedSession:
        """Issue a new token for ``identity`` (bound to ``user_id``, or pending registration).

        ``epoch`` is the user's revocation point as read at login. Beyond ``max_sessions`` the
        user's oldest sessions are ended (see :attr:`IssuedSession.evicted`).
        """
        device = device or Device()
        now = self.clock()
        absolute = now + self.max_age
        token = tokens.new_token(user_id)
        key = tokens.storage_key(token)
        # A registered session names its way in by provider and app only: the identity row
        # holds the openid, unionid and newest session_key (wechat_routes reads them there).
        # Only a pending session keeps them, to register with.
        pending = user_id is None
        record = SessionRecord(
            public_id=tokens.public_id(key),
            user_id=user_id,
            provider=identity.provider,
            app_id=identity.app_id,
            subject=identity.subject if pending else None,
            union_id=identity.union_id if pending else None,
            session_key=identity.session_key if pending else None,
            created_at=now,
            last_seen=now,
            expires_at=min(now + self.idle_ttl, absolute),
            absolute_expires_at=absolute,
            user_agent=useragent.label(device.user_agent),
            ip=device.ip,
            epoch=epoch,
        )
        held = await self.store.create(key, record, now)
        evicted: list[SessionRecord] = []
        if user_id is not None and self.max_sessions is not None and held > self.max_sessions:
            evicted = await self._evict_beyond_limit(user_id, key, epoch)
        return IssuedSession(token=token, record=record, evicted=tuple(evicted))

    async def resolve(self, token: str) -> ActiveSession:
        """The live session behind ``token``, renewed if due; raises on anything else. Every
        call is counted and timed in the validation metrics."""
        hit = self.hit(token)
        if hit is not None:
            return hit
        started = time.perf_counter()
        try:
            if not tokens.is_well_formed(token):
                raise SessionInvalid()
            digest = tokens.digest(token)
            active = await self._resolve(token, digest, self._cached(digest))
        except Exception as exc:
            self.metrics.count_validation(started, exc)
            raise
        self.metrics.count_validation(started)
        return active

    def hit(self, token: str) -> ActiveSession | None:
        """:meth:`resolve` when it would await nothing: the cached session of a well-formed
        ``token``, within its user's revocation point as this process holds it, counted as
        a validation. ``None`` otherwise (nothing counted): call :meth:`resolve`."""
        started = time.perf_counter()
        if not tokens.may_be_cached(token):
            return None
        active = self._cached(tokens.digest(token))
        if active is None or not self._known_within_revocation_point(active.record):
            return None
        self.metrics.count_validation(started)
        return active

    def _cached(self, digest: bytes) -> ActiveSession | None:
        """The cached session of the token whose digest is ``digest`` if it is neither expired
        nor due for renewal; anything else is decided on the store's copy, never the cache's
        (another instance may have renewed it). Synchronous, like the revocation check after
        it when this process holds the user's epoch: a hit (most requests) awaits nothing."""
        cache = self.cache
        active = None if cache is None else cache.get(digest)
        if active is None:
            return None
        record = active.record
        now = self.clock()
        if record.is_expired(now) or now - record.last_seen >= self.touch_interval:
            return None
        return active

    async def _resolve(
        self, token: str, digest: bytes, cached: ActiveSession | None
    ) -> ActiveSession:
        """The session of ``token``: ``cached`` if its user's revocation point, read now,
        admits it and the cache still vouches for it once that read is back (a slow read must
        not stretch a hit past the subscriber's proof, nor past an invalidation that came
        meanwhile); else the store's copy, checked, renewed if due, and cached."""
        if (
            cached is not None
            and await self._within_revocation_point(cached.record)
            and self._cached(digest) is cached
        ):
            return cached
        key = tokens.key_from(token, digest)
        cache = self.cache
        if cache is None:
            return await self._load(key, digest, None, 0)
        generation = cache.generation
        # One read (and renewal) per token however many requests carry it: when its cached
        # copy falls due for renewal, the requests in flight would each read and write the
        # record; on SQLite each commit also sends every process's cache to the store. The
        # generation in the key keeps a request that follows an invalidation out of a load
        # that started before it.
        return await self._loads.run(
            (digest, generation), lambda: self._load(key, digest, cache, generation)
        )

    async def _load(
        self, key: str, digest: bytes, cache: SessionCache | None, generation: int
    ) -> ActiveSession:
        """The store's copy of the session at ``key``, checked, renewed if due, and cached."""
        record = await self.store.get(key)
        if record is None:
            raise await self._refusal(key)
        now = self.clock()
        if record.is_expired(now):
            await self.store.delete(key)
            raise SessionExpired()
        if not await self._within_revocation_point(record):
            await self.store.delete(key)  # a survivor of a lost delete: finish the job
            raise await self._refusal(key, record)
        if now - record.last_seen >= self.touch_interval:
            record = record.touched(now, self.idle_ttl)
            if not await self.store.touch(key, record, now):
                raise await self._refusal(key)  # ended by a concurrent end: stays ended
        active = ActiveSession.of(key, record)
        if cache is not None:
            cache.put(digest, active, generation)
        return active

    async def _refusal(self, key: str, record: SessionRecord | None = None) -> SessionInvalid:
        """Why the session at ``key`` is refused (``record``: its surviving copy), told only
        to whoever presented its token: the user's revocation point, read afresh (an end
        made through another process counts at once), names the reason. Asked only once the
        store has no live record, never for a valid session; a pending session, a gone user
        or a token never issued learn nothing."""
        place = tokens.split_key(key)
        if place is None or self.revocations is None:
            return SessionInvalid()
        point = await self.revocations.current(place[0])
        if point is None:
            return SessionInvalid()
        public_id = tokens.public_id(key) if record is None else record.public_id
        return point.refusal(public_id, issued=record is not None)

    async def end(self, session: ActiveSession) -> None:
        await self._end(session.record.user_id, [(session.key, session.record)])

    async def end_token(self, token: str) -> None:
        """End the session behind a presented token, if it is one of ours."""
        if tokens.is_well_formed(token):
            key = tokens.storage_key(token)
            place = tokens.split_key(key)
            await self._end(None if place is None else place[0], [(key, None)])

    async def end_all_for_user(self, user_id: str) -> int:
        ended = await self.store.delete_for_user(user_id)
        await self.user_changed(user_id)
        return ended

    async def revoke_all(self, user_id: str) -> int | None:
        """Log the user out everywhere: raise the revocation point first (so a session whose
        delete is lost stays dead), then delete every record. Returns how many were deleted,
        ``None`` when the store's deletes are pending (:meth:`end_recorded`)."""
        if self.revocations is None:
            return await self.end_all_for_user(user_id)
        listed = self.store.list_for_user(user_id, self.clock())
        live = await pending_on_failure(listed, "revocation") or []
        public_ids = [record.public_id for _, record in live]
        await self.revocations.revoke(user_id, public_ids, self._end_remembered_until())
        return await self.end_recorded(user_id)

    async def end_recorded(self, user_id: str) -> int | None:
        """Delete every record of a user whose sessions SQL already refuses (a raised
        revocation point, a disable, a delete). Whatever the store says they are refused, so
        if it fails the deletes are left pending (logged; the records are refused and deleted
        when presented, or lapse) and ``None`` is returned, not a 503."""
        return await pending_on_failure(self.end_all_for_user(user_id), "ending every session")

    async def user_changed(self, user_id: str) -> None:
        """Tell every instance to forget what it cached of the user (their sessions and row):
        after a profile change, a disable, a delete or a revocation."""
        if self.invalidations is not None:
            await self.invalidations.user_changed(user_id)

    async def list_active(self, user_id: str) -> list[tuple[str, SessionRecord]]:
        """The user's live sessions, oldest first, with their store keys."""
        point = None
        if self.revocations is not None:
            point = await self.revocations.point(user_id)
            if point is None:
                return []  # the user is gone: none of their sessions is live
        return await self._live(user_id, point)

    async def _live(
        self, user_id: str, point: RevocationPoint | None
    ) -> list[tuple[str, SessionRecord]]:
        """The user's unexpired sessions that ``point`` admits (all without one)."""
        found = await self.store.list_for_user(user_id, self.clock())
        if point is None:
            return found
        return [(key, record) for key, record in found if admitted(record, point)]

    async def end_by_public_id(self, user_id: str, public_id: str) -> SessionRecord | None:
        """End one of the user's own sessions, named by its public id; ``None`` if the user
        has no such session (another user's id is "not found" too)."""
        for key, record in await self.list_active(user_id):
            if record.public_id == public_id:
                await self._end(user_id, [(key, record)], REVOKED)
                return record
        return None

    async def end_others(self, active: ActiveSession) -> list[SessionRecord]:
        """End every session of the user except ``active``; returns the ended records."""
        user_id = active.record.user_id
        if user_id is None:
            return []
        others = [
            (key, record)
            for key, record in await self.store.list_for_user(user_id, self.clock())
            if key != active.key
        ]
        await self._end(user_id, others, REVOKED)
        return [record for _, record in others]

    async def _evict_beyond_limit(
        self, user_id: str, new_key: str, epoch: int
    ) -> list[SessionRecord]:
        """End the user's oldest sessions beyond ``max_sessions``. ``epoch`` is the
        revocation point the login just read with the user row, so it needs no second read.
        Called only when the count the store returned from the login's write (an upper
        bound of the live sessions) exceeds the cap, so a login within it lists nothing."""
        assert self.max_sessions is not None
        point = RevocationPoint(epoch, {}) if self.revocations is not None else None
        live = await self._live(user_id, point)
        excess = max(0, len(live) - self.max_sessions)
        evicted = [item for item in live if item[0] != new_key][:excess]
        await self._end(user_id, evicted, REPLACED)
        return [record for _, record in evicted]

    async def _end(
        self,
        user_id: str | None,
        ended: Sequence[tuple[str, SessionRecord | None]],
        reason: str = LOGOUT,
    ) -> None:
        """End ``user_id``'s sessions ``ended`` (store key, and record when read) for good:
        recorded in SQL first by public id with ``reason`` (a durable end: their delete may be
        lost in a failover), then deleted and announced. Once recorded, a store failure leaves the
        deletes pending (logged), not a 503: the sessions are refused already. A pending
        session has no user to record it under; its delete is all there is."""
        if not ended:
            return
        if self.revocations is None or user_id is None:
            for key, _ in ended:
                await self._delete(key)
            return
        public_ids = [tokens.public_id(key) if r is None else r.public_id for key, r in ended]
        await self.revocations.end(user_id, public_ids, self._end_remembered_until(), reason)
        for key, _ in ended:
            await pending_on_failure(self._delete(key), "end session")

    def _end_remembered_until(self) -> float:
        """Until when an end made now is kept: past any renewal that could have raced it."""
        return self.clock() + self.idle_ttl + END_MARGIN

    async def _delete(self, key: str) -> bool:
        """Delete one record and announce it (even if it was already gone: a retried logout
        must still reach instances that missed the first announcement)."""
        deleted = await self.store.delete(key)
        if self.invalidations is not None:
            await self.invalidations.session_ended(key)
        return deleted

    def _known_within_revocation_point(self, record: SessionRecord) -> bool:
        """:meth:`_within_revocation_point` when this process holds the user's epoch; False
        when it does not (the caller then asks the coroutine)."""
        if record.user_id is None or self.revocations is None:
            return True
        return admitted(record, self.revocations.known(record.user_id))

    async def _within_revocation_point(self, record: SessionRecord) -> bool:
        """False when the user is gone or revoked every session issued before ``record``'s
        epoch. Pending sessions have no user and nothing to check."""
        if record.user_id is None or self.revocations is None:
            return True
        return admitted(record, await self.revocations.point(record.user_id))

    def expires_in(self, record: SessionRecord) -> int:
        """Seconds until the session lapses if unused (what clients are told)."""
        return max(0, round(min(record.expires_at, record.absolute_expires_at) - self.clock()))
