"""The provider registry: which login methods a service offers, built explicitly from
settings and the platform list (nothing registers itself on import).

Provider names are part of the HTTP API (``POST /v1/auth/{provider}/login``) and of stored
identities, so they never change (:data:`wxsession.platforms.PLATFORMS`). Password accounts
have their own routes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx
from pydantic import SecretStr

from wxsession.core.platform_errors import WeChatUnavailable
from wxsession.platforms import OTHERS, OWN
from wxsession.platforms.backoff import BackingOff, Backoff
from wxsession.platforms.provider import PlatformApps, Provider
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
    mini_programs: Mapping[str, Provider],
    *,
    emulator_url: str | None = None,
    backoff: Callable[[], Backoff] | None = None,
) -> dict[str, PlatformApps[Provider]]:
    """Name → the providers of every app configured, for every platform with one.
    ``mini_programs`` (``wechat``, the service's own, by appid, built by the runtime around
    their WeChat clients) are always there. In dev mode (``emulator_url`` given) every
    platform is on, with its spec's dev app, against the emulator at that URL. ``backoff``
    makes each provider's own :class:`Backoff`: then each app backs off on its own when its
    platform says it is busy."""

    def wrapped(provider: Provider, app_id: str, busy: MakeError) -> Provider:
        if backoff is None:
            return provider
        return BackingOff(provider, app_id=app_id, busy=busy, backoff=backoff())

    own = {appid: wrapped(p, appid, WeChatUnavailable) for appid, p in mini_programs.items()}
    platforms: dict[str, PlatformApps[Provider]] = {OWN.name: PlatformApps(OWN.name, own)}
    for spec in OTHERS:
        apps = (
            dev_apps(spec, settings, emulator_url) if emulator_url else settings.platform_apps(spec)
        )
        build = spec.provider_factory() if apps else None  # an unused platform is not loaded
        if build is None:
            continue
        providers: dict[str, Provider] = {}
        for app in apps:
            built = build(app, http, settings.wechat_timeout)
            providers[app.appid] = wrapped(built.provider, app.appid, built.busy)
        platforms[spec.name] = PlatformApps(spec.name, providers)
    return platforms


def build_web_logins(settings: Settings, *, dev: bool) -> dict[str, PlatformApps[WebAuthorizer]]:
    """Name → the authorize steps of every browser login configured, one per app (in dev
    mode every one, with its dev app, whose authorize page is the emulator's on the
    service's own host)."""
    authorizers: dict[str, PlatformApps[WebAuthorizer]] = {}
    for spec in OTHERS:
        apps = dev_apps(spec, settings, "") if dev else settings.platform_apps(spec)
        factory = spec.web_factory() if apps else None
        if factory is not None:
            built = {app.appid: factory(app) for app in apps}
            authorizers[spec.name] = PlatformApps(spec.name, built)
    return authorizers


def dev_apps(spec: PlatformSpec, settings: Settings, emulator_url: str) -> tuple[PlatformApp, ...]:
    """``spec``'s fixed dev app, on the emulator's path for it (none: it has none)."""
    if spec.dev is None:
        return ()
    base_url = emulator_url + spec.dev.prefix
    options = {**settings.options(spec), **spec.dev.options}
    return (PlatformApp(spec.dev.appid, SecretStr(spec.dev.secret), base_url, options),)
