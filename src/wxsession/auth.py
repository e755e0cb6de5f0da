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
from wxsession.errors import AccountDisabled, AlreadyRegistered, NotFound
from wxsession.providers.base import Identity, Provider
from wxsession.sessions.manager import ActiveSession, Device, IssuedSession, SessionManager

audit = logging.getLogger("wxsession.audit")


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
    ) -> None:
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
        provider = self.providers.get(provider_name)
        if provider is None:
            raise NotFound(f"Unknown login provider {provider_name!r}.")
        try:
            identity = await provider.exchange(proof)
        except Exception as exc:
            audit.info(
                "login_failed provider=%s code=%s ip=%s",
                provider_name,
                getattr(exc, "code", type(exc).__name__),
                device.ip,
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
        audit.info("registered user=%s provider=%s", user.id, identity.provider)
        await self.sessions.end(active)
        return await self._start(identity, user, device, None)

    async def logout(self, active: ActiveSession) -> None:
        await self.sessions.end(active)
        audit.info("logout user=%s session=%s", active.record.user_id, active.fingerprint)

    async def _start(
        self, identity: Identity, user: User | None, device: Device, presented: str | None
    ) -> LoginResult:
        if user is not None and user.disabled:
            raise AccountDisabled()
        issued = await self.sessions.create(identity, user.id if user else None, device)
        if presented is not None:
            await self.sessions.end_token(presented)
        audit.info(
            "login user=%s provider=%s registered=%s ip=%s session=%s",
            user.id if user else None,
            identity.provider,
            user is not None,
            device.ip,
            tokens.fingerprint(issued.token),
        )
        return LoginResult(session=issued, user=user)
