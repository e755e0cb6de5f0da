"""Settings: defaults, environment parsing, and errors that name the variable."""

from __future__ import annotations

import os

import pytest

from tests.support.cli import TEST_DATA_KEYS
from wxsession.core.errors import ConfigurationError
from wxsession.settings import load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("WXSESSION_"):
            monkeypatch.delenv(name)


def test_embedded_defaults() -> None:
    settings = load_settings()
    assert settings.dev_mode
    assert settings.session_ttl == 7200
    assert settings.session_max_age == 30 * 86400
    assert settings.session_store == "sql"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.wechat_api_base == "https://api.weixin.qq.com"
    assert settings.registration == "auto"
    assert settings.carriers == ["header"]


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WXSESSION_APPID", "wx0123456789abcdef")
    monkeypatch.setenv("WXSESSION_SECRET", "s3cret")
    monkeypatch.setenv("WXSESSION_DATA_KEYS", TEST_DATA_KEYS)
    monkeypatch.setenv("WXSESSION_SESSION_STORE", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("WXSESSION_CARRIERS", "cookie, header")
    monkeypatch.setenv("WXSESSION_REGISTRATION", "explicit")
    settings = load_settings()
    assert not settings.dev_mode
    assert settings.carriers == ["cookie", "header"]
    assert settings.registration == "explicit"
    assert "s3cret" not in repr(settings)
    assert TEST_DATA_KEYS.split(":")[1] not in repr(settings)
    assert [app.secret.get_secret_value() for app in settings.own_apps()] == ["s3cret"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WXSESSION_SESSION_TTL", "abc"),
        ("WXSESSION_SESSION_TTL", "5"),
        ("WXSESSION_SESSION_STORE", "memcached://x"),
        ("WXSESSION_DATABASE_URL", "mysql://x"),
        ("WXSESSION_REGISTRATION", "sometimes"),
        ("WXSESSION_CARRIERS", "header,carrier-pigeon"),
        ("WXSESSION_CARRIERS", "header,header"),
        ("WXSESSION_WECHAT_API_BASE", "ftp://x"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert name in str(caught.value)
    assert value not in str(caught.value)  # values are not echoed: they may be secrets


@pytest.mark.parametrize("value", ["", "fifteen-chars!!"])
def test_an_empty_or_short_metrics_token_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """Empty is not "unset": a templating slip must not leave /metrics open unnoticed."""
    monkeypatch.setenv("WXSESSION_METRICS_TOKEN", value)
    with pytest.raises(ConfigurationError, match="WXSESSION_METRICS_TOKEN") as caught:
        load_settings()
    assert not value or value not in str(caught.value)


def test_appid_without_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WXSESSION_APPID", "wx0123456789abcdef")
    with pytest.raises(ConfigurationError, match="WXSESSION_SECRET"):
        load_settings()


def test_max_age_below_ttl_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WXSESSION_SESSION_TTL", "7200")
    monkeypatch.setenv("WXSESSION_SESSION_MAX_AGE", "3600")
    with pytest.raises(ConfigurationError, match="WXSESSION_SESSION_MAX_AGE"):
        load_settings()


def test_data_keys_are_required_outside_dev_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WXSESSION_APPID", "wx0123456789abcdef")
    monkeypatch.setenv("WXSESSION_SECRET", "s3cret")
    with pytest.raises(ConfigurationError, match="WXSESSION_DATA_KEYS is required"):
        load_settings()
    monkeypatch.setenv("WXSESSION_DATA_KEYS", TEST_DATA_KEYS)
    assert load_settings().data_keys is not None
    monkeypatch.delenv("WXSESSION_APPID")
    monkeypatch.delenv("WXSESSION_SECRET")
    monkeypatch.delenv("WXSESSION_DATA_KEYS")
    assert load_settings().data_keys is None  # dev mode: the fixed, public dev key


def test_bad_data_keys_name_the_variable_not_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    key = TEST_DATA_KEYS.split(":")[1]
    monkeypatch.setenv("WXSESSION_DATA_KEYS", f"new:{key[:-8]}=,{TEST_DATA_KEYS}")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    message = str(caught.value)
    assert "WXSESSION_DATA_KEYS" in message and "entry 1 (new)" in message
    assert key[:-8] not in message


def test_production_like_settings_cannot_serve_without_credentials() -> None:
    """The library path (create_app) refuses as `serve` does."""
    from wxsession.server.app import create_app

    settings = load_settings(session_store="redis://127.0.0.1:6379/0")
    assert not settings.dev_mode
    with pytest.raises(ConfigurationError, match="WXSESSION_SESSION_STORE \\(Redis\\) set"):
        create_app(settings)
    assert load_settings(session_store="redis://127.0.0.1:6379/0", dev_mode=True).dev_mode


def test_csrf_trusted_origins_are_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Written as browsers send ``Origin`` (lower case, no trailing slash), or refused."""
    monkeypatch.setenv(
        "WXSESSION_CSRF_TRUSTED_ORIGINS", "https://Admin.Example.com/, http://[::1]:8080"
    )
    assert load_settings().csrf_trusted_origins == [
        "https://admin.example.com",
        "http://[::1]:8080",
    ]
    for bad in (
        "https://*.example.com",
        "admin.example.com",
        "https://a.example/path",
        "ftp://a.example",
        "https://u@a.example",
        "https://a.example:port",
    ):
        monkeypatch.setenv("WXSESSION_CSRF_TRUSTED_ORIGINS", bad)
        with pytest.raises(ConfigurationError, match="WXSESSION_CSRF_TRUSTED_ORIGINS"):
            load_settings()


def test_roles_come_as_json_and_bad_shapes_stop_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WXSESSION_ROLES", '{"editor": ["orders:write", "orders:read"]}')
    roles = load_settings().configured_roles()
    assert roles == {"editor": frozenset({"orders:read", "orders:write"})}
    monkeypatch.setenv("WXSESSION_ROLES", '{"editor": ["orders read"]}')
    with pytest.raises(ConfigurationError, match="WXSESSION_ROLES"):
        load_settings()
