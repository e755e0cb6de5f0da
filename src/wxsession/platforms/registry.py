"""The provider registry: which login methods a service offers, built explicitly from
settings (nothing registers itself on import).

Provider names are part of the HTTP API (``POST /v1/auth/{provider}/login``) and of stored
identities, so they never change: ``wechat`` (mini program), ``wechat_app`` (mobile App),
``qq`` and ``douyin`` (mini programs). Password accounts have their own routes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from wxsession.core.platform_errors import WeChatError, WeChatUnavailable
from wxsession.platforms.backoff import BackingOff, Backoff
from wxsession.platforms.code_provider import CodeProvider
from wxsession.platforms.douyin.wire import DOUYIN
from wxsession.platforms.http import PlatformHttp
from wxsession.platforms.provider import Provider
from wxsession.platforms.qq.wire import QQ
from wxsession.platforms.wechat.client import WeChatClient
from wxsession.platforms.wechat.provider import WeChatMiniProgramProvider
from wxsession.platforms.wechat_app.provider import WeChatAppProvider
from wxsession.platforms.wire import CodePlatform, MakeError
from wxsession.settings import Settings

WECHAT_APP = "wechat_app"


@dataclass(frozen=True, slots=True)
class Credentials:
    """One platform app: its appid, secret, and the API base its calls go to."""

    appid: str
    secret: SecretStr
    base_url: str


DEV_CREDENTIALS: dict[str, tuple[str, str]] = {
    WECHAT_APP: ("wxdevapp0000000000", "dev-app-secret-not-for-production"),
    QQ.name: ("1100000000", "dev-qq-secret-not-for-production"),
    DOUYIN.name: ("ttdev00000000000", "dev-douyin-secret-not-for-production"),
}
"""The fixed pairs dev mode uses against the in-process emulator (which knows them)."""


def build_providers(
    settings: Settings,
    http: httpx.AsyncClient,
    wechat: WeChatClient,
    *,
    emulator_url: str | None = None,
    backoff: Callable[[], Backoff] | None = None,
) -> dict[str, Provider]:
    """Name → provider for every platform configured. ``wechat`` is always there (``wechat``
    is the service's own mini program). In dev mode (``emulator_url`` given) every platform
    is on, with :data:`DEV_CREDENTIALS`, against the emulator at that URL. ``backoff`` makes
    each provider's own :class:`Backoff`: then each backs off when its platform is busy."""
    providers: dict[str, Provider] = {}

    def add(provider: Provider, app_id: str, busy: MakeError) -> None:
        if backoff is not None:
            provider = BackingOff(provider, app_id=app_id, busy=busy, backoff=backoff())
        providers[provider.name] = provider

    add(
        WeChatMiniProgramProvider(wechat, settings.effective_appid), wechat.appid, WeChatUnavailable
    )
    configured = (
        dev_credentials(emulator_url) if emulator_url is not None else credentials(settings)
    )
    timeout = settings.wechat_timeout
    app = configured.get(WECHAT_APP)
    if app is not None:
        shell = PlatformHttp(
            http,
            app.base_url,
            timeout=timeout,
            platform="WeChat App",
            unavailable=WeChatUnavailable,
            malformed=WeChatError,
        )
        provider = WeChatAppProvider(
            shell, app.appid, app.secret, userinfo=settings.wechat_app_userinfo
        )
        add(provider, app.appid, WeChatUnavailable)
    for platform in (QQ, DOUYIN):
        found = configured.get(platform.name)
        if found is not None:
            add(
                _code_provider(platform, found, http, timeout),
                found.appid,
                platform.errors.unavailable,
            )
    return providers


def _code_provider(
    platform: CodePlatform, found: Credentials, http: httpx.AsyncClient, timeout: float
) -> CodeProvider:
    shell = PlatformHttp(
        http,
        found.base_url,
        timeout=timeout,
        platform=platform.name,
        unavailable=platform.errors.unavailable,
        malformed=platform.errors.malformed,
    )
    return CodeProvider(platform, shell, found.appid, found.secret)


def credentials(settings: Settings) -> dict[str, Credentials]:
    """The other platforms whose appid and secret are set (settings check both-or-neither)."""
    found: dict[str, Credentials] = {}
    for name, base_url in (
        (WECHAT_APP, settings.wechat_app_api_base),
        (QQ.name, settings.qq_api_base),
        (DOUYIN.name, settings.douyin_api_base),
    ):
        appid: str | None = getattr(settings, f"{name}_appid")
        secret: SecretStr | None = getattr(settings, f"{name}_secret")
        if appid is not None and secret is not None:
            found[name] = Credentials(appid, secret, base_url)
    return found


def dev_credentials(emulator_url: str) -> dict[str, Credentials]:
    """Every platform, with its fixed dev pair, on the emulator's host for it."""
    from wxsession.emulator.platforms import EMULATED  # dev mode only: production never loads it

    prefixes = {platform.name: platform.prefix for platform in EMULATED}
    return {
        name: Credentials(appid, SecretStr(secret), emulator_url + prefixes[name])
        for name, (appid, secret) in DEV_CREDENTIALS.items()
    }
