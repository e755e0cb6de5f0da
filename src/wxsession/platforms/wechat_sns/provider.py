"""The provider of every sns OAuth platform: a code in, an :class:`Identity` of the
platform's app out, with the unionid that joins it to the same person's other WeChat
identities (the mini program's too), and a nickname and avatar when the grant's scope reads
``sns/userinfo``."""

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
from wxsession.platforms.spec import Built, PlatformApp, PlatformSpec
from wxsession.platforms.wechat_sns import wire

log = logging.getLogger("wxsession.providers")


class SnsProvider:
    """One sns OAuth platform's provider. ``userinfo``: also ask ``sns/userinfo`` (when the
    grant's scope allows it) for a nickname and avatar; that call is best effort, its failure
    only costs the profile. The user access token is used for that call and then dropped."""

    def __init__(
        self,
        spec: PlatformSpec,
        errors: wire.SnsErrors,
        http: PlatformHttp,
        app_id: str,
        secret: SecretStr,
        *,
        userinfo: bool = True,
    ) -> None:
        self.name = spec.name
        self._spec = spec
        self._errors = errors
        self.http = http
        self.app_id = app_id
        self._secret = secret
        self.userinfo = userinfo

    async def exchange(self, proof: Mapping[str, Any]) -> Identity:
        code = code_from(proof, self._spec.code_source, self._spec.max_code_length)
        request = wire.access_token_request(self.app_id, self._secret.get_secret_value(), code)
        grant = wire.parse_access_token(*await self.http.send(request), self._errors)
        profile = await self._profile(grant) if self.userinfo and grant.allows_userinfo else None
        return Identity(
            provider=self.name,
            app_id=self.app_id,
            subject=grant.openid,
            union_id=grant.unionid,
            nickname=profile.nickname if profile else None,
            avatar_url=profile.avatar_url if profile else None,
        )

    async def _profile(self, grant: wire.SnsGrant) -> wire.SnsProfile | None:
        try:
            answer = await self.http.send(wire.userinfo_request(grant))
            return wire.parse_userinfo(*answer, openid=grant.openid, errors=self._errors)
        except WxSessionError as exc:
            log.warning("%s skipped: %s", self._errors.userinfo.platform, exc.code)
            return None


def sns_http(
    errors: wire.SnsErrors, app: PlatformApp, http: httpx.AsyncClient, timeout: float
) -> PlatformHttp:
    """The I/O shell of a platform's ``app`` on the shared HTTP client."""
    return PlatformHttp(
        http,
        app.base_url,
        timeout=timeout,
        platform=errors.access_token.platform,
        unavailable=WeChatUnavailable,
        malformed=WeChatError,
    )


def build_sns(
    spec: PlatformSpec,
    errors: wire.SnsErrors,
    app: PlatformApp,
    http: httpx.AsyncClient,
    timeout: float,
    *,
    userinfo: bool = True,
) -> Built:
    """``spec``'s provider for ``app`` on the shared HTTP client (a spec's factory's work)."""
    shell = sns_http(errors, app, http, timeout)
    provider = SnsProvider(spec, errors, shell, app.appid, app.secret, userinfo=userinfo)
    return Built(provider, WeChatUnavailable)
