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
import textwrap
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


DESCRIPTION = textwrap.fill(
    "wxsession: server-side login sessions for "
    + ", ".join(spec.title for spec in PLATFORMS)
    + " users.",
    88,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wxsession",
        usage="%(prog)s [-h] COMMAND ...",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # The epilog lists every command, nested ones too: argparse's own list would repeat it.
    commands = parser.add_subparsers(required=True, metavar="COMMAND", help=argparse.SUPPRESS)

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
    emulator.add_argument("--host", default="127.0.0.1", help="bind address (default: %(default)s)")
    emulator.add_argument("--port", type=int, default=8081, help="port (default: %(default)s)")
    emulator.add_argument(
        "--app",
        action="append",
        default=[],
        metavar="APPID:SECRET[,...]",
        help=(
            "register mini programs (repeatable, or several comma-separated); with none, any "
            "appid/secret pair is accepted"
        ),
    )
    for spec in _emulated_platforms():
        emulator.add_argument(
            f"--{spec.emulator_flag}",
            action="append",
            default=[],
            metavar=f"APPID:{spec.emulator_secret}[,...]",
            dest=f"{spec.name}_apps",
            help=(
                f"register a {spec.emulator_help_title} (repeatable, or several "
                "comma-separated); with none, any pair is accepted"
            ),
        )
    emulator.add_argument("--unionid", action="store_true", help="issue unionids")
    emulator.add_argument(
        "--smtp-port",
        type=int,
        default=None,
        help="also run an SMTP server on this port (0: any) whose mail lands in /_emulator/outbox",
    )
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
        "check",
        help=(
            "print the effective settings (secrets masked) or explain invalid values; with "
            "--connect, also reach the store, the database and the platforms"
        ),
    )
    check.add_argument(
        "--connect",
        action="store_true",
        help=(
            "also reach the session store, the database (and its migrations) and each "
            "configured platform's API base; say which fails (exit 1)"
        ),
    )
    check.set_defaults(handler=_config_check)
    listing = command_list(parser)
    width = max(24, *(len(name) + 2 for name, _ in listing))  # two spaces after the longest
    parser.epilog = "commands:\n" + "\n".join(
        textwrap.fill(
            text, 88, initial_indent=f"  {name:<{width}}", subsequent_indent=" " * (width + 2)
        )
        for name, text in listing
    )
    return parser


def command_list(parser: argparse.ArgumentParser, prefix: str = "") -> list[tuple[str, str]]:
    """Every command under ``parser``, actions of ``db``, ``admin`` and ``config`` included,
    with its one-line help: ``wxsession --help`` lists them all."""
    found: list[tuple[str, str]] = []
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
        for name, sub in action.choices.items():
            nested = command_list(sub, f"{prefix}{name} ")
            found.extend(nested or [(f"{prefix}{name}", helps.get(name, ""))])
    return found


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


def _config_check(args: argparse.Namespace) -> int:
    from wxsession.config_check import check

    status = check(sys.stdout)
    if status != 0 or not args.connect:
        return status
    from wxsession.config_connect import report

    return report(load_settings(), sys.stdout)


def _emulator(args: argparse.Namespace) -> int:
    from wxsession.emulator import parse_app_options, serve_emulator

    options = {"app": ("--app", args.app)} | {
        spec.name: (f"--{spec.emulator_flag}", getattr(args, f"{spec.name}_apps"))
        for spec in _emulated_platforms()
    }
    registered: dict[str, dict[str, str]] = {}
    for platform, (flag, given) in options.items():
        try:
            registered[platform] = {}
            for option in given:
                registered[platform].update(parse_app_options(option))
        except ValueError as exc:
            print(f"{flag}: {exc}", file=sys.stderr)
            return 2
    apps = registered.pop("app")
    _configure_logging("info")
    serve_emulator(
        host=args.host,
        port=args.port,
        apps=apps,
        unionid=args.unionid,
        platform_apps=registered,
        smtp_port=args.smtp_port,
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

    audit = _demo_logging()
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
            _walk(_Steps(http, audit), base_url)
    return 0


def _demo_logging() -> list[str]:
    """The demo tells its story on stdout. The audit lines the server writes are part of it
    (each under the step that caused it); the dev-mode banner is not (the first line says
    so); anything worse than a warning still reaches stderr."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    audit = logging.getLogger("wxsession.audit")
    audit.addHandler(Collect())
    audit.setLevel(logging.INFO)
    audit.propagate = False
    errors = logging.StreamHandler(sys.stderr)
    errors.setLevel(logging.ERROR)
    logging.getLogger().addHandler(errors)  # a handler: no last-resort output of warnings
    return lines


class _Steps:
    """Numbered requests to the demo server, each printed with its answer and audit lines."""

    def __init__(self, http: httpx.Client, audit: list[str]) -> None:
        self.http = http
        self.audit = audit

    def __call__(self, title: str, method: str, path: str, **kwargs: Any) -> Any:
        seen = len(self.audit)
        response = self.http.request(method, path, **kwargs)
        body = response.json() if response.content else None
        shown = dict(body) if isinstance(body, dict) else body
        if isinstance(shown, dict) and "session_id" in shown:
            shown["session_id"] = shown["session_id"][:8] + "…"
        print(f"{title}\n   {method} {path} → {response.status_code}")
        if shown is not None:
            print("   " + json.dumps(shown, ensure_ascii=False, default=str))
        for line in self.audit[seen:]:
            print(f"   audit log: {line}")
        print()
        return body


def _walk(step: _Steps, base_url: str) -> None:
    print(f"wxsession demo: a dev-mode server is running at {base_url} (emulator inside).\n")
    code = step(
        "1. The mini program calls wx.login() and gets a one-time code",
        "POST",
        "/_emulator/login",
        json={"user": "alice"},
    )["code"]
    login = step(
        "2. It sends the code to our server, which exchanges it at WeChat "
        "(jscode2session) and issues our own session",
        "POST",
        "/v1/auth/wechat/login",
        json={"code": code},
    )
    auth = {"Authorization": f"Bearer {login['session_id']}"}
    step(
        "3. Every later request carries the session id; the server checks it",
        "GET",
        "/v1/me",
        headers=auth,
    )
    step(
        "4. A code works once: replaying it is refused",
        "POST",
        "/v1/auth/wechat/login",
        json={"code": code},
    )
    step("5. Logout ends the session server-side", "POST", "/v1/auth/logout", headers=auth)
    step("6. The same request with the ended session is refused", "GET", "/v1/me", headers=auth)
    print(
        "openid and session_key stayed on the server: no response above contains them, nor\n"
        "does the audit log, which names users by id and sessions by their public id."
    )


if __name__ == "__main__":
    raise SystemExit(main())
