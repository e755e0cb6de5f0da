"""The login use cases, independent of HTTP: proof → identity → user → session.

Framework glue (``wxsession.server``, ``wxsession.integrations``) calls these and renders the
results; the rules live here once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from wxsession.accounts import session_keys
from wxsession.accounts.login_names import PASSWORD_APP_ID, PASSWORD_PROVIDER
from wxsession.accounts.passwords import PasswordHasher, check_new_password
from wxsession.accounts.repository import AccountRepository
from wxsession.audit import event as audit_event
from wxsession.core import tokens
from wxsession.core.device import Device
from wxsession.core.errors import (
    AccountDisabled,
    AlreadyRegistered,
    CurrentPasswordIncorrect,
    InvalidCredentials,
    NotFound,
    PasswordNotSet,
    RateLimited,
    SessionInvalid,
)
from wxsession.core.identity import Identity
from wxsession.core.profile import Profile
from wxsession.core.session import ActiveSession, RegisteredSession
from wxsession.core.user import UserView
from wxsession.metrics import UNKNOWN_PROVIDER, Metrics
from wxsession.platforms.provider import Provider
from wxsession.reauth import Proof, Reauthenticator
from wxsession.sessions.manager import IssuedSession, SessionManager
from wxsession.throttle import LoginThrottle
from wxsession.throttle.codes import CodeLoginRefused, CodeLoginThrottle


def _others(ended: int | None) -> int | None:
    """How many sessions besides the caller's own an end-everywhere ended (``None``: the
    store's deletes are pending)."""
    return None if ended is None else max(ended - 1, 0)


def _fingerprint(token: str | None) -> str | None:
    """A presented token named for the audit log (only if it has our shape: junk is not
    worth a name and must not be echoed)."""
    return tokens.fingerprint(token) if token and tokens.is_well_formed(token) else None


def _password_identity(name: str) -> Identity:
    """``name`` is already normalised (see :mod:`wxsession.accounts.login_names`)."""
    return Identity(provider=PASSWORD_PROVIDER, app_id=PASSWORD_APP_ID, subject=name)


def _way_in(active: ActiveSession) -> Identity:
    """The provider and app the caller's registered session came in through, for the fresh
    session that replaces it. That is all a registered session records (the identity row in
    SQL has the openid and keys), so the subject is left empty: nothing reads it."""
    record = active.record
    return Identity(provider=record.provider, app_id=record.app_id, subject="")


SHOWN_NAME_CHARS = 32
"""How much of an unknown provider name a 404 repeats: the name is the client's (a URL path
segment of any length)."""


def _unknown_provider(name: str) -> NotFound:
    """404 naming the provider asked for, cut to :data:`SHOWN_NAME_CHARS` characters;
    ``repr`` escapes whatever in it is not printable."""
    shown = name if len(name) <= SHOWN_NAME_CHARS else name[:SHOWN_NAME_CHARS] + "…"
    return NotFound(f"Unknown login provider {shown!r}.")


@asynccontextmanager
async def _audit_failure(
    name: str, active: ActiveSession, provider: str, device: Device
) -> AsyncIterator[None]:
    """Log audit event ``name`` with the reason (the error code) when the block fails."""
    try:
        yield
    except Exception as exc:
        audit_event(
            name,
            level=logging.WARNING,
            user=active.record.user_id,
            provider=provider,
            reason=getattr(exc, "code", type(exc).__name__),
            ip=device.ip,
            session=active.fingerprint,
        )
        raise


@dataclass(frozen=True, slots=True)
class LoginResult:
    session: IssuedSession
    user: UserView | None

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
        throttle: LoginThrottle,
        code_throttle: CodeLoginThrottle,
    ) -> None:
        self.throttle = throttle
        self.code_throttle = code_throttle
        self.metrics = metrics or sessions.metrics
        self.passwords = passwords or PasswordHasher()
        self.providers = dict(providers)
        self.accounts = accounts
        self.sessions = sessions
        self.auto_register = auto_register
        self.reauth = Reauthenticator(
            self.providers, accounts, self.passwords, throttle, self._exchange
        )

    def _provider(self, name: str) -> Provider:
        provider = self.providers.get(name)
        if provider is None:
            raise _unknown_provider(name)
        return provider

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
        provider = self._provider(provider_name)
        try:
            identity = await self._exchange(provider, proof, device)
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
        found = await self.accounts.find_or_register(identity, auto=self.auto_register)
        if found.joined and found.user is not None:
            audit_event(
                "identity_bound",
                user=found.user.id,
                provider=identity.provider,
                app=identity.app_id,
                via="unionid",
                ip=device.ip,
            )
        if found.user is None:  # a pending session: its record keeps the key sealed
            identity = session_keys.for_pending_record(self.accounts.keys, identity)
        return await self._start(identity, found.user, device, presented_token)

    async def _exchange(
        self, provider: Provider, proof: Mapping[str, Any], device: Device
    ) -> Identity:
        """The platform's exchange of ``proof``, unless the client's network sent too many
        codes the platforms refused: then 429 ``RATE_LIMITED`` without calling it."""
        try:
            return await self.code_throttle.attempt(device.ip, partial(provider.exchange, proof))
        except CodeLoginRefused as refused:
            audit_event(
                "login_throttled",
                level=logging.WARNING,
                provider=provider.name,
                limit="code_ip",
                ip=device.ip,
                retry_after=refused.retry_after,
            )
            raise RateLimited(
                "Too many refused login codes from your network. Try again later.",
                retry_after=refused.retry_after,
            ) from None

    async def register(
        self, active: ActiveSession, profile: Profile, device: Device
    ) -> LoginResult:
        """Complete explicit registration for a pending session; issues a fresh session."""
        if active.record.registered:
            raise AlreadyRegistered()
        identity = session_keys.from_pending_record(self.accounts.keys, active.record.identity())
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
        so it costs the same and answers the same 401 as a wrong password. Failures are
        throttled per account and IP and per account (429 ``RATE_LIMITED``, before any
        hashing, alike for known and unknown names); they never throttle a code login."""
        return await self.metrics.observe_login(
            PASSWORD_PROVIDER, self._password_login(name, password, device, presented_token)
        )

    async def _password_login(
        self, name: str, password: str, device: Device, presented_token: str | None
    ) -> LoginResult:
        refused = await self.throttle.reserve(name, device.ip)
        if refused is not None:  # before any lookup or hashing, alike for every name
            audit_event(
                "login_throttled",
                level=logging.WARNING,
                provider=PASSWORD_PROVIDER,
                limit=refused.limit.value,
                account=refused.account,
                ip=device.ip,
                retry_after=refused.retry_after,
            )
            raise RateLimited(
                "Too many failed logins. Try again later.", retry_after=refused.retry_after
            )
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
        await self.throttle.succeeded(name, device.ip)
        user = found[0]
        if self.passwords.needs_rehash(stored):
            await self.accounts.set_password_hash(user.id, await self.passwords.hash(password))
        return await self._start(identity, user, device, presented_token)

    async def change_password(
        self, active: RegisteredSession, current: str, new: str, device: Device
    ) -> LoginResult:
        """Set a new password after checking the current one, then end every other session
        of the user behind the revocation point and issue the caller a fresh session.

        Wrong current passwords are throttled like password logins, per user and IP and per
        user (429 ``RATE_LIMITED`` before any hashing), so a stolen session cannot be used to
        guess the password. The current password is this route's re-authentication proof,
        checked like a ``reauth`` password (:mod:`wxsession.reauth`), in the same windows."""
        user_id = active.user_id
        check_new_password(new)
        stored = await self.accounts.password_hash(user_id)
        if stored is None:
            raise PasswordNotSet()
        if not await self.reauth.password_matches(
            active, stored, current, device, "password_change_failed"
        ):
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
            ended=_others(ended),
        )
        user = await self.accounts.get_user(user_id)
        if user is None:  # deleted meanwhile
            raise SessionInvalid()
        return await self._start(_way_in(active), user, device, None)

    async def bind(
        self,
        active: RegisteredSession,
        provider_name: str,
        proof: Mapping[str, Any],
        device: Device,
        *,
        reauth: Proof | None,
    ) -> tuple[LoginResult, bool]:
        """Bind the identity behind ``proof`` to the caller's user, and whether it is new to
        them (``False``: it already was theirs). The proof is an authentication, so the caller
        gets a fresh session started through that identity and the presented one ends. It
        proves the new identity only: ``reauth`` must prove the account (see
        :mod:`wxsession.reauth`), checked first.

        An identity (or, when merging, a unionid) of another user is 409 ``IDENTITY_TAKEN``:
        nothing is merged. A second identity of the same provider and app is 409
        ``PROVIDER_ALREADY_BOUND``.
        """
        provider = self._provider(provider_name)
        user_id = active.user_id
        async with _audit_failure("bind_failed", active, provider_name, device):
            await self.reauth.confirm(active, reauth, device)
            identity = await self._exchange(provider, proof, device)
            added = await self.accounts.bind(user_id, identity)
        if added:
            audit_event(
                "identity_bound",
                user=user_id,
                provider=identity.provider,
                app=identity.app_id,
                via="bind",
                ip=device.ip,
                session=active.fingerprint,
            )
        return await self._restart(active, identity, device), added

    async def add_password(
        self,
        active: RegisteredSession,
        name: str,
        password: str,
        device: Device,
        *,
        reauth: Proof | None,
    ) -> LoginResult:
        """Give the caller's user (one without a password) a login name and password, then a
        fresh session through it. A user with a password changes it instead (409). ``reauth``
        proves the account first (a code: the user has no password yet)."""
        user_id = active.user_id
        identity = _password_identity(name)
        async with _audit_failure("bind_failed", active, PASSWORD_PROVIDER, device):
            check_new_password(password)
            await self.reauth.confirm(active, reauth, device)
            password_hash = await self.passwords.hash(password)
            await self.accounts.add_password(user_id, identity, password_hash)
        audit_event(
            "identity_bound",
            user=user_id,
            provider=PASSWORD_PROVIDER,
            app=PASSWORD_APP_ID,
            via="bind",
            ip=device.ip,
            session=active.fingerprint,
        )
        return await self._restart(active, identity, device)

    async def unbind(
        self,
        active: RegisteredSession,
        provider_name: str,
        app_id: str | None,
        device: Device,
        *,
        reauth: Proof | None,
    ) -> LoginResult:
        """Remove one of the caller's ways to sign in, never the last (409
        ``LAST_SIGN_IN_METHOD``), once ``reauth`` proved the account. Like a password change,
        this ends every session of the user behind the revocation point (those started
        through the removed identity among them) and gives the caller a fresh one, named
        after a way in the user still has (:meth:`_kept_way_in`)."""
        user_id = active.user_id
        async with _audit_failure("unbind_failed", active, provider_name, device):
            proven = await self.reauth.confirm(active, reauth, device)
            removed = await self.accounts.unbind(user_id, provider_name, app_id)
        ended = await self.sessions.revoke_all(user_id)
        audit_event(
            "identity_unbound",
            user=user_id,
            provider=removed.provider,
            app=removed.app_id,
            ip=device.ip,
            session=active.fingerprint,
            ended=_others(ended),
        )
        kept = await self._kept_way_in(user_id, (removed.provider, removed.app_id), active, proven)
        return await self._restart(active, kept, device)

    async def _kept_way_in(
        self, user_id: str, removed: tuple[str, str], active: ActiveSession, proven: Identity
    ) -> Identity:
        """What the session after an unbind names: the caller's way in, or else the identity
        the re-authentication just proved, or else the user's oldest identity; never the one
        removed (a session names an identity the user has, e.g. for WeChat data)."""
        for way in (_way_in(active), proven):
            if (way.provider, way.app_id) != removed:
                return Identity(provider=way.provider, app_id=way.app_id, subject="")
        remaining = await self.accounts.identities(user_id)
        if not remaining:  # deleted meanwhile
            raise SessionInvalid()
        return Identity(provider=remaining[0].provider, app_id=remaining[0].app_id, subject="")

    async def _restart(
        self, active: RegisteredSession, identity: Identity, device: Device
    ) -> LoginResult:
        """A fresh session for the caller's user through ``identity``; ``active`` ends."""
        user = await self.accounts.get_user(active.user_id)
        if user is None:  # deleted meanwhile
            raise SessionInvalid()
        result = await self._start(identity, user, device, None)
        await self.sessions.end(active)
        return result

    async def logout(self, active: ActiveSession, device: Device | None = None) -> None:
        await self.sessions.end(active)
        audit_event(
            "logout",
            user=active.record.user_id,
            ip=device.ip if device else None,
            session=active.fingerprint,
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
        audit_event(
            "logout_all", user=user_id, ip=device.ip, session=active.fingerprint, ended=ended
        )
        return ended

    async def _start(
        self, identity: Identity, user: UserView | None, device: Device, presented: str | None
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
