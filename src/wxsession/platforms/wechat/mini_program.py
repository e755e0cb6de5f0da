"""One of the service's own mini programs (a deployment may have several): its WeChat API
client, its access token (one per appid, shared by every instance) and its login provider,
built together from its configured app, so a session's app finds all three."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from wxsession.core.clock import Clock
from wxsession.metrics import Metrics
from wxsession.platforms.spec import PlatformApp
from wxsession.platforms.wechat.access_token import AccessTokenManager, SqlTokenCache
from wxsession.platforms.wechat.client import WeChatClient
from wxsession.platforms.wechat.provider import WeChatMiniProgramProvider


@dataclass(frozen=True, slots=True)
class MiniProgram:
    """One mini program's WeChat parts, by its appid."""

    appid: str
    client: WeChatClient
    tokens: AccessTokenManager
    provider: WeChatMiniProgramProvider

    @classmethod
    def build(
        cls,
        app: PlatformApp,
        http: httpx.AsyncClient,
        cache: SqlTokenCache,
        *,
        metrics: Metrics,
        token_endpoint: str,
        timeout: float,
        clock: Clock,
    ) -> MiniProgram:
        """``app``'s client on the shared HTTP client, and its token from the shared table."""
        client = WeChatClient(
            http,
            app.appid,
            app.secret,
            base_url=app.base_url,
            metrics=metrics,
            token_endpoint=token_endpoint,
        )
        tokens = AccessTokenManager.for_timeout(
            cache, app.appid, client.fetch_access_token, timeout=timeout, clock=clock
        )
        return cls(app.appid, client, tokens, WeChatMiniProgramProvider(client, app.appid))
