"""A database that cannot be opened stops `serve`, `db upgrade` and `admin` with one line
naming the setting and the cause (issue 19: it was a 166- to 215-line traceback)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.support.cli import run_cli
from wxsession.db import create_engine
from wxsession.sqlite_async import THREAD_NAME

PASSWORD = "pg-pass-7c1d2e"
COMMANDS = {
    "serve": ("serve", "--port", "1"),
    "db upgrade": ("db", "upgrade"),
    "admin": ("admin", "sessions", "some-user"),
}


def _one_line_failure(tmp_path: Path, command: tuple[str, ...], database_url: str) -> str:
    result = run_cli(
        *command,
        cwd=tmp_path,
        WXSESSION_DATABASE_URL=database_url,
        WXSESSION_DEV_MODE="true",  # PostgreSQL alone would not start dev mode
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # show what else was said, if anything
    (line,) = lines
    return line


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_unreachable_postgresql_is_one_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    url = f"postgresql+asyncpg://wxs:{PASSWORD}@127.0.0.1:1/wxs"
    line = _one_line_failure(tmp_path, command, url)
    assert line == (
        "WXSESSION_DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:1, database wxs"
        " (connection refused)"
    )


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_unopenable_sqlite_path_is_one_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    path = tmp_path / "no-such-directory" / "users.db"
    line = _one_line_failure(tmp_path, command, f"sqlite+aiosqlite:///{path}")
    assert line == (
        f"WXSESSION_DATABASE_URL: cannot open the SQLite database {path}"
        " (unable to open database file)"
    )


def test_missing_postgresql_database_names_the_cause(tmp_path: Path, postgres_url: str) -> None:
    """A server that answers but refuses: the server's own reason, one line."""
    missing = make_url(postgres_url).set(database="wxs_no_such_database")
    line = _one_line_failure(
        tmp_path, COMMANDS["db upgrade"], missing.render_as_string(hide_password=False)
    )
    assert line.startswith("WXSESSION_DATABASE_URL: cannot connect to PostgreSQL at ")
    assert line.endswith('(database "wxs_no_such_database" does not exist)')


def _sqlite_threads() -> int:
    return sum(thread.name.startswith(THREAD_NAME) for thread in threading.enumerate())


def test_failed_sqlite_open_leaves_no_thread_behind(tmp_path: Path) -> None:
    """A connection's thread that outlives a failed open answers on the event loop; if
    ``asyncio.run`` has closed the loop by then, it prints a traceback under the one-line
    error (seen once in CI, with aiosqlite). The engine's connections end their thread
    before the error leaves. (The guard: an open connection's thread is the one counted.)"""
    before = _sqlite_threads()
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'no-such-directory' / 'users.db'}")
    working = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'users.db'}")

    async def open_once() -> None:
        try:
            async with working.connect():
                assert _sqlite_threads() == before + 1  # the thread the test looks for
        finally:
            await working.dispose()
        assert _sqlite_threads() == before
        try:
            with pytest.raises(OperationalError, match="unable to open database file"):
                async with engine.connect():
                    pass
            assert _sqlite_threads() == before  # checked before the loop closes
        finally:
            await engine.dispose()

    asyncio.run(open_once())
