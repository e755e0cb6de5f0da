"""The ``wxsession`` command: serve, emulator, demo, db upgrade, config check."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from wxsession.core.errors import ConfigurationError
from wxsession.logging_setup import configure_logging
from wxsession.platforms import PLATFORMS
from wxsession.platforms.spec import PlatformSpec
from wxsession.settings import Settings, load_settings
from wxsession.startup import StartupError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.handler(args)
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        return 2
    except StartupError as exc:
        print(exc, file=sys.stderr)
        return 1
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wxsession", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", help="bind address (default WXSESSION_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default WXSESSION_PORT or 8000)")
    serve.add_argument(
        "--dev",
        action="store_true",
        help="dev mode even where a setting looks like production (as WXSESSION_DEV_MODE=true)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port (default 1); see docs/deployment.md",
    )
    serve.set_defaults(handler=_serve)

    emulator = commands.add_parser("emulator", help="run the local WeChat API emulator")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8081)
    emulator.add_argument(
        "--app",
        action="append",
        default=[],
        metavar="APPID:SECRET",
        help="register a mini program (repeatable); with none, any appid/secret pair is accepted",
    )
    for spec in _emulated_platforms():
        emulator.add_argument(
            f"--{spec.emulator_flag}",
            action="append",
            default=[],
            metavar="APPID:SECRET",
            dest=f"{spec.name}_apps",
            help=(
                f"register a {spec.emulator_help_title} (repeatable); "
                "with none, any pair is accepted"
            ),
        )
    emulator.add_argument("--unionid", action="store_true", help="issue unionids")
    emulator.set_defaults(handler=_emulator)

    demo = commands.add_parser("demo", help="walk the whole login flow against the emulator")
    demo.set_defaults(handler=_demo)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply pending migrations")
    upgrade.set_defaults(handler=_db_upgrade)

    from wxsession.admin import add_admin_parser

    add_admin_parser(commands)

    config = commands.add_parser("config", help="inspect the configuration")
    config_commands = config.add_subparsers(required=True, metavar="ACTION")
    check = config_commands.add_parser(
        "check", help="print the effective settings (secrets masked); explain invalid values"
    )
    check.set_defaults(handler=_config_check)
    return parser


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )


def _serve(args: argparse.Namespace) -> int:
    from wxsession.server.app import create_app
    from wxsession.server.slow_clients import GuardedHttpProtocol

    overrides: dict[str, Any] = {}
    if args.host:
        overrides["host"] = args.host
    if args.port:
        overrides["port"] = args.port
    if args.dev:
        overrides["dev_mode"] = True
    settings = load_settings(**overrides)
    app = create_app(settings)  # refuses settings that cannot serve, before any output
    configure_logging(settings.log_level, settings.log_format)
    # Open the storage once before uvicorn does: a database that cannot be opened is then
    # one line (StartupError) rather than the traceback uvicorn logs for a failed lifespan.
    asyncio.run(_open_and_close_storage(settings))
    # uvicorn finishes in-flight requests on SIGTERM, closes the pools in the lifespan, then
    # re-raises the signal; this handler makes that (or an early SIGTERM) a clean exit 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "access_log": False,
        "proxy_headers": False,  # the client IP is ours to decide (WXSESSION_TRUSTED_PROXIES)
        "log_level": settings.log_level,
        "log_config": None,
        "timeout_graceful_shutdown": settings.shutdown_timeout,
    }
    if args.workers > 1:
        # Each worker is a fresh interpreter reading the environment: the overrides go there.
        os.environ.update(
            {f"WXSESSION_{name.upper()}": str(value) for name, value in overrides.items()}
        )
        factory = "wxsession.server.workers:worker_app"
        uvicorn.run(
            factory, factory=True, workers=args.workers, http=GuardedHttpProtocol, **options
        )
        return 0
    http = GuardedHttpProtocol.configured(
        header_timeout=settings.http_header_timeout,
        body_timeout=settings.http_body_timeout,
        max_connections=settings.max_connections,
    )
    uvicorn.run(app, http=http, **options)
    return 0


async def _open_and_close_storage(settings: Settings) -> None:
    from wxsession.runtime import open_storage

    async with open_storage(settings):
        pass


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def _config_check(_: argparse.Namespace) -> int:
    from wxsession.config_check import check

    return check(sys.stdout)


def _emulator(args: argparse.Namespace) -> int:
    from wxsession.emulator import parse_app_option, serve_emulator

    options = {"app": ("--app", args.app)} | {
        spec.name: (f"--{spec.emulator_flag}", getattr(args, f"{spec.name}_apps"))
        for spec in _emulated_platforms()
    }
    registered: dict[str, dict[str, str]] = {}
    for platform, (flag, given) in options.items():
        try:
            registered[platform] = dict(parse_app_option(option) for option in given)
        except ValueError as exc:
            print(f"{flag}: {exc}", file=sys.stderr)
            return 2
    apps = registered.pop("app")
    _configure_logging("info")
    serve_emulator(
        host=args.host, port=args.port, apps=apps, unionid=args.unionid, platform_apps=registered
    )
    return 0


def _emulated_platforms() -> list[PlatformSpec]:
    """The platforms besides the mini program (``--app``) whose apps the emulator takes."""
    return [spec for spec in PLATFORMS if spec.emulator_flag is not None]


def _db_upgrade(_: argparse.Namespace) -> int:
    from wxsession import migrate

    revision = asyncio.run(migrate.upgrade_database(load_settings()))
    print(f"database is at revision {revision}")
    return 0


def _demo(_: argparse.Namespace) -> int:
    from wxsession.server.app import create_app
    from wxsession.server.background import serve_in_thread

    with tempfile.TemporaryDirectory() as workdir:
        settings = Settings(
            appid=None,
            secret=None,
            dev_mode=True,
            database_url=f"sqlite+aiosqlite:///{Path(workdir) / 'demo.db'}",
            session_store="sql",
        )
        with (
            serve_in_thread(create_app(settings)) as base_url,
            httpx.Client(base_url=base_url, timeout=10) as http,
        ):
            _walk(http, base_url)
    return 0


def _walk(http: httpx.Client, base_url: str) -> None:
    print(f"wxsession demo: a dev-mode server is running at {base_url} (emulator inside).\n")
    code = _step(
        http,
        "1. The mini program calls wx.login() and gets a one-time code",
        "POST",
        "/_emulator/login",
        json={"user": "alice"},
    )["code"]
    login = _step(
        http,
        "2. It sends the code to our server, which exchanges it at WeChat "
        "(jscode2session) and issues our own session",
        "POST",
        "/v1/auth/wechat/login",
        json={"code": code},
    )
    auth = {"Authorization": f"Bearer {login['session_id']}"}
    _step(
        http,
        "3. Every later request carries the session id; the server checks it",
        "GET",
        "/v1/me",
        headers=auth,
    )
    _step(
        http,
        "4. A code works once: replaying it is refused",
        "POST",
        "/v1/auth/wechat/login",
        json={"code": code},
    )
    _step(http, "5. Logout ends the session server-side", "POST", "/v1/auth/logout", headers=auth)
    _step(
        http, "6. The same request with the ended session is refused", "GET", "/v1/me", headers=auth
    )
    print("openid and session_key stayed on the server: no response above contains them.")


def _step(http: httpx.Client, title: str, method: str, path: str, **kwargs: Any) -> Any:
    response = http.request(method, path, **kwargs)
    body = response.json() if response.content else None
    shown = dict(body) if isinstance(body, dict) else body
    if isinstance(shown, dict) and "session_id" in shown:
        shown["session_id"] = shown["session_id"][:8] + "…"
    print(f"{title}\n   {method} {path} → {response.status_code}")
    if shown is not None:
        print("   " + json.dumps(shown, ensure_ascii=False, default=str))
    print()
    return body


if __name__ == "__main__":
    raise SystemExit(main())
