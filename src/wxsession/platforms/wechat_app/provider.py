"""WeChat mobile App login: the code from the WeChat SDK's SendAuth (Open Platform OAuth)
becomes an :class:`Identity` of the App's appid, with the unionid that joins it to the same
person's mini-program identity."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from wxsession.core.errors import WxSessionError
from wxsession.core.identity import Identity
from wxsession.core.platform_errors import WeChatError, WeChatUnavailable
from wxsession.platforms.http import PlatformHttp
from wxsession.platforms.provider import code_from
from wxsession.platforms.spec import Built, PlatformApp
from wxsession.platforms.wechat_app import SPEC, wire

log = logging.getLogger("wxsession.providers")

SOURCE = "the WeChat SDK's SendAuth response"


class WeChatAppProvider:
    """The ``wechat_app`` provider. ``userinfo``: also ask ``sns/userinfo`` (when the grant
    has that scope) for a nickname and avatar; that call is best effort, its failure only
    costs the profile. The user access token is used for that call and then dropped."""

    name = SPEC.name

    def __init__(
        self, http: PlatformHttp, app_id: str, secret: SecretStr, *, userinfo: bool = True
    ) -> None:
        self.http = http
        self.app_id = app_id
        self._secret = secret
        self.userinfo = userinfo

    async def exchange(self, proof: Mapping[str, Any]) -> Identity:
        code = code_from(proof, SOURCE, SPEC.max_code_length)
        request = wire.access_token_request(self.app_id, self._secret.get_secret_value(), code)
        grant = wire.parse_access_token(*await self.http.send(request))
        profile = await self._profile(grant) if self.userinfo and grant.allows_userinfo else None
        return Identity(
            provider=self.name,
            app_id=self.app_id,
            subject=grant.openid,
            union_id=grant.unionid,
            nickname=profile.nickname if profile else None,
            avatar_url=profile.avatar_url if profile else None,
        )

    async def _profile(self, grant: wire.AppGrant) -> wire.AppProfile | None:
        try:
            answer = await self.http.send(wire.userinfo_request(grant))
            return wire.parse_userinfo(*answer, openid=grant.openid)
        except WxSessionError as exc:
            log.warning("WeChat App userinfo skipped: %s", exc.code)
            return None


def build_provider(app: PlatformApp, http: httpx.AsyncClient, timeout: float) -> Built:
    """The provider of ``app`` (the spec's factory), on the shared HTTP client."""
    shell = PlatformHttp(
        http,
        app.base_url,
        timeout=timeout,
        platform="WeChat App",
        unavailable=WeChatUnavailable,
        malformed=WeChatError,
    )
    provider = WeChatAppProvider(
        shell, app.appid, app.secret, userinfo=bool(app.options["userinfo"])
    )
    return Built(provider, WeChatUnavailable)
