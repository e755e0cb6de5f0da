"""The provider registry: which login methods a service offers, built explicitly from
settings and the platform list (nothing registers itself on import).

Provider names are part of the HTTP API (``POST /v1/auth/{provider}/login``) and of stored
identities, so they never change (:data:`wxsession.platforms.PLATFORMS`). Password accounts
have their own routes.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from pydantic import SecretStr

from wxsession.core.platform_errors import WeChatUnavailable
from wxsession.platforms import OTHERS
from wxsession.platforms.backoff import BackingOff, Backoff
from wxsession.platforms.provider import Provider
from wxsession.platforms.spec import PlatformApp, PlatformSpec, WebAuthorizer
from wxsession.platforms.wire import MakeError
from wxsession.settings import Settings

DEV_CREDENTIALS: dict[str, tuple[str, str]] = {
    spec.name: (spec.dev.appid, spec.dev.secret) for spec in OTHERS if spec.dev is not None
}
"""The fixed pairs dev mode uses against the in-process emulator (which knows them)."""


def build_providers(
    settings: Settings,
    http: httpx.AsyncClient,
    mini_program: Provider,
    *,
    emulator_url: str | None = None,
    backoff: Callable[[], Backoff] | None = None,
) -> dict[str, Provider]:
    """Name → provider for every platform configured. ``mini_program`` (``wechat``, the
    service's own, built by the runtime around its WeChat client) is always there. In dev
    mode (``emulator_url`` given) every platform is on, with its spec's dev app, against the
    emulator at that URL. ``backoff`` makes each provider's own :class:`Backoff`: then each
    backs off when its platform is busy."""
    providers: dict[str, Provider] = {}

    def add(provider: Provider, app_id: str, busy: MakeError) -> None:
        if backoff is not None:
            provider = BackingOff(provider, app_id=app_id, busy=busy, backoff=backoff())
        providers[provider.name] = provider

    add(mini_program, settings.effective_appid, WeChatUnavailable)
    for spec in OTHERS:
        if emulator_url is not None:
            app = dev_app(spec, settings, emulator_url)
        else:
            app = settings.platform_app(spec)
        build = None if app is None else spec.provider_factory()
        if app is not None and build is not None:
            built = build(app, http, settings.wechat_timeout)
            add(built.provider, app.appid, built.busy)
    return providers


def build_web_logins(settings: Settings, *, dev: bool) -> dict[str, WebAuthorizer]:
    """Name → authorize step of every browser login configured (in dev mode every one,
    with its dev app, whose authorize page is the emulator's on the service's own host)."""
    authorizers: dict[str, WebAuthorizer] = {}
    for spec in OTHERS:
        factory = spec.web_factory()
        app = dev_app(spec, settings, "") if dev else settings.platform_app(spec)
        if factory is not None and app is not None:
            authorizers[spec.name] = factory(app)
    return authorizers


def dev_app(spec: PlatformSpec, settings: Settings, emulator_url: str) -> PlatformApp | None:
    """``spec``'s fixed dev app, on the emulator's path for it (``None``: it has none)."""
    if spec.dev is None:
        return None
    base_url = emulator_url + spec.dev.prefix
    options = {**settings.options(spec), **spec.dev.options}
    return PlatformApp(spec.dev.appid, SecretStr(spec.dev.secret), base_url, options)
