"""Session lifecycle rules: issue, resolve (the per-request hot path), renew, end.

Expiry is decided here from the record's timestamps and the injected clock: an idle timeout
(``idle_ttl``, sliding on use) capped by an absolute lifetime (``max_age``). To keep the hot
path to one store round trip, a use renews the record only when ``touch_interval`` seconds
have passed since the last renewal; the effective idle timeout is therefore between
``idle_ttl - touch_interval`` and ``idle_ttl``.

A registered user's session is also checked against the user's revocation point (see
:mod:`wxsession.sessions.revocation`), and a user keeps at most ``max_sessions`` live
sessions: a login beyond that ends the oldest ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from wxsession import tokens
from wxsession.clock import Clock, system_clock
from wxsession.errors import SessionExpired, SessionInvalid
from wxsession.metrics import Metrics
from wxsession.providers.base import Identity
from wxsession.sessions.model import SessionRecord
from wxsession.sessions.revocation import RevocationCache
from wxsession.sessions.store import SessionStore

MAX_USER_AGENT = 256


@dataclass(frozen=True, slots=True)
class Device:
    """Where a login came from, kept on the session for the user to review."""

    user_agent: str | None = None
    ip: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A new session: the token goes to the client once; the record stays here."""

    token: str
    record: SessionRecord
    evicted: tuple[SessionRecord, ...] = ()
    """Older sessions of the same user ended to respect ``max_sessions``."""


@dataclass(frozen=True, slots=True)
class ActiveSession:
    """A session resolved from a request: its store key and log fingerprint, never the token."""

    key: str
    record: SessionRecord
    fingerprint: str


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
    ) -> None:
        self.store = store
        self.metrics = metrics or Metrics()
        self.idle_ttl = idle_ttl
        self.max_age = max_age
        self.touch_interval = touch_interval
        self.clock = clock
        self.max_sessions = max_sessions
        self.revocations = revocations

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
        record = SessionRecord(
            public_id=tokens.new_public_id(),
            user_id=user_id,
            provider=identity.provider,
            app_id=identity.app_id,
            subject=identity.subject,
            union_id=identity.union_id,
            session_key=identity.session_key,
            created_at=now,
            last_seen=now,
            expires_at=min(now + self.idle_ttl, absolute),
            absolute_expires_at=absolute,
            user_agent=(device.user_agent or None) and device.user_agent[:MAX_USER_AGENT],
            ip=device.ip,
            epoch=epoch,
        )
        token = tokens.new_token()
        key = tokens.storage_key(token)
        await self.store.create(key, record, now)
        evicted: list[SessionRecord] = []
        if user_id is not None and self.max_sessions is not None:
            evicted = await self._evict_beyond_limit(user_id, key)
        return IssuedSession(token=token, record=record, evicted=tuple(evicted))

    async def resolve(self, token: str) -> ActiveSession:
        """The live session behind ``token``, renewed if due; raises on anything else."""
        return await self.metrics.observe_validation(self._resolve(token))

    async def _resolve(self, token: str) -> ActiveSession:
        if not tokens.is_well_formed(token):
            raise SessionInvalid()
        key = tokens.storage_key(token)
        record = await self.store.get(key)
        if record is None:
            raise SessionInvalid()
        now = self.clock()
        if record.is_expired(now):
            await self.store.delete(key)
            raise SessionExpired()
        if not await self._within_revocation_point(record):
            await self.store.delete(key)  # a survivor of a lost delete: finish the job
            raise SessionInvalid()
        if now - record.last_seen >= self.touch_interval:
            record = record.touched(now, self.idle_ttl)
            if not await self.store.touch(key, record, now):
                raise SessionInvalid()  # ended by a concurrent logout: stays ended
        return ActiveSession(key=key, record=record, fingerprint=tokens.fingerprint(token))

    async def end(self, session: ActiveSession) -> None:
        await self.store.delete(session.key)

    async def end_token(self, token: str) -> None:
        """End the session behind a presented token, if it is one of ours."""
        if tokens.is_well_formed(token):
            await self.store.delete(tokens.storage_key(token))

    async def end_all_for_user(self, user_id: str) -> int:
        return await self.store.delete_for_user(user_id)

    async def revoke_all(self, user_id: str) -> int:
        """Log the user out everywhere: raise the revocation point first (so a session whose
        delete is lost stays dead), then delete every record. Returns how many were deleted."""
        if self.revocations is not None:
            await self.revocations.revoke(user_id)
        return await self.store.delete_for_user(user_id)

    async def list_active(self, user_id: str) -> list[tuple[str, SessionRecord]]:
        """The user's live sessions, oldest first, with their store keys."""
        now = self.clock()
        found = await self.store.list_for_user(user_id)
        floor = 0
        if self.revocations is not None:
            epoch = await self.revocations.epoch(user_id)
            if epoch is None:
                return []  # the user is gone: none of their sessions is live
            floor = epoch
        return [(k, r) for k, r in found if not r.is_expired(now) and r.epoch >= floor]

    async def end_by_public_id(self, user_id: str, public_id: str) -> SessionRecord | None:
        """End one of the user's own sessions, named by its public id; ``None`` if the user
        has no such session (another user's id is "not found" too)."""
        for key, record in await self.list_active(user_id):
            if record.public_id == public_id:
                return record if await self.store.delete(key) else None
        return None

    async def end_others(self, active: ActiveSession) -> list[SessionRecord]:
        """End every session of the user except ``active``; returns the ended records."""
        user_id = active.record.user_id
        if user_id is None:
            return []
        ended = []
        for key, record in await self.store.list_for_user(user_id):
            if key != active.key and await self.store.delete(key):
                ended.append(record)
        return ended

    async def _evict_beyond_limit(self, user_id: str, new_key: str) -> list[SessionRecord]:
        assert self.max_sessions is not None
        live = await self.list_active(user_id)
        excess = len(live) - self.max_sessions
        evicted: list[SessionRecord] = []
        for key, record in (item for item in live if item[0] != new_key):
            if len(evicted) >= excess:
                break
            if await self.store.delete(key):
                evicted.append(record)
        return evicted

    async def _within_revocation_point(self, record: SessionRecord) -> bool:
        """False when the user is gone or revoked every session issued before ``record``'s
        epoch. Pending sessions have no user and nothing to check."""
        if record.user_id is None or self.revocations is None:
            return True
        epoch = await self.revocations.epoch(record.user_id)
        return epoch is not None and record.epoch >= epoch

    def expires_in(self, record: SessionRecord) -> int:
        """Seconds until the session lapses if unused (what clients are told)."""
        return max(0, round(min(record.expires_at, record.absolute_expires_at) - self.clock()))
