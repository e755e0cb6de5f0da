"""Protect routes of a Flask app with wxsession sessions.

::

    from wxsession.integrations.flask import WxSession, current_user, login_required

    wxsession = WxSession(app)            # or WxSession() ... wxsession.init_app(app)

    @app.get("/orders")
    @login_required
    def orders():
        return {"owner": current_user.id}

    @app.post("/orders")
    @require_permission("orders:write")   # 403 PERMISSION_DENIED unless a role grants it
    def place():
        ...

Settings are read once, in ``init_app``: the ``settings`` given to ``WxSession``, else the
``WXSESSION_*`` environment, the same variables the wxsession service reads, so a session it
issued is honoured here. The checks run in the shared async code through
:class:`~wxsession.sync.SyncRuntime` (one event-loop thread per app); errors are rendered as
the service renders them: ``{"error": {"code", "message"}}`` with the same status.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Flask, Response, current_app, g, request
from werkzeug.local import LocalProxy

from wxsession.core.errors import SessionMissing, WxSessionError
from wxsession.core.session import ActiveSession
from wxsession.core.user import UserView
from wxsession.integrations._common import error_parts
from wxsession.services import current_user as guard
from wxsession.settings import Settings, load_settings
from wxsession.sync import DEFAULT_TIMEOUT, RequestSnapshot, SyncRuntime

__all__ = [
    "WxSession",
    "current_user",
    "login_required",
    "optional_session",
    "require_permission",
    "require_role",
]

EXTENSION = "wxsession"

P = ParamSpec("P")
R = TypeVar("R")


class WxSession:
    """The Flask extension: opens one :class:`SyncRuntime` per app and renders our errors."""

    def __init__(
        self,
        app: Flask | None = None,
        *,
        settings: Settings | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self._runtimes: list[SyncRuntime] = []
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read settings, open the runtime (bad settings fail here, at start-up)."""
        runtime = SyncRuntime(self.settings or load_settings(), timeout=self.timeout).start()
        self._runtimes.append(runtime)
        app.extensions[EXTENSION] = runtime
        app.register_error_handler(WxSessionError, _render_error)

    def close(self) -> None:
        """Close every runtime this extension opened (tests; also done at interpreter exit)."""
        while self._runtimes:
            self._runtimes.pop().close()


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Let the view run only for a live session of a registered user (else 401/403/503)."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        active = _runtime().authenticate(_snapshot())
        g.wxsession_session = active
        return view(*args, **kwargs)

    return wrapper


def require_permission(*permissions: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """:func:`login_required`, and the user's roles grant every one of ``permissions``
    (else 403 ``PERMISSION_DENIED``)."""
    wanted = guard.demands("permission", permissions)
    return _requiring(lambda user: guard.permitted(user, wanted))


def require_role(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """:func:`login_required`, and the user holds at least one of ``roles`` (else 403
    ``PERMISSION_DENIED``)."""
    wanted = guard.demands("role", roles)
    return _requiring(lambda user: guard.in_role(user, wanted))


def _requiring(check: Callable[[UserView], UserView]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            g.wxsession_session = _runtime().authenticate(_snapshot())
            check(_current_user())
            return view(*args, **kwargs)

        return wrapper

    return decorate


def _runtime() -> SyncRuntime:
    runtime = current_app.extensions.get(EXTENSION)
    if not isinstance(runtime, SyncRuntime):
        raise RuntimeError("wxsession is not set up on this app: call WxSession(app)")
    return runtime


def _snapshot() -> RequestSnapshot:
    """Copy what carriers read; the loop thread cannot touch Flask's context-local request."""
    return _runtime().snapshot(
        request.method,
        dict(request.headers.items()),
        request.args.to_dict(),
        lambda: request.get_data(cache=True),
    )


def optional_session() -> ActiveSession | None:
    """The request's session: the one ``login_required`` checked, else checked now; ``None``
    without a token, an error (401) for a bad one. A function, not a proxy, so that
    ``optional_session() is None`` means what it says."""
    if "wxsession_session" not in g:
        g.wxsession_session = _runtime().authenticate(_snapshot(), optional=True)
    active: ActiveSession | None = g.wxsession_session
    return active


def _current_user() -> UserView:
    """The signed-in user (a frozen view), loaded once per request (no SQL unless a view asks)."""
    if "wxsession_user" not in g:
        active = optional_session()
        if active is None:
            raise SessionMissing()
        g.wxsession_user = _runtime().load_user(active)
    user: UserView = g.wxsession_user
    return user


def _render_error(error: Any) -> Response:
    assert isinstance(error, WxSessionError)
    status, body, headers = error_parts(error, request.headers.get("Accept-Language"))
    return Response(body, status=status, headers=headers)


current_user: UserView = LocalProxy(_current_user)  # type: ignore[assignment]
"""The signed-in user (a proxy; 401 SESSION_MISSING when the request carries no session)."""
