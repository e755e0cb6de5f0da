"""The current user: the session checks every framework adapter applies, written once.

FastAPI's dependencies, the fast path, the sync facade behind Flask and Django, and the
introspection routes all call these coroutines, so "no token", "pending registration" and
"user gone or disabled" mean the same error with the same status everywhere. No web framework
is imported here. They take the runtime's parts (:class:`Parts`), not the runtime, which is
built from the services.
"""

from __future__ import annotations

from functools import partial
from typing import Protocol

from wxsession.accounts.repository import AccountRepository
from wxsession.carriers import AsgiRequestView, CarrierChain, RequestView
from wxsession.core.account_errors import AccountDisabled, NotPermitted, RegistrationRequired
from wxsession.core.errors import SessionInvalid, SessionMissing
from wxsession.core.session import ActiveSession, RegisteredSession
from wxsession.core.user import UserView
from wxsession.sessions.manager import SessionManager


class Parts(Protocol):
    """What the checks use of a :class:`~wxsession.runtime.Runtime`."""

    @property
    def sessions(self) -> SessionManager: ...
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def carriers(self) -> CarrierChain: ...


def session_now(runtime: Parts, request: AsgiRequestView) -> ActiveSession | None:
    """:func:`any_session` of the request's token when it would await nothing: header and
    cookie carriers only (the default) and a session in the hot-session cache, with the same
    refusals of the carriers and the same checks and count as ``resolve``. ``None`` sends
    the caller to the general path, which finds the token again and decides. A hit runs
    no coroutine (the three of the general path were about 1 µs of ``GET /v1/me``'s 11)."""
    carriers = runtime.carriers
    if not carriers.raw_only:
        return None
    token = carriers.extract_now(request)
    return None if token is None else runtime.sessions.hit(token)


async def optional_session(runtime: Parts, token: str | None) -> ActiveSession | None:
    """The session behind ``token`` if one was sent; a bad one is an error, never anonymous."""
    if token is None:
        return None
    return await runtime.sessions.resolve(token)


async def any_session(runtime: Parts, token: str | None) -> ActiveSession:
    """A live session, registered or still pending registration."""
    if token is None:
        raise SessionMissing()
    return await runtime.sessions.resolve(token)


def require_registered(active: ActiveSession) -> RegisteredSession:
    """``active`` if its user is registered; 403 REGISTRATION_REQUIRED while pending."""
    registered = active.as_registered()
    if registered is None:
        raise RegistrationRequired()
    return registered


def cached_user(runtime: Parts, active: ActiveSession) -> UserView | None:
    """The signed-in user from the hot-session cache, without awaiting (``None``: not there,
    :func:`load_user` decides). A cached user is one that may sign in."""
    cache = runtime.sessions.cache
    return None if cache is None else cache.user(require_registered(active).user_id)


async def load_user(runtime: Parts, active: ActiveSession) -> UserView:
    """The signed-in user (a frozen view). A user that is gone or disabled ends the session.

    With the hot-session cache, a recently read user comes from memory: every change to it
    (profile, disable, delete) is announced and drops it (see ``SessionManager.user_changed``).
    The view is shared by concurrent requests; it is frozen, so none can change it.
    """
    cached = cached_user(runtime, active)
    if cached is not None:
        return cached  # GET /v1/me's usual case: a cached user may sign in, nothing to build
    user_id = require_registered(active).user_id
    cache = runtime.sessions.cache
    load = partial(runtime.accounts.get_user, user_id)
    user = await (load() if cache is None else cache.read_user(user_id, load))
    if user is None or user.disabled:
        await runtime.sessions.end(active)
        raise SessionInvalid() if user is None else AccountDisabled()
    return user


async def authenticate(
    runtime: Parts, request: RequestView, *, optional: bool = False, registered: bool = True
) -> ActiveSession | None:
    """Find the token through the configured carriers and check it, in one call.

    ``optional``: no token gives ``None`` (a bad token is still an error). ``registered``:
    a pending session is refused with 403.
    """
    token = await runtime.carriers.extract(request)
    if optional and token is None:
        return None
    active = await any_session(runtime, token)
    return require_registered(active) if registered else active


def permitted(user: UserView, permissions: tuple[str, ...]) -> UserView:
    """``user`` if their roles grant every one of ``permissions``; else 403
    ``PERMISSION_DENIED`` (``require_permission`` of every adapter)."""
    if not all(user.may(permission) for permission in permissions):
        raise NotPermitted()
    return user


def in_role(user: UserView, roles: tuple[str, ...]) -> UserView:
    """``user`` if they hold at least one of ``roles``; else 403 ``PERMISSION_DENIED``
    (``require_role`` of every adapter)."""
    if user.roles.isdisjoint(roles):
        raise NotPermitted()
    return user


def demands(kind: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The names a ``require_permission`` or ``require_role`` was given, checked when the
    route is declared: at least one, each a string (a typo in code fails at import)."""
    if not names or not all(isinstance(name, str) and name for name in names):
        raise TypeError(f"require_{kind} takes one or more non-empty strings")
    return names
