"""Roles administered the way an operator does (``wxsession admin roles``, the console): the
roles use cases over their own runtime on a service's stores, as another instance would.

Whatever they change reaches the running apps only through the invalidation every instance
listens to, so a test using them also tests that."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from wxsession import audit
from wxsession.audit import ByOperator
from wxsession.runtime import open_storage
from wxsession.services.roles import Roles
from wxsession.settings import Settings

T = TypeVar("T")

OPERATOR = ByOperator("test-operator")


def administer(settings: Settings, act: Callable[[Roles], Awaitable[T]]) -> T:
    """Run ``act`` on the roles of the deployment ``settings`` describe, then close."""

    async def run() -> T:
        async with open_storage(settings, revocation_cache_seconds=0) as storage:
            emit = storage.audit.observing(audit.record)
            return await act(Roles(storage.accounts, storage.sessions, emit))

    return asyncio.run(run())


def define(settings: Settings, role: str, *permissions: str) -> None:
    administer(settings, lambda roles: roles.define(role, permissions, OPERATOR))


def grant(settings: Settings, user_id: str, role: str) -> None:
    assert administer(settings, lambda roles: roles.grant(user_id, role, OPERATOR))


def revoke(settings: Settings, user_id: str, role: str) -> None:
    assert administer(settings, lambda roles: roles.revoke(user_id, role, OPERATOR))
