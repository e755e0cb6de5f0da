"""Logging in with a platform's login code, and the registration step of a pending session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wxsession.accounts import session_keys
from wxsession.accounts.repository import AccountRepository
from wxsession.core.account_errors import AlreadyRegistered
from wxsession.core.device import Device
from wxsession.core.identity import Identity
from wxsession.core.profile import Profile
from wxsession.core.session import ActiveSession
from wxsession.metrics import Metrics
from wxsession.services.common import (
    CodeExchange,
    LoginResult,
    Starter,
    login_failure_reported,
)
from wxsession.services.events import IdentityJoined, Observer, Registered
from wxsession.services.registration_policy import RegistrationGate


class LoginService:
    def __init__(
        self,
        exchange: CodeExchange,
        starter: Starter,
        metrics: Metrics,
        emit: Observer,
        registration: RegistrationGate,
    ) -> None:
        self.exchange = exchange
        self.starter = starter
        self.accounts: AccountRepository = starter.accounts
        self.metrics = metrics
        self.emit = emit
        self.registration = registration

    async def login(
        self,
        provider_name: str,
        proof: Mapping[str, Any],
        *,
        device: Device,
        presented_token: str | None = None,
    ) -> LoginResult:
        """Exchange a login proof (``code``, and ``appid`` naming the app when the platform
        has several) for a new session.

        A session presented with the login is ended once the new one exists: every
        authentication issues a fresh token (no fixation).
        """
        return await self.metrics.observe_login(
            *self.exchange.labels(provider_name, proof.get("appid")),
            self._login(provider_name, proof, device, presented_token),
        )

    async def _login(
        self,
        provider_name: str,
        proof: Mapping[str, Any],
        device: Device,
        presented_token: str | None,
    ) -> LoginResult:
        appid, provider = self.exchange.provider(provider_name, proof.get("appid"))
        with login_failure_reported(self.emit, provider_name, appid, device, presented_token):
            identity = await self.exchange(provider, proof, device)
        return await self.sign_in(identity, device, presented_token)

    async def sign_in(
        self,
        identity: Identity,
        device: Device,
        presented_token: str | None,
        *,
        address: str | None = None,
    ) -> LoginResult:
        """The account side of every login once ``identity`` is proven: its user, a new one
        by the registration mode (a pending session when explicit; when closed, only for an
        allow-listed ``address`` the login proved), then the session."""
        found = await self.accounts.find_or_register(identity, auto=self.registration.auto)
        if found.joined and found.user is not None:
            self.emit(
                IdentityJoined(
                    user=found.user.id,
                    provider=identity.provider,
                    app=identity.app_id,
                    ip=device.ip,
                )
            )
        user = found.user
        if user is None and self.registration.closed:
            self.registration.check(identity.provider, device, address)
            user = await self.accounts.register(identity)
        if user is None:  # a pending session: its record keeps the key sealed
            identity = session_keys.for_pending_record(self.accounts.keys, identity)
        return await self.starter.start(identity, user, device, presented_token)

    async def register(
        self, active: ActiveSession, profile: Profile, device: Device
    ) -> LoginResult:
        """Complete explicit registration for a pending session; issues a fresh session."""
        if active.record.registered:
            raise AlreadyRegistered()
        self.registration.check(active.record.provider, device)  # closed since it was issued
        identity = session_keys.from_pending_record(self.accounts.keys, active.record.identity())
        user = await self.accounts.register(identity, profile)
        self.emit(
            Registered(
                user=user.id, provider=identity.provider, ip=device.ip, session=active.fingerprint
            )
        )
        await self.starter.sessions.end(active)
        return await self.starter.start(identity, user, device, None)
