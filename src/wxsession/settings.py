"""One settings object, read once from ``WXSESSION_*`` environment variables.

Invalid configuration stops start-up with a message that names the variable
(:func:`load_settings` raises :class:`ConfigurationError`). Secrets are ``SecretStr`` so they
never appear in ``repr`` or logs.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

WECHAT_API_BASE = "https://api.weixin.qq.com"
DEV_APPID = "wxdev0000000000000"
DEV_SECRET = "dev-secret-not-for-production"  # noqa: S105 - the local emulator's fixed dev pair

CarrierName = Literal["header", "cookie", "query", "body"]


def _default_carriers() -> list[CarrierName]:
    return ["header"]


class ConfigurationError(Exception):
    """Raised when settings are invalid; the message names each offending variable."""


class Settings(BaseSettings):
    """Everything wxsession reads from the environment. See docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="WXSESSION_", extra="ignore", frozen=True)

    # WeChat mini program credentials. Both empty means dev mode (in-process emulator).
    appid: str | None = None
    secret: SecretStr | None = None
    wechat_api_base: str = WECHAT_API_BASE
    wechat_timeout: float = Field(default=5.0, gt=0, le=60)
    # Where the access token comes from: stable_token (shared-safe) or the older cgi-bin/token.
    wechat_token_endpoint: Literal["stable_token", "token"] = "stable_token"  # noqa: S105
    # Refuse decrypted open data whose watermark.timestamp is further than this from now
    # (seconds); unset: no time check.
    wechat_data_max_age: int | None = Field(default=None, ge=1, le=30 * 86400)

    # Storage.
    database_url: str = "sqlite+aiosqlite:///./wxsession.db"
    session_store: str = "sql"
    auto_migrate: bool = True

    # Sessions.
    session_ttl: int = Field(default=7200, ge=60, le=30 * 86400)
    session_max_age: int = Field(default=30 * 86400, ge=60, le=365 * 86400)
    session_touch_interval: int = Field(default=60, ge=0, le=3600)
    registration: Literal["auto", "explicit"] = "auto"
    # At most this many live sessions per user; a login beyond it ends the oldest.
    max_sessions_per_user: int = Field(default=10, ge=1, le=1000)
    # How long a process may trust its cached copy of a user's revocation point (seconds).
    revocation_cache_seconds: float = Field(default=5.0, ge=0, le=60)

    # Password accounts: at most this many Argon2id hashes (19 MiB each) run at once.
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)

    # Where the session token travels, in order of precedence.
    carriers: Annotated[list[CarrierName], NoDecode] = Field(default_factory=_default_carriers)
    header_name: str = "Authorization"
    query_param: str = "session_id"
    body_field: str = "session_id"
    cookie_name: str = "wxsession"
    cookie_secure: bool = True
    cookie_samesite: Literal["lax", "strict", "none"] = "lax"

    # HTTP server.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "text"] = "json"
    shutdown_timeout: int = Field(default=20, ge=1, le=300)

    @field_validator("appid")
    @classmethod
    def _appid_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        return value

    @field_validator("wechat_api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("session_store")
    @classmethod
    def _store_url(cls, value: str) -> str:
        if value != "sql" and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be 'sql' (the user database) or a redis:// URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("carriers", mode="before")
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
        if self.cookie_samesite == "none" and not self.cookie_secure:
            raise ValueError("WXSESSION_COOKIE_SAMESITE=none needs WXSESSION_COOKIE_SECURE=true")
        if self.session_max_age < self.session_ttl:
            raise ValueError("WXSESSION_SESSION_MAX_AGE must be at least WXSESSION_SESSION_TTL")
        return self

    @property
    def dev_mode(self) -> bool:
        """No WeChat credentials: serve and use the in-process emulator."""
        return self.appid is None

    @property
    def effective_appid(self) -> str:
        return self.appid if self.appid is not None else DEV_APPID

    @property
    def effective_secret(self) -> SecretStr:
        return self.secret if self.secret is not None else SecretStr(DEV_SECRET)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment (and ``overrides``), or explain what is wrong."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigurationError(_explain(exc)) from None


def _explain(exc: ValidationError) -> str:
    lines = ["Invalid configuration:"]
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in error["loc"])
        name = f"WXSESSION_{field.upper()}" if field else "settings"
        lines.append(f"  {name}: {error['msg']}")
    return "\n".join(lines)
