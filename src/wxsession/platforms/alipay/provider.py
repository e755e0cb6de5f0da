"""Alipay's provider: ``my.getAuthCode()``'s code, exchanged by a signed gateway call, becomes
an :class:`Identity` of the app (``open_id`` or ``user_id``, and ``union_id`` when sent)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from wxsession.core.clock import Clock, system_clock
from wxsession.core.errors import ConfigurationError
from wxsession.core.identity import Identity
from wxsession.platforms.alipay import SPEC, wire
from wxsession.platforms.alipay.keys import AppKeys, BadKey, app_keys
from wxsession.platforms.http import PlatformHttp
from wxsession.platforms.provider import code_from
from wxsession.platforms.spec import Built, PlatformApp


class AlipayProvider:
    """The ``alipay`` provider of one app: signs with its key, checks with Alipay's, and
    reads the user from the id its app is set to (``keys.id_type``). The access token the
    code buys is dropped."""

    name = SPEC.name

    def __init__(
        self, http: PlatformHttp, app_id: str, keys: AppKeys, *, clock: Clock = system_clock
    ) -> None:
        self.http = http
        self.app_id = app_id
        self._keys = keys
        self._clock = clock

    async def exchange(self, proof: Mapping[str, Any]) -> Identity:
        code = code_from(proof, SPEC.code_source, SPEC.max_code_length)
        keys = self._keys
        request = wire.token_request(self.app_id, keys.private_key, code, self._clock())
        status, body = await self.http.send(request)
        user = wire.parse_token(status, body, keys.alipay_key, keys.id_type)
        return Identity(
            provider=self.name, app_id=self.app_id, subject=user.subject, union_id=user.union_id
        )


def build(app: PlatformApp, http: httpx.AsyncClient, timeout: float) -> Built:
    """The provider of ``app`` (the spec's factory), on the shared HTTP client. Its keys were
    checked at start-up (the spec's ``check``); one that still does not load stops here."""
    try:
        keys = app_keys(app)
    except BadKey as exc:
        raise ConfigurationError(str(exc)) from None
    shell = PlatformHttp(
        http,
        app.base_url,
        timeout=timeout,
        platform="Alipay",
        unavailable=wire.WORDING.unavailable,
        malformed=wire.WORDING.malformed,
    )
    return Built(AlipayProvider(shell, app.appid, keys), wire.WORDING.unavailable)
