"""Fresh proof of the account before a sensitive change (ASVS 4.0.3 3.7.1).

A session alone may read and use the account, but not change how one signs in: with only a
stolen token, an attacker could otherwise add a password of their own and unbind the victim's
WeChat identity, a permanent takeover. So binding, unbinding and setting a password (and any
later change of phone, e-mail or deletion) carry proof in the request itself, checked here:

- the user's current password, counted in the password change's throttle windows
  (:attr:`~wxsession.throttle.Scope.PASSWORD_CHANGE`, per user and IP and per user), so a
  stolen session cannot guess it unthrottled; or
- a fresh login code of a platform (``wx.login()`` needs no user interaction, so a mini
  program can always send one) whose identity is already bound to the same user; or
- a ``login`` verification code sent to the phone or e-mail bound to the user (provider
  ``phone`` or ``email``): the only proof a user who signs in by phone alone can give.

A wrong password, a code of another user's identity and a code of no one's are one answer,
401 ``REAUTHENTICATION_FAILED``; no proof at all is 401 ``REAUTHENTICATION_REQUIRED``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wxsession.accounts.addresses import ADDRESS_PROVIDERS
from wxsession.accounts.login_names import PASSWORD_APP_ID, PASSWORD_PROVIDER
from wxsession.accounts.passwords import PasswordHasher
from wxsession.accounts.repository import AccountRepository
from wxsession.core.account_errors import CodeInvalid
from wxsession.core.address import Address
from wxsession.core.device import Device
from wxsession.core.errors import (
    AuthenticationError,
    InvalidRequest,
    RateLimited,
    ReauthenticationFailed,
    ReauthenticationRequired,
)
from wxsession.core.identity import Identity
from wxsession.core.session import RegisteredSession
from wxsession.platforms.provider import PlatformApps, Provider
from wxsession.services.codes import VerificationCodes
from wxsession.services.events import (
    Observer,
    ProofThrottled,
    ReauthFailed,
    ReauthThrottled,
)
from wxsession.throttle import LoginThrottle, Scope


@dataclass(frozen=True, slots=True)
class PasswordProof:
    """The user's current password."""

    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class CodeProof:
    """A fresh login code of ``provider`` (``wechat``, ...) and its app (``appid``; may be
    left out when the platform has one), for an identity of the user's."""

    provider: str
    code: str = field(repr=False)
    appid: str | None = None


Proof = PasswordProof | CodeProof

Exchange = Callable[[Provider, Mapping[str, Any], Device], Awaitable[Identity]]
"""A platform's exchange of a code, as logins make it (under the refused-code limit)."""


class Reauthenticator:
    """Checks a request's re-authentication proof for the user behind a session."""

    def __init__(
        self,
        providers: Mapping[str, PlatformApps[Provider]],
        accounts: AccountRepository,
        passwords: PasswordHasher,
        throttle: LoginThrottle,
        exchange: Exchange,
        emit: Observer,
        codes: VerificationCodes | None = None,
    ) -> None:
        self.providers = providers
        self.codes = codes
        self.accounts = accounts
        self.passwords = passwords
        self.throttle = throttle
        self.exchange = exchange
        self.emit = emit

    async def confirm(
        self, active: RegisteredSession, proof: Proof | None, device: Device
    ) -> Identity:
        """The identity ``proof`` authenticated for the caller's user (a password proof: the
        password sign-in, without its login name), or raise: 401
        ``REAUTHENTICATION_REQUIRED`` without proof, ``REAUTHENTICATION_FAILED`` for proof of
        anyone else or of no one, 429 once wrong passwords are throttled."""
        user_id = active.user_id
        try:
            if proof is None:
                raise ReauthenticationRequired()
            if isinstance(proof, PasswordProof):
                return await self._password(active, proof.password, device)
            return await self._code(user_id, proof, device)
        except ReauthenticationRequired as exc:  # a throttled guess is logged with its limit
            self.emit(
                ReauthFailed(
                    user=user_id,
                    proof=None if proof is None else _kind(proof),
                    reason=exc.code,
                    ip=device.ip,
                    session=active.fingerprint,
                )
            )
            raise

    async def password_matches(
        self,
        active: RegisteredSession,
        stored: str | None,
        password: str,
        device: Device,
        throttled: type[ProofThrottled],
    ) -> bool:
        """Whether ``password`` matches the user's ``stored`` hash (``None``: they have no
        password; a dummy hash costs the same). Counted per user and IP and per user before
        any hashing; a full window is 429 ``RATE_LIMITED``, emitted as ``throttled``."""
        user_id = active.user_id
        refused = await self.throttle.reserve(user_id, device.ip, scope=Scope.PASSWORD_CHANGE)
        if refused is not None:
            self.emit(
                throttled(
                    user=user_id,
                    reason=RateLimited.code,
                    limit=refused.limit.value,
                    ip=device.ip,
                    session=active.fingerprint,
                    retry_after=refused.retry_after,
                )
            )
            raise RateLimited(
                "Too many wrong current passwords. Try again later.",
                retry_after=refused.retry_after,
            )
        checked = stored if stored is not None else await self.passwords.dummy_hash()
        if not await self.passwords.verify(checked, password) or stored is None:
            return False
        await self.throttle.succeeded(user_id, device.ip, scope=Scope.PASSWORD_CHANGE)
        return True

    async def _password(self, active: RegisteredSession, password: str, device: Device) -> Identity:
        stored = await self.accounts.password_hash(active.user_id)
        if not await self.password_matches(active, stored, password, device, ReauthThrottled):
            raise ReauthenticationFailed()
        return Identity(provider=PASSWORD_PROVIDER, app_id=PASSWORD_APP_ID, subject="")

    async def _code(self, user_id: str, proof: CodeProof, device: Device) -> Identity:
        if proof.provider in ADDRESS_PROVIDERS and self.codes is not None:
            return await self._address_code(user_id, proof, device)
        apps = self.providers.get(proof.provider)
        if apps is None or (proof.appid is not None and proof.appid not in apps.apps):
            raise ReauthenticationFailed()  # like a code of no one's: no such platform or app
        _, provider = apps.pick(proof.appid)  # several apps and none named: 400
        try:
            identity = await self.exchange(provider, {"code": proof.code}, device)
        except (AuthenticationError, InvalidRequest) as exc:  # refused: malformed, bad, used
            raise ReauthenticationFailed() from exc
        if not await self.accounts.confirm_identity(user_id, identity):
            raise ReauthenticationFailed()
        return identity

    async def _address_code(self, user_id: str, proof: CodeProof, device: Device) -> Identity:
        assert self.codes is not None  # _code checked
        bound = await self.accounts.address_of(user_id, (proof.provider,))
        if bound is None:
            raise ReauthenticationFailed()
        address = Address("phone" if bound.provider == "phone" else "email", bound.subject)
        try:
            await self.codes.consume(address, "login", proof.code, client_ip=device.ip)
        except CodeInvalid as exc:
            raise ReauthenticationFailed() from exc
        return bound


def _kind(proof: Proof) -> str:
    """How the proof is named in the audit log: ``password`` or the provider."""
    return PASSWORD_PROVIDER if isinstance(proof, PasswordProof) else proof.provider
