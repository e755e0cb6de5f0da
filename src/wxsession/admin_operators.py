"""``wxsession admin operator add|list|remove|reset-totp``: the console's operator accounts.

``add`` and ``reset-totp`` print the TOTP provisioning URI once (``otpauth://…``: scan it
into an authenticator app); it is stored only sealed with the data key, and no command shows
it again. The password is asked twice on a terminal, or read from the first line of stdin with
``--password-stdin`` (scripts). Acts are audited with ``actor=admin-cli``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from wxsession.accounts.passwords import PasswordHasher
from wxsession.core.errors import WxSessionError
from wxsession.core.operator import OperatorRole
from wxsession.logging_setup import configure_cli_logging
from wxsession.runtime import open_storage, operator_accounts
from wxsession.services.operator_accounts import OperatorAccounts
from wxsession.services.operators import ADMIN_CLI
from wxsession.settings import Settings, load_settings

ACTOR = ADMIN_CLI.actor


@asynccontextmanager
async def open_operators(settings: Settings) -> AsyncIterator[OperatorAccounts]:
    async with open_storage(settings, revocation_cache_seconds=0) as storage:
        hasher = PasswordHasher(concurrency=1)
        yield operator_accounts(settings, storage, hasher, storage.sessions.clock)


def add_operator_parser(actions: Any) -> None:
    """Register ``operator …`` under ``wxsession admin``."""
    operator = actions.add_parser("operator", help="console operators: add, list, remove")
    commands = operator.add_subparsers(required=True, metavar="COMMAND")
    add = commands.add_parser("add", help="add an operator; prints the TOTP URI once")
    add.add_argument("name")
    add.add_argument("--role", choices=[role.value for role in OperatorRole], default="viewer")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(handler=_run(_add))
    listing = commands.add_parser("list", help="list operators and their roles")
    listing.set_defaults(handler=_run(_list))
    remove = commands.add_parser("remove", help="remove an operator (their sessions end)")
    remove.add_argument("name")
    remove.set_defaults(handler=_run(_remove))
    reset = commands.add_parser("reset-totp", help="a new TOTP secret; prints its URI once")
    reset.add_argument("name")
    reset.set_defaults(handler=_run(_reset))


def _run(handler: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        settings = load_settings()
        configure_cli_logging(settings.log_level, settings.log_format)
        password = _password(args) if getattr(args, "password_stdin", None) is not None else ""

        async def main() -> int:
            async with open_operators(settings) as operators:
                try:
                    result: int = await handler(operators, args, password)
                    return result
                except WxSessionError as exc:
                    print(f"wxsession admin: {exc.code}: {exc.message}", file=sys.stderr)
                    return 1

        return asyncio.run(main())

    return run


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("wxsession admin: the passwords differ")
    return first


async def _add(operators: OperatorAccounts, args: argparse.Namespace, password: str) -> int:
    added, uri = await operators.add(args.name, OperatorRole(args.role), password, ACTOR)
    _print({"operator": added.name, "role": added.role.value, "totp_uri": uri})
    return 0


async def _list(operators: OperatorAccounts, args: argparse.Namespace, _: str) -> int:
    for operator in await operators.all():
        created = operator.created_at.isoformat()
        _print({"operator": operator.name, "role": operator.role.value, "created_at": created})
    return 0


async def _remove(operators: OperatorAccounts, args: argparse.Namespace, _: str) -> int:
    if not await operators.remove(args.name, ACTOR):
        print(f"no such operator: {args.name}", file=sys.stderr)
        return 1
    _print({"operator": args.name, "action": "remove"})
    return 0


async def _reset(operators: OperatorAccounts, args: argparse.Namespace, _: str) -> int:
    uri = await operators.reset_totp(args.name, ACTOR)
    if uri is None:
        print(f"no such operator: {args.name}", file=sys.stderr)
        return 1
    _print({"operator": args.name, "totp_uri": uri})
    return 0


def _print(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False))
