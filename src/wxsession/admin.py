"""Operator actions on users and their sessions, behind ``wxsession admin``.

Find a user (by id, or by provider + subject), list and revoke their sessions, disable,
enable or delete them; reseal stored session_keys under the current data key (``rekey``).
It runs against the same database and session store as the service (the ``WXSESSION_*``
settings). Revoking all sessions, disabling and deleting raise the user's
revocation point in SQL, so running servers refuse the old sessions even if a store delete is
lost (within their revocation cache window, ``WXSESSION_REVOCATION_CACHE_SECONDS``).
Output is one JSON object per line; it names sessions by public id, never token or store key,
and users by id, never openid.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wxsession.accounts.repository import AccountRepository
from wxsession.accounts.resealing import Resealed
from wxsession.audit import event as audit_event
from wxsession.core.errors import WxSessionError
from wxsession.core.record import SessionRecord
from wxsession.core.user import UserView
from wxsession.logging_setup import configure_logging
from wxsession.runtime import open_storage
from wxsession.sessions.manager import SessionManager
from wxsession.settings import Settings, load_settings

ACTOR = "admin-cli"


@dataclass
class Admin:
    accounts: AccountRepository
    sessions: SessionManager

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings) -> AsyncIterator[Admin]:
        async with open_storage(settings, revocation_cache_seconds=0) as storage:
            yield cls(storage.accounts, storage.sessions)

    async def find(
        self,
        user_id: str | None = None,
        provider: str | None = None,
        subject: str | None = None,
        app_id: str | None = None,
    ) -> list[UserView]:
        if user_id is not None:
            user = await self.accounts.get_user(user_id)
            return [] if user is None else [user]
        if provider is None or subject is None:
            raise ValueError("give a user id, or a provider and a subject")
        return await self.accounts.find_by_subject(provider, subject, app_id)

    async def list_sessions(self, user_id: str) -> list[SessionRecord]:
        return [record for _, record in await self.sessions.list_active(user_id)]

    async def revoke(self, user_id: str, public_id: str | None = None) -> int | None:
        """End one session (by public id) or all of them behind a revocation point; how many
        records went (``None``: every session is refused, the store's deletes are pending).
        Every end is audited once SQL holds it, whatever the store does next."""
        if public_id is not None:
            ended = await self.sessions.end_by_public_id(user_id, public_id)
            if ended is None:
                return 0
            audit_event("session_revoked", user=user_id, actor=ACTOR, public_id=public_id)
            return 1
        count = await self.sessions.revoke_all(user_id)
        audit_event("sessions_revoked", user=user_id, actor=ACTOR, ended=count)
        return count

    async def disable(self, user_id: str) -> bool:
        """Disable the user and end all of their sessions at once."""
        if await self.accounts.set_disabled(user_id, True) is None:
            return False
        ended = await self.sessions.end_recorded(user_id)
        audit_event("user_disabled", user=user_id, actor=ACTOR, ended=ended)
        return True

    async def enable(self, user_id: str) -> bool:
        if await self.accounts.set_disabled(user_id, False) is None:
            return False
        audit_event("user_enabled", user=user_id, actor=ACTOR)
        return True

    async def delete(self, user_id: str) -> bool:
        """Delete the user; their sessions go too (and would resolve to 401 regardless)."""
        if not await self.accounts.delete_user(user_id):
            return False
        ended = await self.sessions.end_recorded(user_id)
        audit_event("user_deleted", user=user_id, actor=ACTOR, ended=ended)
        return True

    async def rekey(self) -> Resealed:
        """Seal every stored session_key under the first of ``WXSESSION_DATA_KEYS``, so the
        keys after it can be retired (docs/deployment.md, rotating the data key)."""
        done = await self.accounts.reseal_session_keys()
        audit_event(
            "session_keys_resealed",
            actor=ACTOR,
            key_id=self.accounts.keys.current,
            moved=done.moved,
            unreadable=sum(done.unreadable.values()),
        )
        return done


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


Handler = Callable[[Admin, argparse.Namespace], Awaitable[int]]


def _run(handler: Handler) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        settings = load_settings()
        if not logging.getLogger().handlers:  # leave an embedding program's logging alone
            # Audit lines of admin acts go to stderr (stdout carries the JSON results).
            configure_logging(settings.log_level, settings.log_format, stream=sys.stderr)

        async def main() -> int:
            async with Admin.open(settings) as admin:
                try:
                    return await handler(admin, args)
                except WxSessionError as exc:  # the store or database down: one line
                    print(f"wxsession admin: {exc.code}: {exc.message}", file=sys.stderr)
                    return 1

        return asyncio.run(main())

    return run


async def _find(admin: Admin, args: argparse.Namespace) -> int:
    try:
        users = await admin.find(args.user, args.provider, args.subject, args.app_id)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    for user in users:
        _print(_user_json(user))
    return 0 if users else 1


async def _sessions(admin: Admin, args: argparse.Namespace) -> int:
    for record in await admin.list_sessions(args.user):
        _print(_session_json(record))
    return 0


async def _revoke(admin: Admin, args: argparse.Namespace) -> int:
    if not await admin.find(args.user):
        print(f"no such user: {args.user}", file=sys.stderr)
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
    return 0 if count or args.session is None else 1


async def _rekey(admin: Admin, args: argparse.Namespace) -> int:
    done = await admin.rekey()
    key_id = admin.accounts.keys.current
    _print({"key_id": key_id, "moved": done.moved, "unreadable": done.unreadable})
    return 0


def _user_action(name: str) -> Handler:
    async def act(admin: Admin, args: argparse.Namespace) -> int:
        done: bool = await getattr(admin, name)(args.user)
        if not done:
            print(f"no such user: {args.user}", file=sys.stderr)
            return 1
        _print({"user": args.user, "action": name})
        return 0

    return act


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
