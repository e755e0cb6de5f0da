"""Resetting a forgotten password with a code sent to the user's phone or e-mail (issue 23
section 3; ASVS 4.0.3 2.5).

The code is the proof (purpose ``reset``); a ``username`` resets through the phone, else the
e-mail, bound to it (:meth:`PasswordReset.send_code` sends it there). Attempts are throttled
like password logins, per address (or username) and client network and per address, before
any code is checked. A reset ends every session of the user behind the revocation point,
is audited, and a notice goes to the address (a sender that is down does not undo the reset,
which is already done; the failed notice is audited).

No enumeration: a wrong code and an address or username that belongs to no one (or to no one
with a phone or e-mail) answer the same 400 ``CODE_INVALID``.
"""

from __future__ import annotations

from wxsession.accounts.addresses import ADDRESS_PROVIDERS, address_identity
from wxsession.accounts.passwords import PasswordHasher, check_new_password
from wxsession.core.account_errors import CodeInvalid, PasswordNotSet, SenderUnavailable
from wxsession.core.address import Address
from wxsession.core.device import Device
from wxsession.core.errors import RateLimited
from wxsession.messaging import Message
from wxsession.services.codes import VerificationCodes
from wxsession.services.common import Starter, password_identity, reason
from wxsession.services.events import Observer
from wxsession.services.events_accounts import (
    PasswordReset as PasswordWasReset,
)
from wxsession.services.events_accounts import (
    PasswordResetFailed,
    PasswordResetThrottled,
    ResetNoticeFailed,
)
from wxsession.throttle import LoginThrottle, Scope

USERNAME = "username"


class PasswordReset:
    def __init__(
        self,
        codes: VerificationCodes,
        starter: Starter,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        emit: Observer,
    ) -> None:
        self.codes = codes
        self.starter = starter
        self.accounts = starter.accounts
        self.hasher = hasher
        self.throttle = throttle
        self.emit = emit

    async def send_code(self, username: str, device: Device) -> None:
        """Send a ``reset`` code to the phone (else the e-mail) bound to ``username``
        (normalised); nothing, and the same answer, when there is none."""
        user_id = await self.accounts.user_id_of(password_identity(username))
        address = None if user_id is None else await self._address_of(user_id)
        if address is not None:
            await self.codes.send(address, "reset", client_ip=device.ip)

    async def reset(
        self, target: Address | str, code: str, new_password: str, device: Device
    ) -> None:
        """Set ``new_password`` for the user ``target`` (an address, or a normalised
        username) names, proven by ``code``; every session of theirs ends."""
        via = USERNAME if isinstance(target, str) else target.kind
        key = target if isinstance(target, str) else f"{target.kind}:{target.value}"
        refused = await self.throttle.reserve(key, device.ip, scope=Scope.PASSWORD_RESET)
        if refused is not None:
            self.emit(
                PasswordResetThrottled(
                    via=via,
                    limit=refused.limit.value,
                    account=refused.account,
                    ip=device.ip,
                    retry_after=refused.retry_after,
                )
            )
            raise RateLimited(
                "Too many failed resets. Try again later.", retry_after=refused.retry_after
            )
        user_id: str | None = None
        try:
            check_new_password(new_password)
            user_id, address = await self._resolve(target)
            if address is None:
                raise CodeInvalid()  # what a wrong code answers: nothing tells them apart
            await self.codes.consume(address, "reset", code, client_ip=device.ip)
            if user_id is None:
                raise CodeInvalid()
            if await self.accounts.password_hash(user_id) is None:
                raise PasswordNotSet()
        except Exception as exc:
            self.emit(PasswordResetFailed(user=user_id, via=via, reason=reason(exc), ip=device.ip))
            raise
        await self.accounts.set_password_hash(user_id, await self.hasher.hash(new_password))
        await self.throttle.succeeded(key, device.ip, scope=Scope.PASSWORD_RESET)
        ended = await self.starter.sessions.revoke_all(user_id)
        self.emit(PasswordWasReset(user=user_id, via=via, ip=device.ip, ended=ended))
        await self._notify(user_id, address, via)

    async def _resolve(self, target: Address | str) -> tuple[str | None, Address | None]:
        """The user and the address the code went to (either may be unknown)."""
        if isinstance(target, str):
            user_id = await self.accounts.user_id_of(password_identity(target))
            return user_id, None if user_id is None else await self._address_of(user_id)
        return await self.accounts.user_id_of(address_identity(target.kind, target.value)), target

    async def _address_of(self, user_id: str) -> Address | None:
        found = await self.accounts.address_of(user_id, ADDRESS_PROVIDERS)
        if found is None:
            return None
        return Address("phone" if found.provider == "phone" else "email", found.subject)

    async def _notify(self, user_id: str, address: Address, via: str) -> None:
        sender = self.codes.senders.get(address.kind)
        try:
            if sender is None:
                raise SenderUnavailable()
            await sender.send(Message(address, "password_reset", {}))
        except SenderUnavailable:
            self.emit(ResetNoticeFailed(user=user_id, via=via))
