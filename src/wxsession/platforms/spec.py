"""What a login platform is to the rest of the service: one frozen :class:`PlatformSpec` per
platform, defined in its home (``platforms/<name>/__init__.py``) and listed once in
:data:`wxsession.platforms.PLATFORMS`. Settings, the registry, the CLI and the API texts are
generated from that list, so a new platform is one folder and one line there.

Specs are plain data and import nothing heavy: settings read them at start-up. The provider
factory imports its platform's code only when called.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, cast

from pydantic import SecretStr

if TYPE_CHECKING:
    import httpx

    from wxsession.emulator.routing import EmulatedPlatform
    from wxsession.platforms.provider import Provider
    from wxsession.platforms.wire import MakeError


@dataclass(frozen=True, slots=True)
class Option:
    """A platform setting beside its credentials: ``WXSESSION_<FIELD>``, given to the
    provider factory as ``PlatformApp.options[name]``."""

    name: str
    field: str
    default: bool | int | float | str
    doc: str


@dataclass(frozen=True, slots=True)
class PlatformSettings:
    """A platform's ``WXSESSION_*`` settings, by field name (the variable is
    ``WXSESSION_`` + the field in capitals): appid and secret (on when both are set), the API
    base its calls go to, and its options. Beside appid and secret, every platform also has
    a list of several apps (:attr:`PlatformSpec.apps_field`)."""

    appid: str
    secret: str
    api_base: str
    default_api_base: str
    options: tuple[Option, ...] = ()
    declared: bool = False
    """Declared by :class:`~wxsession.settings.Settings` itself (the service's own mini
    program, whose credentials also decide dev mode), not generated from the spec."""

    @classmethod
    def prefixed(cls, prefix: str, default_api_base: str, *options: Option) -> PlatformSettings:
        """``<prefix>_appid``, ``<prefix>_secret``, ``<prefix>_api_base`` and ``options``."""
        return cls(
            f"{prefix}_appid", f"{prefix}_secret", f"{prefix}_api_base", default_api_base, options
        )

    def env(self, field_name: str) -> str:
        """The environment variable of a field: ``WXSESSION_<FIELD>``."""
        return f"WXSESSION_{field_name.upper()}"


@dataclass(frozen=True, slots=True)
class PlatformApp:
    """One app of a platform, configured: its appid, secret, the API base its calls go to,
    and the platform's options (by :attr:`Option.name`)."""

    appid: str
    secret: SecretStr
    base_url: str
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Built:
    """A provider, and the error it answers while its platform backs off (its 503)."""

    provider: Provider
    busy: MakeError


BuildProvider = Callable[["PlatformApp", "httpx.AsyncClient", float], Built]
"""``(app, shared HTTP client, timeout)`` → the platform's provider for that app."""

CheckApp = Callable[["PlatformApp"], "str | None"]
"""``app`` → why the service cannot start with it, in one line naming the variable to fix
(a key that does not load, an option out of its range), or ``None``."""


class WebAuthorizer(Protocol):
    """A browser login's first step (``GET /v1/auth/{name}/authorize``): where to send the
    browser, which the platform sends back to ``redirect_uri`` with a code and ``state``."""

    def authorize_url(self, redirect_uri: str, state: str) -> str: ...


BuildWeb = Callable[["PlatformApp"], WebAuthorizer]
"""``app`` → the platform's authorize step for that app (sans-IO)."""


@dataclass(frozen=True, slots=True)
class DevApp:
    """How dev mode runs a platform on the in-process emulator: a fixed appid and secret the
    emulator knows, the path its answers are served under (the platform's API base is the
    emulator's URL plus ``prefix``), and options dev mode sets over the settings' (by
    :attr:`Option.name`)."""

    appid: str
    secret: str
    prefix: str = ""
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlatformSpec:
    """One login platform. ``name`` is on the wire (``POST /v1/auth/{name}/login``) and on
    stored identities, so it never changes."""

    name: str
    title: str
    """As the API documentation names it: ``WeChat mini program``."""
    short_title: str
    """In short lists of platforms: ``WeChat``."""
    code_source: str
    """Where a client gets a login code: ``wx.login()``."""
    max_code_length: int
    settings: PlatformSettings
    build: str | None
    """Where its provider factory (a :data:`BuildProvider`) is, as ``module:name``; ``None``
    only for the service's own mini program, built around the runtime's WeChat client
    (shared with access tokens and open data). Named, not imported: the home's package
    never imports its own modules (they import its spec), so settings load no platform code
    and no import runs in a circle."""
    dev: DevApp | None = None
    """``None``: dev mode's app comes from elsewhere (the mini program's is the settings'
    dev pair)."""
    emulator_flag: str | None = None
    """The ``wxsession emulator`` option registering an app: ``<name>-app`` is
    ``--<name>-app``."""
    emulator_title: str = ""
    """How that option's help names the platform, when not :attr:`title`."""
    emulator_secret: str = "SECRET"  # noqa: S105 (a help text's word)
    """What that option's value carries after ``APPID:``, as its help names it: what the
    emulator checks the app's calls with (its secret, or the public half of its key)."""
    emulated: str | None = None
    """Where its answers on the emulator (an ``EmulatedPlatform``) are, as ``module:name``:
    loaded only by the emulator, so production never imports them."""
    check: str | None = None
    """Where its start-up check of a configured app (a :data:`CheckApp`) is, as
    ``module:name``, for what settings' types cannot say; ``None``: nothing to check."""
    web: str | None = None
    """A browser login (its code reaches ``/v1/auth/{name}/callback``, never a client's
    ``POST .../login``): where its :data:`BuildWeb` is, as ``module:name``."""

    @property
    def apps_field(self) -> str:
        """The settings field of its list of several apps, after its name: ``qq_apps`` is
        ``WXSESSION_QQ_APPS`` (:mod:`wxsession.platforms.apps`)."""
        return f"{self.name}_apps"

    @property
    def emulator_help_title(self) -> str:
        return self.emulator_title or self.title

    def provider_factory(self) -> BuildProvider | None:
        """Its provider factory, imported now (``None`` for the service's own mini program)."""
        return None if self.build is None else cast("BuildProvider", _load(self.build))

    def app_problem(self, app: PlatformApp) -> str | None:
        """Why ``app`` cannot serve, in one line (its :attr:`check`), or ``None``."""
        return None if self.check is None else cast("CheckApp", _load(self.check))(app)

    def web_factory(self) -> BuildWeb | None:
        """Its authorize step's factory, imported now (``None``: not a browser login)."""
        return None if self.web is None else cast("BuildWeb", _load(self.web))

    def emulated_platform(self) -> EmulatedPlatform | None:
        """Its answers on the emulator, imported now (dev mode, the emulator and tests)."""
        return None if self.emulated is None else cast("EmulatedPlatform", _load(self.emulated))


def _load(target: str) -> object:
    """``module:name`` → that name, importing the module."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def first_app_problem(apps: Iterable[tuple[PlatformSpec, PlatformApp | None]]) -> str | None:
    """The first configured app (not ``None``) its spec's check refuses, as that one line."""
    for spec, app in apps:
        problem = None if app is None else spec.app_problem(app)
        if problem is not None:
            return problem
    return None


def settings_fields(specs: Iterable[PlatformSpec]) -> tuple[dict[str, object], dict[str, object]]:
    """The annotations and defaults of the ``Settings`` fields of ``specs``, per platform:
    appid, secret, API base, then its options."""
    annotations: dict[str, object] = {}
    defaults: dict[str, object] = {}
    for spec in specs:
        fields = spec.settings
        annotations[fields.appid], defaults[fields.appid] = str | None, None
        annotations[fields.secret], defaults[fields.secret] = SecretStr | None, None
        annotations[fields.api_base] = str
        defaults[fields.api_base] = fields.default_api_base
        for option in fields.options:
            annotations[option.field], defaults[option.field] = type(option.default), option.default
    return annotations, defaults
