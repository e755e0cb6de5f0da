"""Verification codes (issue 23, section 1): one mechanism for SMS and mail.

:meth:`VerificationCodes.send` makes a 6-digit code with :mod:`secrets`, sends it, and only
then stores it: a sender that is down (503 ``SENDER_UNAVAILABLE``) leaves nothing written,
gives back the send quota it reserved, and an earlier code still works. A code stored
replaces the address's earlier one for that purpose, with fresh tries. Before a send: the
CAPTCHA when the address or network drew attention, then the send limits
(:mod:`wxsession.throttle.code_sends`); the caller answers the same 202 whether the address
belongs to anyone, and the send itself does not look.

:meth:`VerificationCodes.consume` spends it: valid ``ttl`` seconds, once, at most
``max_tries`` tries (each counted before the comparison, so parallel guesses get no more);
every refusal is the one 400 ``CODE_INVALID``, so an answer never tells a wrong code from a
dead one. A refusal counts towards the CAPTCHA threshold.

At rest a code is ``HMAC-SHA256(key, name, code)`` under ``name = HMAC-SHA256(key, kind,
address, purpose)``, the key derived from ``WXSESSION_DATA_KEYS`` and never stored. Why a
key: a 6-digit code has a million values, so a plain or slow hash of it is reversed from a
copy of the store in a second; without the key a copy gives neither codes nor addresses. A
digest bound to its name cannot be moved to another address or purpose.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Literal, get_args

from wxsession import audit
from wxsession.core.account_errors import (
    CaptchaFailed,
    CaptchaRequired,
    ChannelNotConfigured,
    CodeInvalid,
    SenderUnavailable,
)
from wxsession.core.address import Address, AddressKind
from wxsession.core.clock import Clock, system_clock
from wxsession.core.errors import RateLimited
from wxsession.messaging import Locale, Message, Sender
from wxsession.services.captcha import CaptchaAnswer, CaptchaVerifier, Challenge
from wxsession.services.events import Observer
from wxsession.services.events_codes import (
    CaptchaAsked,
    CodeFailed,
    CodeSendFailed,
    CodeSendThrottled,
    CodeSent,
)
from wxsession.throttle.code_sends import CodeSendLimits, SendRefused
from wxsession.throttle.one_time import OneTimeStore, keyed_digest

Purpose = Literal["login", "register", "bind", "reset"]
PURPOSES: tuple[Purpose, ...] = get_args(Purpose)
DIGITS = 6
KEY_LABEL = b"wxsession verification codes v1"
"""What the codes' HMAC key is derived under (:meth:`wxsession.data_keys.DataKeys.derive`)."""


def new_code() -> str:
    """Six decimal digits, uniformly from the OS's CSPRNG."""
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


class VerificationCodes:
    """See the module's docstring. ``senders``: one per kind of address this service can
    reach (none for a kind: 400 ``CHANNEL_NOT_CONFIGURED``)."""

    def __init__(
        self,
        store: OneTimeStore,
        senders: Mapping[AddressKind, Sender],
        key: bytes,
        limits: CodeSendLimits,
        captcha: CaptchaVerifier,
        *,
        ttl: int = 300,
        max_tries: int = 5,
        clock: Clock = system_clock,
        emit: Observer = audit.record,
    ) -> None:
        self.store = store
        self.senders = senders
        self._key = key
        self.limits = limits
        self.captcha = captcha
        self.ttl = ttl
        self.max_tries = max_tries
        self.clock = clock
        self._emit = emit

    def _mac(self, *parts: str) -> str:
        return keyed_digest(self._key, *parts)

    def _name(self, address: Address, purpose: Purpose) -> str:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {purpose!r}")
        return self._mac("code", address.kind, address.value, purpose)

    def fingerprint(self, address: Address) -> str:
        """The address as the limits and the audit lines name it: keyed, not reversible."""
        return self._mac("address", address.kind, address.value)[:24]

    async def send(
        self,
        address: Address,
        purpose: Purpose,
        *,
        client_ip: str | None,
        captcha: CaptchaAnswer | None = None,
        locale: Locale = "en",
    ) -> None:
        """Send a new code for ``purpose`` to ``address``. Raises ``CaptchaRequired`` /
        ``CaptchaFailed`` (403), ``RateLimited`` (429), ``ChannelNotConfigured`` (400),
        ``SenderUnavailable`` (503, nothing stored)."""
        sender = self.senders.get(address.kind)
        if sender is None:
            raise ChannelNotConfigured()
        name = self._name(address, purpose)
        who = self.fingerprint(address)
        kind = address.kind
        if await self.limits.needs_captcha(who, client_ip):
            solved = captcha is not None and await self.captcha.verify(captcha)
            if not solved:
                self._emit(
                    CaptchaAsked(kind=kind, address=who, ip=client_ip, failed=captcha is not None)
                )
                raise CaptchaFailed() if captcha is not None else CaptchaRequired()
        try:
            reservation = await self.limits.reserve(who, client_ip)
        except SendRefused as refused:
            scope, wait = refused.scope, refused.retry_after
            self._emit(
                CodeSendThrottled(
                    kind=kind, limit=f"code_{scope}", address=who, ip=client_ip, retry_after=wait
                )
            )
            raise RateLimited(retry_after=wait) from None
        code = new_code()
        params = {"code": code, "minutes": str(max(1, self.ttl // 60))}
        try:
            await sender.send(Message(address, "code", params, locale))
        except SenderUnavailable:
            await reservation.release()
            self._emit(CodeSendFailed(kind=kind, purpose=purpose, address=who, ip=client_ip))
            raise
        await self.store.put(name, self._mac("digest", name, code), self.clock() + self.ttl)
        await self.limits.notice(who, client_ip)
        self._emit(CodeSent(kind=kind, purpose=purpose, address=who, ip=client_ip))

    async def challenge(self, *, client_ip: str | None) -> Challenge:
        """A CAPTCHA challenge for a client; 429 beyond the per-network limit on drawing."""
        try:
            await self.limits.challenge(client_ip)
        except SendRefused as refused:
            raise RateLimited(retry_after=refused.retry_after) from None
        return await self.captcha.challenge()

    async def consume(
        self, address: Address, purpose: Purpose, code: str, *, client_ip: str | None = None
    ) -> None:
        """Spend ``address``'s code for ``purpose``; 400 ``CODE_INVALID`` if it is not the
        live one (wrong, expired, used, out of tries). Returning means it was, and now is
        spent."""
        name = self._name(address, purpose)
        well_formed = isinstance(code, str) and len(code) == DIGITS and code.isascii()
        spent = (
            well_formed
            and code.isdigit()
            and await self.store.spend(
                name, self._mac("digest", name, code), max_tries=self.max_tries, now=self.clock()
            )
        )
        if not spent:
            who = self.fingerprint(address)
            await self.limits.notice(who, client_ip)
            self._emit(CodeFailed(kind=address.kind, purpose=purpose, address=who, ip=client_ip))
            raise CodeInvalid()
