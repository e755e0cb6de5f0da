"""``wxsession admin``: the operator's acts on users and their sessions, from the command line.

Find a user (by id, or by provider + subject), list and revoke their sessions, disable,
enable or delete them; reseal stored session_keys under the current data key (``rekey``);
list, define and delete roles, grant and revoke them (``roles``, through
:class:`~wxsession.services.roles.Roles`, as the console does).
The acts are :class:`~wxsession.services.operators.Operators`; this module parses the command,
runs it against the same database and session store as the service (the ``WXSESSION_*``
settings) and prints the result: one JSON object per line, naming sessions by public id (never
token or store key) and users by id (never openid).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from wxsession import audit
from wxsession.admin_operators import add_operator_parser
from wxsession.core.errors import WxSessionError
from wxsession.core.record import SessionRecord
from wxsession.core.user import UserView
from wxsession.logging_setup import configure_cli_logging
from wxsession.runtime import open_storage
from wxsession.services.operators import Operators
from wxsession.services.roles import Role, Roles
from wxsession.services.sessions import SessionService
from wxsession.settings import Settings, load_settings


@asynccontextmanager
async def open_admin(settings: Settings) -> AsyncIterator[Operators]:
    """The operator's use cases over the service's database and session store, reading the
    revocation point fresh every time (no cache: another process may just have raised it)."""
    async with open_storage(settings, revocation_cache_seconds=0) as storage:
        emit = storage.audit.observing(audit.record)
        yield Operators(storage.accounts, SessionService(storage.sessions, emit), emit)


# --- command line ---------------------------------------------------------------------------


def add_admin_parser(commands: Any) -> None:
    """Register ``wxsession admin …`` on the top-level subparsers."""
    admin = commands.add_parser("admin", help="find users, list and revoke their sessions")
    actions = admin.add_subparsers(required=True, metavar="ACTION")

    find = actions.add_parser("find", help="find a user by id, or by provider and subject")
    find.add_argument("--user", help="user id")
    find.add_argument("--provider", help="login provider, e.g. wechat")
    find.add_argument("--subject", help="the provider's subject (for WeChat, the openid)")
    find.add_argument("--app-id", help="only identities of this app")
    find.set_defaults(handler=_run(_find))

    sessions = actions.add_parser("sessions", help="list a user's live sessions")
    sessions.add_argument("user")
    sessions.set_defaults(handler=_run(_sessions))

    revoke = actions.add_parser("revoke", help="end one session, or all of a user's sessions")
    revoke.add_argument("user")
    revoke.add_argument("--session", help="a session's public id (default: all)")
    revoke.set_defaults(handler=_run(_revoke))

    for name, helptext in (
        ("disable", "disable a user and end all of their sessions"),
        ("enable", "enable a disabled user again"),
        ("delete", "delete a user, their identities and sessions"),
    ):
        action = actions.add_parser(name, help=helptext)
        action.add_argument("user")
        action.set_defaults(handler=_run(_user_action(name)))

    rekey = actions.add_parser(
        "rekey", help="reseal stored session_keys under the first of WXSESSION_DATA_KEYS"
    )
    rekey.set_defaults(handler=_run(_rekey))
    _add_roles_parser(actions)
    add_operator_parser(actions)


def _add_roles_parser(actions: Any) -> None:
    roles = actions.add_parser("roles", help="list, define and delete roles; grant and revoke")
    acts = roles.add_subparsers(required=True, metavar="ROLES_ACTION")
    acts.add_parser("list", help="every role: configured and in the database").set_defaults(
        handler=_run(_roles_list)
    )
    of = acts.add_parser("of", help="a user's roles and permissions")
    of.add_argument("user")
    of.set_defaults(handler=_run(_roles_of))
    for name, helptext in (("grant", "grant a role to a user"), ("revoke", "take it away")):
        act = acts.add_parser(name, help=helptext)
        act.add_argument("user")
        act.add_argument("role")
        act.set_defaults(handler=_run(_role_change(name)))
    define = acts.add_parser("define", help="define a role in the database (or replace it)")
    define.add_argument("role")
    define.add_argument("permissions", nargs="*", metavar="PERMISSION")
    define.set_defaults(handler=_run(_roles_define))
    delete = acts.add_parser("delete", help="delete a role of the database and its grants")
    delete.add_argument("role")
    delete.set_defaults(handler=_run(_roles_delete))


Handler = Callable[[Operators, argparse.Namespace], Awaitable[int]]


def _run(handler: Handler) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        settings = load_settings()
        configure_cli_logging(settings.log_level, settings.log_format)

        async def main() -> int:
            async with open_admin(settings) as admin:
                try:
                    return await handler(admin, args)
                except WxSessionError as exc:  # the store or database down: one line
                    print(f"wxsession admin: {exc.code}: {exc.message}", file=sys.stderr)
                    return 1

        return asyncio.run(main())

    return run


async def _find(admin: Operators, args: argparse.Namespace) -> int:
    try:
        users = await admin.find(args.user, args.provider, args.subject, args.app_id)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not users:
        print("no such user", file=sys.stderr)
        return 1
    for user in users:
        _print(_user_json(user))
    return 0


async def _sessions(admin: Operators, args: argparse.Namespace) -> int:
    if not await _known(admin, args.user):
        return 1
    for record in await admin.list_sessions(args.user):
        _print(_session_json(record))
    return 0


async def _known(admin: Operators, user: str) -> bool:
    """Whether ``user`` exists; says so on stderr when not (every command, the same line)."""
    if await admin.find(user):
        return True
    _no_such_user(user)
    return False


def _no_such_user(user: str) -> None:
    print(f"no such user: {user}", file=sys.stderr)


async def _revoke(admin: Operators, args: argparse.Namespace) -> int:
    if not await _known(admin, args.user):
        return 1
    count = await admin.revoke(args.user, args.session)
    if count is None:
        print(
            "wxsession admin: the session store did not answer; every session of the user is "
            "refused already (revocation point raised in SQL), the store's deletes are pending",
            file=sys.stderr,
        )
        _print({"user": args.user, "ended": None, "store": "pending"})
        return 0
    _print({"user": args.user, "ended": count})
    if count or args.session is None:
        return 0
    print(f"no such live session of {args.user}: {args.session}", file=sys.stderr)
    return 1


async def _rekey(admin: Operators, args: argparse.Namespace) -> int:
    done = await admin.rekey()
    key_id = admin.accounts.keys.current
    _print({"key_id": key_id, "moved": done.moved, "unreadable": done.unreadable})
    return 0


def _user_action(name: str) -> Handler:
    async def act(admin: Operators, args: argparse.Namespace) -> int:
        done: bool = await getattr(admin, name)(args.user)
        if not done:
            _no_such_user(args.user)
            return 1
        _print({"user": args.user, "action": name})
        return 0

    return act


def _roles(admin: Operators) -> Roles:
    """The roles use cases over the same storage, acting as the same operator."""
    return Roles(admin.accounts, admin.sessions.sessions, admin.emit)


async def _roles_list(admin: Operators, args: argparse.Namespace) -> int:
    for role in await _roles(admin).list_roles():
        _print(_role_json(role))
    return 0


async def _roles_of(admin: Operators, args: argparse.Namespace) -> int:
    if not await _known(admin, args.user):
        return 1
    user = await _roles(admin).user(args.user)
    _print({"user": user.id, "roles": sorted(user.roles), "permissions": sorted(user.permissions)})
    return 0


def _role_change(name: str) -> Handler:
    async def act(admin: Operators, args: argparse.Namespace) -> int:
        if not await _known(admin, args.user):
            return 1
        changed: bool = await getattr(_roles(admin), name)(args.user, args.role, admin.by)
        _print({"user": args.user, "action": name, "role": args.role, "changed": changed})
        return 0

    return act


async def _roles_define(admin: Operators, args: argparse.Namespace) -> int:
    _print(_role_json(await _roles(admin).define(args.role, args.permissions, admin.by)))
    return 0


async def _roles_delete(admin: Operators, args: argparse.Namespace) -> int:
    await _roles(admin).delete(args.role, admin.by)
    _print({"role": args.role, "action": "delete"})
    return 0


def _role_json(role: Role) -> dict[str, Any]:
    return {"name": role.name, "permissions": sorted(role.permissions), "source": role.source}


def _user_json(user: UserView) -> dict[str, Any]:
    return {
        "id": user.id,
        "nickname": user.nickname,
        "disabled": user.disabled,
        "created_at": _iso(user.created_at),
        "sessions_revoked_at": _iso(user.sessions_revoked_at),
    }


def _session_json(record: SessionRecord) -> dict[str, Any]:
    return {
        "id": record.public_id,
        "provider": record.provider,
        "user_agent": record.user_agent,  # a short label: see sessions/useragent.py
        "ip": record.ip,
        "created_at": _iso(datetime.fromtimestamp(record.created_at, UTC)),
        "last_seen": _iso(datetime.fromtimestamp(record.last_seen, UTC)),
    }


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _print(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False))
