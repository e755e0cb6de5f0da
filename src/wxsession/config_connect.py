"""``wxsession config check --connect``: reach what valid settings name, and say which fails.

Valid settings can still point at a Redis that is down, a PostgreSQL with the wrong password,
a database a release behind, or a platform API base the host cannot reach. This checks each
from this process, as ``wxsession serve`` would meet them at start: the session store
(answers PING, will not evict), the database (answers, takes writes, its migrations at the
head this code ships) and each configured platform's API base (answers HTTP at all). It
changes nothing: no migration runs, and a SQLite file that does not exist is not created.
Lines name settings and hosts, never passwords.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession import migrate
from wxsession.config_check import mask_url
from wxsession.db import engine_for
from wxsession.db_probe import write_verdict
from wxsession.platforms import PLATFORMS
from wxsession.sessions.factory import open_store
from wxsession.settings import Settings
from wxsession.startup import describe

TIMEOUT = 5.0
"""Seconds each check may take: a server that does not answer by then fails it."""


@dataclass(frozen=True, slots=True)
class Reached:
    """One check: what was reached, whether it is fit to serve, and what was found."""

    what: str
    ok: bool
    detail: str


async def reach_all(settings: Settings) -> list[Reached]:
    """Every check, in the order an operator fixes them: database, store, platforms."""
    engine = engine_for(settings)
    try:
        found = await _database(settings, engine)
        found.append(await _store(settings, engine, database_ok=all(r.ok for r in found)))
        found.extend(await _platforms(settings))
        return found
    finally:
        await engine.dispose()


def report(settings: Settings, out: TextIO) -> int:
    """Run :func:`reach_all` and print one line per check; 0 when all pass, else 1."""
    with _quiet_warnings():  # what a warning would say (Redis down...) is in the report
        found = asyncio.run(reach_all(settings))
    width = max(len(r.what) for r in found)
    out.write("\nReaching what the settings name (--connect):\n")
    for r in found:
        out.write(f"  {'ok  ' if r.ok else 'FAIL'}  {r.what:<{width}}  {r.detail}\n")
    failed = [r.what for r in found if not r.ok]
    if failed:
        out.write(f"\nNot reachable or not fit to serve: {', '.join(failed)}.\n")
        return 1
    out.write("\nEverything answered.\n")
    return 0


@contextmanager
def _quiet_warnings() -> Iterator[None]:
    logger = logging.getLogger("wxsession")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _missing_sqlite_file(settings: Settings) -> Reached | None:
    """Connecting would create the file: say what serve will do instead."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if Path(url.database).exists():
        return None
    ok = settings.auto_migrate
    later = "serve creates and migrates it at start" if ok else "run `wxsession db upgrade`"
    return Reached("database", ok, f"{url.database} does not exist yet: {later}")


async def _database(settings: Settings, engine: AsyncEngine) -> list[Reached]:
    missing = await asyncio.to_thread(_missing_sqlite_file, settings)
    if missing is not None:
        return [missing]
    try:
        current = await asyncio.wait_for(migrate.current_revision(engine), TIMEOUT)
        writes = "ok" if current is None else await asyncio.wait_for(write_verdict(engine), TIMEOUT)
    except Exception as exc:
        return [Reached("database", False, describe(settings.database_url, exc))]
    where = mask_url(settings.database_url)
    found = [
        Reached("database", writes == "ok", f"{where}: " + _writes_text(writes)),
        _migrations(current, migrate.head_revision(), auto_migrate=settings.auto_migrate),
    ]
    return found


def _writes_text(verdict: str) -> str:
    if verdict == "ok":
        return "answered, takes writes"
    return "answered, but refuses writes (a standby, or a read-only role)"


def _migrations(current: str | None, head: str | None, *, auto_migrate: bool) -> Reached:
    if current == head:
        return Reached("migrations", True, f"at {head} (the head)")
    at = f"at {current}" if current else "none applied"
    if auto_migrate:
        return Reached(
            "migrations", True, f"{at}, head {head}: serve migrates at start (AUTO_MIGRATE)"
        )
    return Reached(
        "migrations",
        False,
        f"{at}, head {head}: run `wxsession db upgrade` (WXSESSION_AUTO_MIGRATE=false)",
    )


async def _store(settings: Settings, engine: AsyncEngine, *, database_ok: bool) -> Reached:
    if settings.session_store == "sql":
        return Reached("session store", database_ok, "sql: the database above")
    where = mask_url(settings.session_store)
    try:
        store = await asyncio.wait_for(
            open_store(settings.session_store, engine, redis_timeout=settings.redis_timeout),
            TIMEOUT,
        )
        try:
            await asyncio.wait_for(store.ping(), TIMEOUT)
        finally:
            await store.close()
    except Exception as exc:
        return Reached("session store", False, f"{where}: {_cause(exc, settings.session_store)}")
    return Reached("session store", True, f"{where}: answered PING, keys are never evicted")


async def _platforms(settings: Settings) -> list[Reached]:
    # A platform's apps share its API base: one check each.
    configured = [(spec, apps[0]) for spec in PLATFORMS if (apps := settings.platform_apps(spec))]
    if not configured:
        note = "none with credentials"
        if settings.dev_mode:
            note += " (dev mode: every platform is the built-in emulator)"
        return [Reached("platforms", True, note)]
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as http:
        return list(
            await asyncio.gather(
                *(_platform(http, spec.title, app.base_url) for spec, app in configured)
            )
        )


async def _platform(http: httpx.AsyncClient, title: str, base_url: str) -> Reached:
    """Any HTTP answer means the API base is reachable: its root may well be a 404."""
    what = f"{title} API"
    try:
        response = await http.get(base_url)
    except httpx.HTTPError as exc:
        return Reached(what, False, f"{base_url}: {_cause(exc, base_url)}")
    return Reached(what, True, f"{base_url}: answered HTTP {response.status_code}")


def _cause(exc: BaseException, url: str) -> str:
    """The first line of the error's root cause (a store error wraps the client library's,
    which says what happened), without the URL's password; or its type."""
    root = exc
    while root.__cause__ is not None:
        root = root.__cause__
    text = next(iter(str(root).strip().splitlines()), "") or type(root).__name__
    password = urlsplit(url).password if "://" in url else None
    if isinstance(root, TimeoutError):
        text = f"no answer within {TIMEOUT:g} s"
    return text.replace(password, "***") if password else text
