"""`wxsession config check`: the effective settings with secrets masked, or why they are wrong."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from devtools.servers import RedisProcess
from tests.support.cli import TEST_DATA_KEYS, run_cli
from wxsession import cli, migrate
from wxsession.server.background import free_port

SECRET = "s3cret-app-secret-9a8b7c6d"
DB_PASSWORD = "pg-pass-4e5f6a"
REDIS_PASSWORD = "redis-pass-1a2b3c"


def _check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli("config", "check", cwd=tmp_path, **env)


def test_prints_effective_settings_with_secrets_masked(tmp_path: Path) -> None:
    result = _check(
        tmp_path,
        WXSESSION_APPID="wx5e1f0c3a9b7d2e46",
        WXSESSION_SECRET=SECRET,
        WXSESSION_DATA_KEYS=TEST_DATA_KEYS,
        WXSESSION_DATABASE_URL=f"postgresql+asyncpg://wxs:{DB_PASSWORD}@db.internal/wxs",
        WXSESSION_SESSION_STORE=f"redis://:{REDIS_PASSWORD}@cache.internal:6379/0",
        WXSESSION_SESSION_TTL="3600",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for secret in (SECRET, DB_PASSWORD, REDIS_PASSWORD, TEST_DATA_KEYS.split(":")[1]):
        assert secret not in out + result.stderr
    assert "* WXSESSION_SECRET" in out and "********" in out
    assert any(
        line.split() == ["*", "WXSESSION_DATA_KEYS", "********"] for line in out.splitlines()
    )
    assert "postgresql+asyncpg://wxs:***@db.internal/wxs" in out
    assert "redis://:***@cache.internal:6379/0" in out
    assert any(
        line.split()[:3] == ["*", "WXSESSION_SESSION_TTL", "3600"] for line in out.splitlines()
    )
    # Defaults are shown too, unmarked.
    assert any(line.split() == ["WXSESSION_LOG_FORMAT", "json"] for line in out.splitlines())
    assert "The configuration is valid." in out


def test_explains_each_invalid_value(tmp_path: Path) -> None:
    result = _check(
        tmp_path,
        WXSESSION_SESSION_TTL="two hours",
        WXSESSION_DATABASE_URL="mysql://root:hunter2@db/wxs",
        WXSESSION_LOG_FORMAT="xml",
        WXSESSION_SESION_TTL="60",
    )
    assert result.returncode == 2
    out = result.stdout
    assert "hunter2" not in out
    assert "WXSESSION_SESSION_TTL='two hours': Input should be a valid integer" in out
    assert "WXSESSION_DATABASE_URL='mysql://root:***@db/wxs': must start with" in out
    assert "WXSESSION_LOG_FORMAT='xml': Input should be 'json' or 'text'" in out
    assert "WXSESSION_SESION_TTL is not a wxsession setting" in out


def test_a_rule_across_settings_is_explained_without_the_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [k for k in os.environ if k.startswith("WXSESSION_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("WXSESSION_APPID", "wx5e1f0c3a9b7d2e46")
    monkeypatch.setenv("WXSESSION_SECRET", SECRET)
    monkeypatch.setenv("WXSESSION_SESSION_MAX_AGE", "60")  # shorter than the idle timeout
    assert cli.main(["config", "check"]) == 2
    out = capsys.readouterr().out
    assert SECRET not in out
    assert "WXSESSION_SESSION_MAX_AGE must be at least WXSESSION_SESSION_TTL" in out


def test_sqlite_url_is_printed_as_given(tmp_path: Path) -> None:
    result = _check(tmp_path)
    assert result.returncode == 0, result.stdout
    assert any(
        line.split() == ["WXSESSION_DATABASE_URL", "sqlite+aiosqlite:///./wxsession.db"]
        for line in result.stdout.splitlines()
    ), result.stdout
    assert "DEV MODE" in result.stdout


def test_production_like_settings_without_credentials_are_not_valid(tmp_path: Path) -> None:
    """Issue 19: QQ credentials on 0.0.0.0 and no WXSESSION_APPID was called valid, and served
    the emulator. Now config check refuses as serve does; an explicit opt-in makes it dev."""
    env = {
        "WXSESSION_QQ_APPID": "1101",
        "WXSESSION_QQ_SECRET": SECRET,
        "WXSESSION_HOST": "0.0.0.0",  # noqa: S104
    }
    refused = _check(tmp_path, **env)
    assert refused.returncode == 2
    assert "The configuration is valid." not in refused.stdout
    assert "WXSESSION_QQ_APPID, WXSESSION_HOST=0.0.0.0 set" in refused.stdout
    assert "WXSESSION_DEV_MODE=true" in refused.stdout
    assert SECRET not in refused.stdout
    opted_in = _check(tmp_path, **env, WXSESSION_DEV_MODE="true")
    assert opted_in.returncode == 0, opted_in.stdout
    assert "DEV MODE" in opted_in.stdout


def test_dev_opt_in_next_to_real_credentials_is_refused(tmp_path: Path) -> None:
    result = _check(
        tmp_path,
        WXSESSION_APPID="wx5e1f0c3a9b7d2e46",
        WXSESSION_SECRET=SECRET,
        WXSESSION_DEV_MODE="true",
    )
    assert result.returncode == 2
    assert "WXSESSION_DEV_MODE=true and WXSESSION_APPID are both set" in result.stdout


@pytest.mark.parametrize(
    ("platform", "base", "ok"),
    [
        ("QQ", "http://api.q.qq.com", False),
        ("QQ", "http://127.0.0.1:8081/qq", True),
        ("QQ", "http://localhost:8081/qq", True),
        ("QQ", "https://api.q.qq.com", True),
        ("DOUYIN", "http://10.0.0.5/douyin", False),
    ],
)
def test_plain_http_api_base_needs_loopback_when_credentials_are_real(
    tmp_path: Path, platform: str, base: str, *, ok: bool
) -> None:
    result = _check(
        tmp_path,
        WXSESSION_APPID="wx5e1f0c3a9b7d2e46",
        WXSESSION_SECRET=SECRET,
        WXSESSION_DATA_KEYS=TEST_DATA_KEYS,
        **{
            f"WXSESSION_{platform}_APPID": "1101",
            f"WXSESSION_{platform}_SECRET": SECRET,
            f"WXSESSION_{platform}_API_BASE": base,
        },
    )
    assert (result.returncode == 0) is ok, result.stdout
    assert ("plain http://" in result.stdout) is not ok


# --- --connect: reaching what the settings name, against real servers -----------------------


def _connect(tmp_path: Path, **env: str) -> tuple[int, dict[str, str], str]:
    """Run ``config check --connect``; its verdict per check (``ok`` / ``FAIL`` + detail)."""
    result = run_cli("config", "check", "--connect", cwd=tmp_path, **env)
    report = result.stdout.split("(--connect):\n", 1)[-1]
    verdicts = {}
    for line in report.splitlines():
        found = re.match(r"  (ok|FAIL)\s+(\S.*?)\s{2,}(.*)$", line)
        if found:
            verdicts[found.group(2)] = f"{found.group(1)} {found.group(3)}"
    return result.returncode, verdicts, result.stdout + result.stderr


def _production(database_url: str, store: str, wechat_base: str) -> dict[str, str]:
    return {
        "WXSESSION_APPID": "wx5e1f0c3a9b7d2e46",
        "WXSESSION_SECRET": SECRET,
        "WXSESSION_DATA_KEYS": TEST_DATA_KEYS,
        "WXSESSION_DATABASE_URL": database_url,
        "WXSESSION_SESSION_STORE": store,
        "WXSESSION_WECHAT_API_BASE": wechat_base,
        "WXSESSION_AUTO_MIGRATE": "false",
        "WXSESSION_REDIS_TIMEOUT": "0.5",
    }


def test_connect_reaches_store_database_migrations_and_platform(
    tmp_path: Path, postgres_url: str, redis_url: str, url: str
) -> None:
    env = _production(postgres_url, redis_url, url)
    upgraded = run_cli("db", "upgrade", cwd=tmp_path, **env)
    assert upgraded.returncode == 0, upgraded.stderr
    status, verdicts, out = _connect(tmp_path, **env)
    assert status == 0, out
    assert verdicts["database"].startswith("ok "), out
    assert verdicts["migrations"] == f"ok at {migrate.head_revision()} (the head)", out
    assert verdicts["session store"].startswith(f"ok {redis_url}: answered PING"), out
    assert verdicts["WeChat mini program API"].startswith(f"ok {url}: answered HTTP"), out
    assert "Everything answered." in out
    assert SECRET not in out


def test_connect_names_the_store_that_is_down(
    tmp_path: Path, postgres_url: str, own_redis: RedisProcess, url: str
) -> None:
    env = _production(postgres_url, own_redis.url, url)
    assert run_cli("db", "upgrade", cwd=tmp_path, **env).returncode == 0
    own_redis.stop()
    status, verdicts, out = _connect(tmp_path, **env)
    assert status == 1, out
    assert verdicts["session store"].startswith(f"FAIL {own_redis.url}: "), out
    # The operator reads the driver's reason, not the clients' "try again" message, once:
    # the start-up warning about the eviction policy check stays out of the report.
    assert "refused" in verdicts["session store"].lower() or "111" in verdicts["session store"]
    assert "Try again" not in verdicts["session store"]
    assert "maxmemory-policy" not in out
    failed = [name for name, verdict in verdicts.items() if verdict.startswith("FAIL")]
    assert failed == ["session store"], out
    assert "Not reachable or not fit to serve: session store." in out


def test_connect_names_pending_migrations_and_an_unreachable_platform(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = _production(postgres_url, redis_url, dead)
    status, verdicts, out = _connect(tmp_path, **env)  # no `db upgrade`: an empty database
    assert status == 1, out
    assert verdicts["database"].startswith("ok "), out
    assert verdicts["migrations"].startswith("FAIL none applied"), out
    assert "run `wxsession db upgrade`" in verdicts["migrations"]
    assert verdicts["session store"].startswith("ok "), out
    assert verdicts["WeChat mini program API"].startswith(f"FAIL {dead}: "), out


def test_connect_names_a_database_that_refuses(tmp_path: Path, redis_url: str, url: str) -> None:
    closed = free_port()
    database = f"postgresql+asyncpg://wxs:{DB_PASSWORD}@127.0.0.1:{closed}/wxs"
    status, verdicts, out = _connect(tmp_path, **_production(database, redis_url, url))
    assert status == 1, out
    assert verdicts["database"] == (
        f"FAIL WXSESSION_DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:{closed}, "
        "database wxs (connection refused)"
    ), out
    assert "migrations" not in verdicts
    assert DB_PASSWORD not in out


def test_connect_creates_no_sqlite_file(tmp_path: Path) -> None:
    status, verdicts, out = _connect(tmp_path)  # dev defaults: ./wxsession.db, auto-migrated
    assert status == 0, out
    assert verdicts["database"] == (
        "ok ./wxsession.db does not exist yet: serve creates and migrates it at start"
    ), out
    assert verdicts["session store"] == "ok sql: the database above"
    assert verdicts["platforms"].startswith("ok none with credentials (dev mode"), out
    assert not (tmp_path / "wxsession.db").exists()
