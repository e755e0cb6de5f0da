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
from wxsession.accounts.login_names import PASSWORD_APP_ID, PASSWORD_PROVIDER
from wxsession.accounts.models import User
from wxsession.accounts.passwords import PasswordHasher, check_new_password
from wxsession.accounts.repository import AccountRepository, Profile
from wxsession.audit import event as audit_event
from wxsession.errors import (
    AccountDisabled,
    AlreadyRegistered,
    CurrentPasswordIncorrect,
    InvalidCredentials,
    NotFound,
    PasswordNotSet,
    SessionInvalid,
)
from wxsession.metrics import UNKNOWN_PROVIDER, Metrics
from wxsession.providers.base import Identity, Provider
from wxsession.sessions.manager import ActiveSession, Device, IssuedSession, SessionManager


def _fingerprint(token: str | None) -> str | None:
    """A presented token named for the audit log (only if it has our shape: junk is not
    worth a name and must not be echoed)."""
    return tokens.fingerprint(token) if token and tokens.is_well_formed(token) else None


def _password_identity(name: str) -> Identity:
    """``name`` is already normalised (see :mod:`wxsession.accounts.login_names`)."""
    return Identity(provider=PASSWORD_PROVIDER, app_id=PASSWORD_APP_ID, subject=name)


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
        passwords: PasswordHasher | None = None,
    ) -> None:
        self.metrics = metrics or sessions.metrics
        self.passwords = passwords or PasswordHasher()
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
        if active.record.registered:
            raise AlreadyRegistered()
        identity = active.record.identity()
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

    async def register_password(self, name: str, password: str, device: Device) -> LoginResult:
        """Create a password account named ``name`` (normalised) and start its first session.

        The policy check comes before any hashing; a taken name is 409 ``IDENTITY_TAKEN``.
        """
        check_new_password(password)
        identity = _password_identity(name)
        user = await self.accounts.register_with_password(
            identity, await self.passwords.hash(password)
        )
        audit_event("registered", user=user.id, provider=PASSWORD_PROVIDER, ip=device.ip)
        return await self._start(identity, user, device, None)

    async def password_login(
        self, name: str, password: str, *, device: Device, presented_token: str | None = None
    ) -> LoginResult:
        """Sign in with a name and password. An unknown name verifies against a dummy hash,
        so it costs the same and answers the same 401 as a wrong password."""
        return await self.metrics.observe_login(
            PASSWORD_PROVIDER, self._password_login(name, password, device, presented_token)
        )

    async def _password_login(
        self, name: str, password: str, device: Device, presented_token: str | None
    ) -> LoginResult:
        identity = _password_identity(name)
        found = await self.accounts.password_login(identity)
        stored = found[1] if found else await self.passwords.dummy_hash()
        if not await self.passwords.verify(stored, password) or found is None:
            audit_event(  # the log may name the user; the response never does
                "login_failed",
                level=logging.WARNING,
                user=found[0].id if found else None,
                provider=PASSWORD_PROVIDER,
                reason=InvalidCredentials.code,
                ip=device.ip,
                presented=_fingerprint(presented_token),
            )
            raise InvalidCredentials()
        user = found[0]
        if self.passwords.needs_rehash(stored):
            await self.accounts.set_password_hash(user.id, await self.passwords.hash(password))
        return await self._start(identity, user, device, presented_token)

    async def change_password(
        self, active: ActiveSession, current: str, new: str, device: Device
    ) -> LoginResult:
        """Set a new password after checking the current one, then end every other session
        of the user behind the revocation point and issue the caller a fresh session."""
        user_id = active.record.user_id
        assert user_id is not None  # routes require a registered session
        check_new_password(new)
        stored = await self.accounts.password_hash(user_id)
        if stored is None:
            raise PasswordNotSet()
        if not await self.passwords.verify(stored, current):
            audit_event(
                "password_change_failed",
                level=logging.WARNING,
                user=user_id,
                reason=CurrentPasswordIncorrect.code,
                ip=device.ip,
                session=active.fingerprint,
            )
            raise CurrentPasswordIncorrect()
        await self.accounts.set_password_hash(user_id, await self.passwords.hash(new))
        ended = await self.sessions.revoke_all(user_id)
        audit_event(
            "password_changed",
            user=user_id,
            ip=device.ip,
            session=active.fingerprint,
            ended=max(ended - 1, 0),
        )
        user = await self.accounts.get_user(user_id)
        if user is None:  # deleted meanwhile
            raise SessionInvalid()
        return await self._start(active.record.identity(), user, device, None)

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
