"""A database that cannot be opened stops `serve`, `db upgrade` and `admin` with one line
naming the setting and the cause (issue 19: it was a 166- to 215-line traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.cli import run_cli

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
