"""Signing in with a phone number or an e-mail address (a code sent to it), and WeChat's
one-tap phone login (a ``wx.login()`` code plus a getPhoneNumber code), issue 23 section 2.

Both end in :meth:`LoginService.sign_in <wxsession.services.login.LoginService.sign_in>`, so
the registration mode, the session cap and the audit are a login's. A phone or e-mail login
registers a user whose only way in is that address (``auto``), a pending session
(``explicit``), or, while ``closed``, a user only for an allow-listed address.

The one-tap login joins what it proves and never merges: the phone's owner gets the WeChat
identity, the WeChat user gets the phone, and when both already belong to two different
users the answer is 409 ``ACCOUNT_CONFLICT`` with nothing changed. Merging two accounts is
left out on purpose: it would need fresh proof of both, a rule for every field and identity
that collides (two passwords, two phones, two openids of one app), and an undo; an
operator can delete one account instead (docs/login-methods.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from wxsession.accounts.addresses import address_identity
from wxsession.accounts.login_names import PASSWORD_APP_ID
from wxsession.core.account_errors import AccountConflict, IdentityTaken, ProviderAlreadyBound
from wxsession.core.address import Address
from wxsession.core.device import Device
from wxsession.core.identity import Identity
from wxsession.core.user import UserView
from wxsession.metrics import Metrics
from wxsession.services.codes import VerificationCodes
from wxsession.services.common import CodeExchange, LoginResult, login_failure_reported
from wxsession.services.events import Observer
from wxsession.services.events_accounts import LinkedAtLogin
from wxsession.services.login import LoginService

PhoneOf = Callable[[str, str], Awaitable[Address]]
"""The phone number behind a getPhoneNumber code, asked of the mini program ``appid``:
``phone_of(appid, phone_code)``."""

WECHAT = "wechat"
VIA_WECHAT_PHONE = "wechat_phone"


class AddressLogins:
    def __init__(
        self,
        codes: VerificationCodes,
        logins: LoginService,
        exchange: CodeExchange,
        metrics: Metrics,
        emit: Observer,
    ) -> None:
        self.codes = codes
        self.logins = logins
        self.accounts = logins.accounts
        self.exchange = exchange
        self.metrics = metrics
        self.emit = emit

    async def login(
        self, address: Address, code: str, *, device: Device, presented_token: str | None = None
    ) -> LoginResult:
        """Sign in (or up) with ``code``, sent to ``address`` for ``login``; a refused code
        is 400 ``CODE_INVALID`` whether or not the address belongs to anyone."""
        return await self.metrics.observe_login(
            address.kind, PASSWORD_APP_ID, self._login(address, code, device, presented_token)
        )

    async def _login(
        self, address: Address, code: str, device: Device, presented: str | None
    ) -> LoginResult:
        with login_failure_reported(self.emit, address.kind, PASSWORD_APP_ID, device, presented):
            await self.codes.consume(address, "login", code, client_ip=device.ip)
        identity = address_identity(address.kind, address.value)
        return await self.logins.sign_in(identity, device, presented, address=address.value)

    async def wechat_phone_login(
        self,
        proof: Mapping[str, Any],
        phone_of: PhoneOf,
        *,
        device: Device,
        presented_token: str | None = None,
    ) -> LoginResult:
        """``proof``: ``code`` (wx.login), ``phone_code`` (getPhoneNumber) and ``appid`` when
        the service has several mini programs. See the module's docstring for the rules."""
        return await self.metrics.observe_login(
            *self.exchange.labels(WECHAT, proof.get("appid")),
            self._wechat_phone(proof, phone_of, device, presented_token),
        )

    async def _wechat_phone(
        self, proof: Mapping[str, Any], phone_of: PhoneOf, device: Device, presented: str | None
    ) -> LoginResult:
        appid, provider = self.exchange.provider(WECHAT, proof.get("appid"))
        with login_failure_reported(self.emit, WECHAT, appid, device, presented):
            wechat = await self.exchange(provider, proof, device)
            phone = await phone_of(wechat.app_id, str(proof["phone_code"]))
            user = await self._joined(wechat, address_identity("phone", phone.value), device)
        if user is None:  # a new person: the registration mode decides
            return await self._new_person(wechat, phone, device, presented)
        return await self.logins.starter.start(wechat, user, device, presented)

    async def _joined(self, wechat: Identity, phone: Identity, device: Device) -> UserView | None:
        """The one user the WeChat identity and the phone lead to, each bound to them now if
        it was not; ``None`` if neither belongs to anyone; 409 for two users."""
        found = await self.accounts.find_or_register(wechat, auto=False)
        by_wechat = found.user
        by_phone = await self.accounts.user_id_of(phone)
        if by_wechat is not None and by_phone not in (None, by_wechat.id):
            raise AccountConflict()
        if by_wechat is not None:
            if by_phone is None:
                await self._link(by_wechat.id, phone, device)
            return by_wechat
        if by_phone is None:
            return None
        await self._link(by_phone, wechat, device)
        return await self.accounts.get_user(by_phone)

    async def _new_person(
        self, wechat: Identity, phone: Address, device: Device, presented: str | None
    ) -> LoginResult:
        if not self.logins.registration.auto and not self.logins.registration.closed:
            # explicit: a pending session of the WeChat identity; the phone binds later
            return await self.logins.sign_in(wechat, device, presented)
        self.logins.registration.check(WECHAT, device, phone.value)
        user = await self.accounts.register(wechat)
        await self._link(user.id, address_identity("phone", phone.value), device)
        return await self.logins.starter.start(wechat, user, device, presented)

    async def _link(self, user_id: str, identity: Identity, device: Device) -> None:
        """Bind ``identity`` to the user; a parallel request that gave it to someone else is
        a conflict; a user who already has another phone keeps it."""
        try:
            added = await self.accounts.bind(user_id, identity)
        except IdentityTaken as exc:
            raise AccountConflict() from exc
        except ProviderAlreadyBound:
            return
        if added:
            self.emit(
                LinkedAtLogin(
                    user=user_id,
                    provider=identity.provider,
                    app=identity.app_id,
                    via=VIA_WECHAT_PHONE,
                    ip=device.ip,
                )
            )
