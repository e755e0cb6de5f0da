"""Session lifecycle rules: issue, resolve (the per-request hot path), renew, end.

Expiry is decided here from the record's timestamps and the injected clock: an idle timeout
(``idle_ttl``, sliding on use) capped by an absolute lifetime (``max_age``). To keep the hot
path to one store round trip, a use renews the record only when ``touch_interval`` seconds
have passed since the last renewal; the effective idle timeout is therefore between
``idle_ttl - touch_interval`` and ``idle_ttl``.
"""

from __future__ import annotations

from dataclasses import dataclass

from wxsession import tokens
from wxsession.clock import Clock, system_clock
from wxsession.errors import SessionExpired, SessionInvalid
from wxsession.providers.base import Identity
from wxsession.sessions.model import SessionRecord
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
    ) -> None:
        self.store = store
        self.idle_ttl = idle_ttl
        self.max_age = max_age
        self.touch_interval = touch_interval
        self.clock = clock

    async def create(
        self, identity: Identity, user_id: str | None, device: Device | None = None
    ) -> IssuedSession:
        """Issue a new token for ``identity`` (bound to ``user_id``, or pending registration)."""
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
        )
        token = tokens.new_token()
        await self.store.create(tokens.storage_key(token), record, now)
        return IssuedSession(token=token, record=record)

    async def resolve(self, token: str) -> ActiveSession:
        """The live session behind ``token``, renewed if due; raises on anything else."""
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

    def expires_in(self, record: SessionRecord) -> int:
        """Seconds until the session lapses if unused (what clients are told)."""
        return max(0, round(min(record.expires_at, record.absolute_expires_at) - self.clock()))
