"""The provider for mini-program platforms whose login is one code exchange (QQ, Douyin):
the platform's wire code (:class:`~wxsession.platforms.wire.CodePlatform`) plus the shared
HTTP shell. A new platform of that kind is one module in :mod:`wxsession.platforms`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from wxsession.core.identity import Identity
from wxsession.platforms.http import PlatformHttp
from wxsession.platforms.provider import code_from
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
