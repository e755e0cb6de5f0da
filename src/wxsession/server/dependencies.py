"""FastAPI dependencies that put wxsession's session check in front of any route.

Use them in your own FastAPI app (after opening a :class:`~wxsession.runtime.Runtime` on
``app.state.wxsession``, see ``wxsession.integrations.fastapi``) or in ours::

    @app.get("/orders")
    async def orders(user: UserView = Depends(current_user)): ...
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, cast

from fastapi import Depends, Request, Response
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase

from wxsession.client_ip import client_ip
from wxsession.core.device import Device
from wxsession.core.session import ActiveSession, RegisteredSession
from wxsession.core.user import UserView
from wxsession.runtime import Runtime
from wxsession.services import current_user as guard

log = logging.getLogger("wxsession")


async def runtime_dep(request: Request) -> Runtime:
    """:func:`get_runtime` as a dependency: ``async`` so FastAPI calls it inline instead of
    sending it to a worker thread, which would cost more than the whole session check."""
    return get_runtime(request)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime | None = getattr(request.app.state, "wxsession", None)
    if runtime is None:
        raise RuntimeError("app.state.wxsession is not set: open a wxsession Runtime in lifespan")
    return runtime


NO_STORE = (b"cache-control", b"no-store")

AWAITED = cast(Response, None)
"""The ``response`` of a dependency awaited directly in a route's body
(``await current_user(request)``, documented in docs/integrations.md): FastAPI injects the
route's own when it resolves the dependency, a direct caller passes none and sets
``Cache-Control`` itself if it wants it."""


def _no_store(response: Response) -> None:
    """Mark the route's answer ``no-store``. FastAPI copies the headers of this response
    into the answer when the route returns a model (routes that build a ``Response``
    themselves take this one as a parameter instead). Appended to the raw list its
    ``headers`` edit in place, as it is the cheapest; a route setting ``Cache-Control``
    itself replaces it (``MutableHeaders`` keeps one)."""
    if response is not AWAITED:
        response.raw_headers.append(NO_STORE)


class _SessionScheme(SecurityBase):
    """A dependency that is also the ``session`` bearer scheme in OpenAPI, so generated
    clients and schemathesis know protected operations. Every answer of a route that reads
    the session is ``Cache-Control: no-store`` (:func:`_no_store`): it names the user or the
    session, and must not be kept by a shared cache or the client's; error answers are so
    already (``server.errors``).

    Each check below is one such object, not a chain of dependencies: FastAPI solves every
    node of a dependency tree on every request, which on the hot path cost more than the
    session check itself (docs/performance.md).
    """

    def __init__(self, *, optional: bool = False) -> None:
        self.model = HTTPBearerModel(
            bearerFormat="wxsession token",
            description="The session_id from a login response.",
        )
        self.scheme_name = OPTIONAL_SCHEME if optional else SCHEME


SCHEME = "session"
OPTIONAL_SCHEME = "session-if-sent"
"""The name dependencies that also serve requests without a session go by in FastAPI's
document; :mod:`~wxsession.server.openapi_doc` rewrites it as an optional ``session``."""


class SessionToken(_SessionScheme):
    """The token as the configured carriers find it (``None`` if none was sent)."""

    def __init__(self) -> None:
        super().__init__(optional=True)

    async def __call__(self, request: Request, response: Response = AWAITED) -> str | None:
        _no_store(response)
        return await get_runtime(request).carriers.extract_asgi(request)


session_token = SessionToken()
TokenDep = Annotated[str | None, Depends(session_token)]
RuntimeDep = Annotated[Runtime, Depends(runtime_dep)]


def device_of(request: Request) -> Device:
    """The caller's user agent and IP (``X-Forwarded-For`` only from trusted proxies)."""
    peer = request.client.host if request.client else None
    forwarded = request.headers.getlist("x-forwarded-for")
    ip = client_ip(peer, forwarded, get_runtime(request).settings.trusted_proxies)
    if ip is None:
        _report_unknown_client()
    return Device(user_agent=request.headers.get("user-agent"), ip=ip)


@functools.cache
def _report_unknown_client() -> None:
    """Once a process: with no client address (a Unix socket, no trusted proxy saying who),
    every client shares the per-IP limits; say so and how to fix it, rather than hide it."""
    log.warning(
        "client address unknown (a Unix-socket peer?): per-IP limits count every such client "
        "as one; behind a local proxy on a Unix socket set WXSESSION_TRUSTED_PROXIES=unix"
    )


_RESOLVED = "wxsession.session"
"""Where a request's resolved session is kept, so a route taking several of these
dependencies resolves (and renews) its session once."""


async def _resolve(
    request: Request, response: Response, runtime: Runtime, *, optional: bool = False
) -> ActiveSession | None:
    """Resolve the request's session and keep it on the scope (callers look there first,
    so this runs once per request); with ``optional``, ``None`` when no token was sent (a
    bad one is still an error)."""
    _no_store(response)
    token = await runtime.carriers.extract_asgi(request)
    if optional and token is None:
        return None
    active = request.scope[_RESOLVED] = await guard.any_session(runtime, token)
    return active


def _hit(request: Request, response: Response, runtime: Runtime) -> ActiveSession | None:
    """:func:`_resolve` when it would await nothing: the session this request resolved
    already, or one in the hot-session cache (:func:`guard.session_now`: the same token,
    checks and metrics without the four coroutines of the general path); ``None`` sends the
    request there."""
    active: ActiveSession | None = request.scope.get(_RESOLVED)
    if active is not None:
        return active
    active = guard.session_now(runtime, request)
    if active is not None:
        _no_store(response)
        request.scope[_RESOLVED] = active
    return active


async def _required(request: Request, response: Response, runtime: Runtime) -> ActiveSession:
    active = _hit(request, response, runtime) or await _resolve(request, response, runtime)
    assert active is not None  # not optional: a missing token raised
    return active


class OptionalSession(_SessionScheme):
    """The caller's session if one was sent; a bad one is still an error, never anonymous."""

    def __init__(self) -> None:
        super().__init__(optional=True)

    async def __call__(
        self, request: Request, response: Response = AWAITED
    ) -> ActiveSession | None:
        runtime = get_runtime(request)
        active = _hit(request, response, runtime)
        return active or await _resolve(request, response, runtime, optional=True)


class AnySession(_SessionScheme):
    """A live session, registered or still pending registration."""

    async def __call__(self, request: Request, response: Response = AWAITED) -> ActiveSession:
        return await _required(request, response, get_runtime(request))


class RequireSession(_SessionScheme):
    """A live session of a registered user (403 REGISTRATION_REQUIRED while pending)."""

    async def __call__(self, request: Request, response: Response = AWAITED) -> RegisteredSession:
        return guard.require_registered(await _required(request, response, get_runtime(request)))


class CurrentUser(_SessionScheme):
    """The signed-in user (a frozen view). A user that is gone or disabled ends the session."""

    async def __call__(self, request: Request, response: Response = AWAITED) -> UserView:
        # A cache hit awaits nothing: no coroutine but this one (see _hit)
        runtime = get_runtime(request)
        active = _hit(request, response, runtime) or await _resolve(request, response, runtime)
        assert active is not None  # not optional: a missing token raised
        user = guard.cached_user(runtime, active)
        return user if user is not None else await guard.load_user(runtime, active)


optional_session = OptionalSession()
any_session = AnySession()
require_session = RequireSession()
current_user = CurrentUser()


SessionDep = Annotated[RegisteredSession, Depends(require_session)]
"""A route parameter for the caller's live session of a registered user."""


def require_permission(*permissions: str) -> Callable[..., Awaitable[UserView]]:
    """A dependency: the signed-in user if their roles grant every one of ``permissions``,
    else 403 ``PERMISSION_DENIED`` (401/403 as :data:`current_user` before that)::

        @app.get("/orders")
        async def orders(user = Depends(require_permission("orders:read"))): ...
    """
    wanted = guard.demands("permission", permissions)

    async def permission(user: Annotated[UserView, Depends(current_user)]) -> UserView:
        return guard.permitted(user, wanted)

    return permission


def require_role(*roles: str) -> Callable[..., Awaitable[UserView]]:
    """A dependency: the signed-in user if they hold at least one of ``roles``, else 403
    ``PERMISSION_DENIED``."""
    wanted = guard.demands("role", roles)

    async def role(user: Annotated[UserView, Depends(current_user)]) -> UserView:
        return guard.in_role(user, wanted)

    return role
