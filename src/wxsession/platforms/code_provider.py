"""The provider for mini-program platforms whose login is one code exchange: the
platform's wire code (:class:`~wxsession.platforms.wire.CodePlatform`) plus the shared HTTP
shell. A new platform of that kind is its home's wire module and spec, whose factory calls
:func:`build_code_provider`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from wxsession.core.identity import Identity
from wxsession.platforms.http import PlatformHttp
from wxsession.platforms.provider import code_from
from wxsession.platforms.spec import Built, PlatformApp
from wxsession.platforms.wire import CodePlatform


class CodeProvider:
    """``proof["code"]`` from the platform's login call → that user's :class:`Identity`."""

    def __init__(
        self, platform: CodePlatform, http: PlatformHttp, app_id: str, secret: SecretStr
    ) -> None:
        self.platform = platform
        self.name = platform.name
        self.http = http
        self.app_id = app_id
        self._secret = secret

    async def exchange(self, proof: Mapping[str, Any]) -> Identity:
        platform = self.platform
        code = code_from(proof, platform.errors.login_call, platform.max_code_length)
        request = platform.request(self.app_id, self._secret.get_secret_value(), code)
        session = platform.parse(*await self.http.send(request))
        return Identity.from_code_login(self.name, self.app_id, session)


def build_code_provider(
    platform: CodePlatform, app: PlatformApp, http: httpx.AsyncClient, timeout: float
) -> Built:
    """``platform``'s provider for ``app`` on the shared HTTP client (a spec's factory)."""
    shell = PlatformHttp(
        http,
        app.base_url,
        timeout=timeout,
        platform=platform.name,
        unavailable=platform.errors.unavailable,
        malformed=platform.errors.malformed,
    )
    provider = CodeProvider(platform, shell, app.appid, app.secret)
    return Built(provider, platform.errors.unavailable)
