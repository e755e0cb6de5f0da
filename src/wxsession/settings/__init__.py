"""One settings object, read once from ``WXSESSION_*`` environment variables.

Invalid configuration stops start-up with a message that names the variable
(:func:`load_settings` raises :class:`ConfigurationError`). Secrets are ``SecretStr`` so they
never appear in ``repr`` or logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from wxsession.core.errors import ConfigurationError
from wxsession.data_keys import DataKeys
from wxsession.origins import OriginList, normalize_origin
from wxsession.platforms import OTHERS, OWN, PLATFORMS
from wxsession.platforms.apps import apps_fields, check_apps, configured
from wxsession.platforms.spec import PlatformApp, PlatformSpec, first_app_problem, settings_fields
from wxsession.redis_topology import parse_redis_url
from wxsession.settings.accounts import AccountSettings
from wxsession.settings.audit import AuditSettings
from wxsession.settings.codes import CodeSettings
from wxsession.settings.console import ConsoleSettings
from wxsession.settings.roles import RoleSettings
from wxsession.settings.sms import SmsSettings
from wxsession.settings.throttling import ThrottleSettings
from wxsession.settings.urls import is_loopback, secure_api_base
from wxsession.settings.web import WebSettings

DEV_APPID = "wxdev0000000000000"
DEV_SECRET = "dev-secret-not-for-production"  # noqa: S105 - the local emulator's fixed dev pair
MIN_METRICS_TOKEN = 16
"""Characters a metrics token needs at least; an empty one is refused too, not taken as unset,
so a templating slip cannot leave /metrics open while the operator believes it is closed."""

CarrierName = Literal["header", "cookie", "query", "body"]


def _default_carriers() -> list[CarrierName]:
    return ["header"]


_PLATFORM_ANNOTATIONS, _PLATFORM_DEFAULTS = settings_fields(OTHERS)
_APPS_ANNOTATIONS, _APPS_DEFAULTS = apps_fields(PLATFORMS)
_APPIDS = tuple(spec.settings.appid for spec in PLATFORMS)
_APP_LISTS = tuple(spec.apps_field for spec in PLATFORMS)
_API_BASES = tuple(spec.settings.api_base for spec in PLATFORMS)


class Settings(
    AccountSettings,
    CodeSettings,
    ThrottleSettings,
    AuditSettings,
    RoleSettings,
    WebSettings,
    SmsSettings,
    ConsoleSettings,
    BaseSettings,
):
    """Everything wxsession reads from the environment. See docs/configuration.md.

    A feature's group of settings may live in a mixin of its own module in this package
    (:mod:`wxsession.settings.throttling`); its fields come before the ones declared here.
    """

    model_config = SettingsConfigDict(env_prefix="WXSESSION_", extra="ignore", frozen=True)

    # WeChat mini program credentials. Both unset: dev mode, when allowed (dev_mode below).
    appid: str | None = None
    secret: SecretStr | None = None
    wechat_api_base: str = OWN.settings.default_api_base
    wechat_timeout: float = Field(default=5.0, gt=0, le=60)
    # Where the access token comes from: stable_token (shared-safe) or the older cgi-bin/token.
    wechat_token_endpoint: Literal["stable_token", "token"] = "stable_token"  # noqa: S105
    # Open data without a padding oracle (issue 19, docs/wechat-data.md): decrypted data whose
    # watermark.timestamp is further than wechat_data_max_age seconds from now is refused (no
    # way to turn the check off); at most wechat_data_failures failed decrypt or verify calls
    # per user in a moving window of wechat_data_failure_window seconds, then 429.
    wechat_data_max_age: int = Field(default=600, ge=1, le=30 * 86400)
    wechat_data_failures: int = Field(default=20, ge=1, le=100_000)
    wechat_data_failure_window: int = Field(default=600, ge=1, le=86_400)

    # Other login platforms (wxsession.platforms.OTHERS; docs/login-methods.md), from their
    # specs: <name>_appid and <name>_secret (on when both are set), <name>_api_base (default:
    # the real host), then the platform's options. wechat_timeout bounds their calls too. In
    # dev mode all run against the emulator. Declared here so `config check` lists them here.
    __annotations__.update(_PLATFORM_ANNOTATIONS)
    locals().update(_PLATFORM_DEFAULTS)
    # Several apps per platform (docs/configuration.md): <name>_apps (wechat_apps for the
    # mini program), appid:secret pairs or a JSON list, beside the one-app pair above.
    __annotations__.update(_APPS_ANNOTATIONS)
    locals().update(_APPS_DEFAULTS)

    # Storage.
    database_url: str = "sqlite+aiosqlite:///./wxsession.db"
    session_store: str = "sql"
    # Seconds per Redis connect and per reply; a hung Redis is a 503 within about 4x this
    # (a new connection's connect and read, retried once).
    redis_timeout: float = Field(default=1.0, gt=0, le=30)
    auto_migrate: bool = True

    # Secrets at rest (issue 19, point 20): the AES-256-GCM keys that seal stored session_keys,
    # as key_id:base64_key entries, comma-separated; the first seals, all open. Required
    # with WXSESSION_APPID, as every service outside dev mode has; without it (dev mode, an
    # adapter that only checks sessions) a fixed, public dev key stands in.
    data_keys: SecretStr | None = None

    # Scale-out (issue #9): PostgreSQL pool and waits, per process (ignored for SQLite). Every
    # request needs at most one connection at a time; max_overflow adds short-lived extras.
    db_pool_size: int = Field(default=10, ge=1, le=1000)
    db_max_overflow: int = Field(default=10, ge=0, le=1000)
    db_pool_timeout: float = Field(default=5.0, gt=0, le=300)  # wait for a free connection
    db_connect_timeout: float = Field(default=5.0, gt=0, le=300)
    db_command_timeout: float = Field(default=10.0, gt=0, le=3600)  # per statement

    # Sessions.
    session_ttl: int = Field(default=7200, ge=60, le=30 * 86400)
    session_max_age: int = Field(default=30 * 86400, ge=60, le=365 * 86400)
    session_touch_interval: int = Field(default=60, ge=0, le=3600)
    registration: Literal["auto", "explicit", "closed"] = "auto"
    # At most this many live sessions per user; a login beyond it ends the oldest.
    max_sessions_per_user: int = Field(default=10, ge=1, le=1000)
    # How long a process may trust its cached copy of a user's revocation point (seconds).
    revocation_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # Hot-session cache (issue 8; Redis store only): how many sessions a process keeps in
    # memory (0: off) and for how long at most (seconds); revocations reach it over pub/sub.
    session_cache_size: int = Field(default=10_000, ge=0, le=1_000_000)
    session_cache_seconds: float = Field(default=10.0, gt=0, le=60)

    # Password accounts: at most this many Argon2id hashes (19 MiB each) run at once.
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)

    # Identity binding (issue 3): a new identity whose unionid belongs to a user joins them.
    unionid_merge: bool = True

    # Proxies (IPs or CIDRs, and "unix" for a peer on a Unix socket) whose X-Forwarded-For is
    # believed; empty: the peer is the client.
    trusted_proxies: Annotated[list[IPvAnyNetwork | Literal["unix"]], NoDecode] = Field(
        default_factory=list
    )

    # Where the session token travels: all listed carriers are read (two tokens: 400).
    carriers: Annotated[list[CarrierName], NoDecode] = Field(default_factory=_default_carriers)
    header_name: str = "Authorization"
    query_param: str = "session_id"
    body_field: str = "session_id"
    cookie_secure: bool = True
    cookie_samesite: Literal["lax", "strict", "none"] = "lax"
    # Cookie carrier and CSRF (issue 20 points 4, 5). The cookie's name: unset, __Host-wxsession
    # when Secure, else wxsession (_cookie_name). Origins besides the request's own whose
    # state-changing requests may use the session cookie (docs/security.md, wxsession.csrf).
    cookie_name: str = Field(default="", validate_default=True)
    csrf_trusted_origins: OriginList = Field(default_factory=list)
    # Browser logins (docs/security.md): the service's origin for redirect_uri (dev mode: the
    # request's), origins return_to may name besides our paths, a started login's lifetime.
    public_url: str | None = None
    return_to_origins: OriginList = Field(default_factory=list)
    web_login_seconds: int = Field(default=600, ge=30, le=3600)

    # HTTP server.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "text"] = "json"
    shutdown_timeout: int = Field(default=20, ge=1, le=300)
    # Slow clients (issue 19, point 5): seconds a request's line and headers, then its body,
    # may take to arrive before the connection is closed; and how many connections may be
    # open at once (beyond it a new one is closed at once). Keep it below `ulimit -n`.
    http_header_timeout: float = Field(default=10.0, gt=0, le=300)
    http_body_timeout: float = Field(default=30.0, gt=0, le=3600)
    max_connections: int = Field(default=1000, ge=1, le=1_000_000)
    # A bearer token /metrics then asks of its scraper; unset: /metrics is open (keep it to
    # the monitoring network).
    metrics_token: SecretStr | None = None
    # What the service publishes besides its API (issue 19, point 16): /docs (Swagger UI, from
    # a package, no CDN; needs the document), /openapi.json and /metrics. Switch off what a
    # production port need not show.
    serve_docs: bool = True
    serve_openapi: bool = True
    serve_metrics: bool = True

    # Dev mode (issue 19, point 2): the in-process emulator stands in for every platform and
    # its /_emulator/* routes are served. Unset, it is on only when nothing production-like is
    # set (platform credentials, a non-loopback host, PostgreSQL, Redis); declared after the
    # settings it looks at, so its default can read them.
    dev_mode: bool = Field(default_factory=lambda values: not production_signs(values))

    @field_validator(*_APPIDS)
    @classmethod
    def _appid_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        return value

    @field_validator(*_API_BASES)
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("public_url")
    @classmethod
    def _public_origin(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else normalize_origin(value)

    @field_validator("metrics_token")
    @classmethod
    def _token_strength(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_METRICS_TOKEN:
            raise ValueError(f"must be at least {MIN_METRICS_TOKEN} characters (or unset)")
        return value

    @field_validator("data_keys")
    @classmethod
    def _data_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            DataKeys.parse(value.get_secret_value())  # its errors never quote a key
        return value

    @field_validator("session_store")
    @classmethod
    def _store_url(cls, value: str) -> str:
        if value != "sql":
            try:
                parse_redis_url(value)
            except ValueError as exc:
                raise ValueError(f"must be 'sql' (the database) or a Redis URL: {exc}") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("cookie_name")
    @classmethod
    def _cookie_name(cls, value: str, info: ValidationInfo) -> str:
        """``__Host-`` by default when the cookie is Secure (issue 20 point 5): browsers then
        refuse such a cookie set by a sibling subdomain or over http, so it cannot be tossed
        beside ours. Without Secure (local http) browsers refuse the prefix itself, so the
        default stays ``wxsession``. An explicit name wins, if it can work."""
        secure = info.data.get("cookie_secure", True)
        if not value:
            return "__Host-wxsession" if secure else "wxsession"
        if value.startswith(("__Host-", "__Secure-")) and not secure:
            raise ValueError("a __Host- or __Secure- name needs WXSESSION_COOKIE_SECURE=true")
        return value

    @field_validator("carriers", "trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("carriers")
    @classmethod
    def _carriers_unique(cls, value: list[CarrierName]) -> list[CarrierName]:
        if not value:
            raise ValueError("at least one carrier is needed")
        if len(set(value)) != len(value):
            raise ValueError("a carrier is listed twice")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if (self.appid is None) != (self.secret is None):
            raise ValueError("set both WXSESSION_APPID and WXSESSION_SECRET, or neither (dev mode)")
        check_apps(OTHERS, lambda name: getattr(self, name))
        if self.cookie_samesite == "none" and not self.cookie_secure:
            raise ValueError("WXSESSION_COOKIE_SAMESITE=none needs WXSESSION_COOKIE_SECURE=true")
        for spec in (s for s in OTHERS if s.web and self.platform_apps(s)):
            lacks = ["cookie in WXSESSION_CARRIERS"] if "cookie" not in self.carriers else []
            lacks += ["WXSESSION_PUBLIC_URL"] if self.public_url is None else []
            if lacks:
                variable = spec.settings.env(spec.settings.appid)
                raise ValueError(f"{variable} (a browser login) needs {' and '.join(lacks)}")
        if self.session_max_age < self.session_ttl:
            raise ValueError("WXSESSION_SESSION_MAX_AGE must be at least WXSESSION_SESSION_TTL")
        own = self.platform_apps(OWN)
        if self.dev_mode and own:
            which = "WXSESSION_APPID" if self.appid is not None else "WXSESSION_WECHAT_APPS"
            raise ValueError(f"WXSESSION_DEV_MODE=true and {which} are both set: unset one")
        for spec in (s for s in PLATFORMS if self.platform_apps(s)):  # credentials set
            if not secure_api_base(getattr(self, spec.settings.api_base)):
                raise ValueError(
                    f"{spec.settings.env(spec.settings.api_base)} is plain http:// to another "
                    "host, and the secret travels in its query string: use https:// (or a "
                    "loopback emulator)"
                )
        if self.data_keys is None and own:
            raise ValueError(
                "WXSESSION_DATA_KEYS is required with the mini program's apps (it seals stored "
                "session keys); see docs/deployment.md to generate one"
            )
        return self

    def platform_apps(self, spec: PlatformSpec) -> tuple[PlatformApp, ...]:
        """``spec``'s apps as configured here, in order (none: it is off); ``ValueError``
        when its one-app pair and its list disagree."""
        return configured(spec, lambda name: getattr(self, name))

    def own_apps(self) -> tuple[PlatformApp, ...]:
        """The service's own mini programs: as configured, else dev mode's one app."""
        base = self.wechat_api_base
        return self.platform_apps(OWN) or (PlatformApp(DEV_APPID, SecretStr(DEV_SECRET), base),)

    def options(self, spec: PlatformSpec) -> dict[str, object]:
        """``spec``'s options as set here, by :attr:`~wxsession.platforms.spec.Option.name`."""
        return {option.name: getattr(self, option.field) for option in spec.settings.options}

    def service_problem(self) -> str | None:
        """Why these settings cannot serve, in one line (None: they can): a configured app its
        platform's check refuses (a key that does not load), or no WeChat credentials outside
        dev mode, which a production-like setting never implies (the operator opts in)."""
        apps = ((spec, app) for spec in OTHERS for app in self.platform_apps(spec))
        problem = first_app_problem(apps)
        if problem is not None or self.platform_apps(OWN) or self.dev_mode:
            return problem
        signs = production_signs(dict(self))
        because = f" ({', '.join(signs)} set)" if signs else ""
        return (
            f"WXSESSION_APPID and WXSESSION_SECRET (or WXSESSION_WECHAT_APPS) are not set"
            f"{because}: set them, or opt in"
            " to dev mode (the built-in emulator, never for real users) with"
            " WXSESSION_DEV_MODE=true or `wxsession serve --dev`"
        )

    def ensure_servable(self) -> None:
        """Raise :class:`ConfigurationError` with :meth:`service_problem`, if there is one."""
        problem = self.service_problem()
        if problem is not None:
            raise ConfigurationError(problem)


def production_signs(values: Mapping[str, Any]) -> list[str]:
    """The settings in ``values`` (validated so far) that only a real deployment sets, by
    their variable names: any platform's credentials, a non-loopback host, PostgreSQL,
    Redis."""
    signs = [f"WXSESSION_{name.upper()}" for name in _APPIDS if values.get(name) is not None]
    signs += [f"WXSESSION_{name.upper()}" for name in _APP_LISTS if values.get(name)]
    host = values.get("host")
    if host is not None and not is_loopback(host):
        signs.append(f"WXSESSION_HOST={host}")
    if str(values.get("database_url", "")).startswith("postgresql"):
        signs.append("WXSESSION_DATABASE_URL (PostgreSQL)")
    if values.get("session_store", "sql") != "sql":
        signs.append("WXSESSION_SESSION_STORE (Redis)")
    return signs


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment (and ``overrides``), or explain what is wrong."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigurationError(_explain(exc)) from None


def _explain(exc: ValidationError) -> str:
    lines = ["Invalid configuration:"]
    for error in exc.errors(include_input=False, include_url=False):
        if error["type"] == "default_factory_not_called":  # dev_mode's, after another error
            continue
        field = ".".join(str(part) for part in error["loc"])
        name = f"WXSESSION_{field.upper()}" if field else "settings"
        lines.append(f"  {name}: {error['msg']}")
    return "\n".join(lines)
