"""A :class:`~wxsession.messaging.Sender` for phones over an SMS vendor's wire: one call per
message through the platforms' bounded HTTP shell, its verdict turned into our errors.

The message travels as a template id and its parameters (the code among them); neither the
parameters nor the number are ever logged, nor are credentials (the shell logs paths only).
What is logged is the vendor's name, its error code and message, and which settings to
check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import httpx

from wxsession.core.account_errors import SenderUnavailable
from wxsession.core.errors import WxSessionError
from wxsession.core.sms_errors import PhoneUnreachable, SmsMisconfigured
from wxsession.messaging import Message
from wxsession.messaging.sms_wire import Outcome, Verdict
from wxsession.platforms.http import PlatformHttp
from wxsession.platforms.wire import PlatformRequest

log = logging.getLogger("wxsession.messaging")

Build = Callable[[str, str, Sequence[tuple[str, str]]], PlatformRequest]
"""``(E.164 number, template id, named parameters in order)`` → the signed call."""
Parse = Callable[[int, bytes], Outcome]

_ERRORS: Mapping[Verdict, tuple[Callable[[], WxSessionError], int]] = {
    Verdict.UNAVAILABLE: (SenderUnavailable, logging.WARNING),
    Verdict.MALFORMED: (SenderUnavailable, logging.WARNING),
    Verdict.MISCONFIGURED: (SmsMisconfigured, logging.ERROR),
    Verdict.RECIPIENT_REFUSED: (PhoneUnreachable, logging.INFO),
}


@dataclass(frozen=True, slots=True)
class Vendor:
    """One SMS vendor's wire, as the sender uses it."""

    name: str
    """As operators know it, for the log: ``Tencent Cloud SMS``."""
    settings_hint: str
    """The settings to check when it refuses ours."""
    build: Build
    parse: Parse


def shell(http: httpx.AsyncClient, base_url: str, timeout: float, vendor: str) -> PlatformHttp:
    """The bounded HTTP shell for a vendor: a call that cannot reach it, or takes longer
    than ``timeout``, is ``SenderUnavailable``; an answer over 64 KiB too."""
    return PlatformHttp(
        http,
        base_url,
        timeout=timeout,
        platform=vendor,
        unavailable=SenderUnavailable,
        malformed=SenderUnavailable,
    )


class SmsSender:
    """Sends each :class:`Message` to its phone as the vendor's template ``templates[name]``
    with the message's parameters named in ``params`` (in that order, those it has)."""

    def __init__(
        self,
        http: PlatformHttp,
        vendor: Vendor,
        templates: Mapping[str, str],
        params: Sequence[str],
    ) -> None:
        self.http = http
        self.vendor = vendor
        self.templates = dict(templates)
        self.params = tuple(params)

    async def send(self, message: Message) -> None:
        template_id = self.templates.get(message.template)
        if template_id is None:
            log.error(
                "%s: no template id for %r; set WXSESSION_SMS_TEMPLATE_%s",
                self.vendor.name,
                message.template,
                message.template.upper(),
            )
            raise SmsMisconfigured()
        named = [(name, message.params[name]) for name in self.params if name in message.params]
        request = self.vendor.build(message.to.value, template_id, named)
        status, body = await self.http.send(request)
        outcome = self.vendor.parse(status, body)
        if outcome.verdict is not Verdict.SENT:
            raise self._error(outcome)

    def _error(self, outcome: Outcome) -> WxSessionError:
        make, level = _ERRORS[outcome.verdict]
        hint = f"; check {self.vendor.settings_hint}" if level >= logging.ERROR else ""
        log.log(
            level,
            "%s refused a send: %s %r -> %s%s",
            self.vendor.name,
            outcome.code or "(no code)",
            outcome.message,
            outcome.verdict.value,
            hint,
        )
        return make()
