"""A user's sessions: list them, end one by its public id, end the others, log out (here or
everywhere). An operator ends them through the same calls (``by`` says who acted).

Sessions are named by their ``public_id`` only: never the token, never its store key. Every
lookup is scoped to one user, so another user's session id is simply "not found".
"""

from __future__ import annotations

from wxsession.audit import Actor, BySession
from wxsession.core.device import Device
from wxsession.core.errors import NotFound
from wxsession.core.record import SessionRecord
from wxsession.core.session import ActiveSession, RegisteredSession
from wxsession.services.events import (
    LoggedOut,
    LoggedOutEverywhere,
    Observer,
    SessionRevoked,
    SessionsRevoked,
)
from wxsession.sessions.manager import SessionManager


class SessionService:
    def __init__(self, sessions: SessionManager, emit: Observer) -> None:
        self.sessions = sessions
        self.emit = emit

    async def list(self, user_id: str) -> list[SessionRecord]:
        """The user's live sessions, oldest first."""
        return [record for _, record in await self.sessions.list_active(user_id)]

    async def end_one(self, user_id: str, public_id: str, by: Actor) -> SessionRecord | None:
        """End the user's session named ``public_id``; ``None`` if they have no such session.
        Audited once SQL holds the end, whatever the store does next."""
        ended = await self.sessions.end_by_public_id(user_id, public_id)
        if ended is not None:
            self.emit(SessionRevoked(user=user_id, by=by, public_id=ended.public_id))
        return ended

    async def end_own(self, active: RegisteredSession, public_id: str, device: Device) -> bool:
        """End one of the caller's sessions (404 if it is not theirs); whether it was the
        caller's own."""
        by = BySession(device.ip, active.fingerprint)
        ended = await self.end_one(active.user_id, public_id, by)
        if ended is None:
            raise NotFound("No such session.")
        return ended.public_id == active.record.public_id

    async def end_others(self, active: RegisteredSession, device: Device) -> int:
        """End every session of the caller's user but this one; how many ended."""
        ended = len(await self.sessions.end_others(active))
        by = BySession(device.ip, active.fingerprint)
        self.emit(SessionsRevoked(user=active.user_id, by=by, ended=ended))
        return ended

    async def revoke_all(self, user_id: str, by: Actor) -> int | None:
        """End every session of the user behind a revocation point; how many records went
        (``None``: every session is refused, the store's deletes are pending)."""
        ended = await self.sessions.revoke_all(user_id)
        self.emit(SessionsRevoked(user=user_id, by=by, ended=ended))
        return ended

    async def end_refused(self, user_id: str) -> int | None:
        """Delete the records of a user SQL already refuses (disabled or deleted); how many
        went (``None``: the store's deletes are pending). Audited by the act that refused."""
        return await self.sessions.end_recorded(user_id)

    async def logout(self, active: ActiveSession, device: Device | None = None) -> None:
        await self.sessions.end(active)
        self.emit(
            LoggedOut(
                user=active.record.user_id,
                ip=device.ip if device else None,
                session=active.fingerprint,
            )
        )

    async def logout_everywhere(self, active: ActiveSession, device: Device) -> int | None:
        """End every session of the caller's user, this one included, behind a revocation
        point (so none comes back from a lost delete). Returns how many records went
        (``None``: the store's deletes are pending, the sessions refused all the same)."""
        user_id = active.record.user_id
        if user_id is None:  # a pending session has no other sessions
            await self.logout(active, device)
            return 1
        ended = await self.sessions.revoke_all(user_id)
        self.emit(
            LoggedOutEverywhere(user=user_id, ip=device.ip, session=active.fingerprint, ended=ended)
        )
        return ended
