"""The login use cases, independent of HTTP: proof → identity → user → session.

Framework glue (``wxsession.server``, ``wxsession.integrations``) calls these and renders the
results; the rules live here once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wxsession import tokens
from wxsession.accounts.models import User
from wxsession.accounts.repository import AccountRepository, Profile
from wxsession.audit import event as audit_event
from wxsession.errors import AccountDisabled, AlreadyRegistered, NotFound
from wxsession.metrics import UNKNOWN_PROVIDER, Metrics
from wxsession.providers.base import Identity, Provider
from wxsession.sessions.manager import ActiveSession, Device, IssuedSession, SessionManager


def _fingerprint(token: str | None) -> str | None:
    """A presented token named for the audit log (only if it has our shape: junk is not
    worth a name and must not be echoed)."""
    return tokens.fingerprint(token) if token and tokens.is_well_formed(token) else None


@dataclass(frozen=True, slots=True)
class LoginResult:
    session: IssuedSession
    user: User | None

    @property
    def registered(self) -> bool:
        return self.user is not None


class AuthService:
    def __init__(
        self,
        providers: Mapping[str, Provider],
        accounts: AccountRepository,
        sessions: SessionManager,
        *,
        auto_register: bool,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics or sessions.metrics
        self.providers = dict(providers)
        self.accounts = accounts
        self.sessions = sessions
        self.auto_register = auto_register

    async def login(
        self,
        provider_name: str,
        proof: Mapping[str, Any],
        *,
        device: Device,
        presented_token: str | None = None,
    ) -> LoginResult:
        """Exchange a login proof for a new session.

        A session presented with the login is ended once the new one exists: every
        authentication issues a fresh token (no fixation).
        """
        label = provider_name if provider_name in self.providers else UNKNOWN_PROVIDER
        return await self.metrics.observe_login(
            label, self._login(provider_name, proof, device, presented_token)
        )

    async def _login(
        self,
        provider_name: str,
        proof: Mapping[str, Any],
        device: Device,
        presented_token: str | None,
    ) -> LoginResult:
        provider = self.providers.get(provider_name)
        if provider is None:
            raise NotFound(f"Unknown login provider {provider_name!r}.")
        try:
            identity = await provider.exchange(proof)
        except Exception as exc:
            audit_event(
                "login_failed",
                level=logging.WARNING,
                provider=provider_name,
                reason=getattr(exc, "code", type(exc).__name__),
                ip=device.ip,
                presented=_fingerprint(presented_token),
            )
            raise
        user = await self.accounts.find_or_register(identity, auto=self.auto_register)
        return await self._start(identity, user, device, presented_token)

    async def register(
        self, active: ActiveSession, profile: Profile, device: Device
    ) -> LoginResult:
        """Complete explicit registration for a pending session; issues a fresh session."""
        record = active.record
        if record.registered:
            raise AlreadyRegistered()
        identity = Identity(
            provider=record.provider,
            app_id=record.app_id,
            subject=record.subject,
            union_id=record.union_id,
            session_key=record.session_key,
        )
        user = await self.accounts.register(identity, profile)
        audit_event(
            "registered",
            user=user.id,
            provider=identity.provider,
            ip=device.ip,
            session=active.fingerprint,
        )
        await self.sessions.end(active)
        return await self._start(identity, user, device, None)

    async def logout(self, active: ActiveSession, device: Device | None = None) -> None:
        await self.sessions.end(active)
        audit_event(
            "logout",
            user=active.record.user_id,
            ip=device.ip if device else None,
            session=active.fingerprint,
        )

    async def logout_everywhere(self, active: ActiveSession, device: Device) -> int:
        """End every session of the caller's user, this one included, behind a revocation
        point (so none comes back from a lost delete). Returns how many records went."""
        user_id = active.record.user_id
        if user_id is None:  # a pending session has no other sessions
            await self.logout(active, device)
            return 1
        ended = await self.sessions.revoke_all(user_id)
        audit_event(
            "logout_all", user=user_id, ip=device.ip, session=active.fingerprint, ended=ended
        )
        return ended

    async def _start(
        self, identity: Identity, user: User | None, device: Device, presented: str | None
    ) -> LoginResult:
        if user is not None and user.disabled:
            audit_event(
                "login_failed",
                level=logging.WARNING,
                user=user.id,
                provider=identity.provider,
                reason=AccountDisabled.code,
                ip=device.ip,
            )
            raise AccountDisabled()
        issued = await self.sessions.create(
            identity, user.id if user else None, device, epoch=user.session_epoch if user else 0
        )
        if presented is not None:
            await self.sessions.end_token(presented)
        audit_event(
            "login",
            user=user.id if user else None,
            provider=identity.provider,
            registered=user is not None,
            ip=device.ip,
            session=tokens.fingerprint(issued.token),
            replaced=_fingerprint(presented),
        )
        for evicted in issued.evicted:
            audit_event(
                "session_evicted", user=evicted.user_id, ip=evicted.ip, public_id=evicted.public_id
            )
        return LoginResult(session=issued, user=user)
