"""Protect views of a Django project with wxsession sessions.

::

    # settings.py
    MIDDLEWARE = [..., "wxsession.integrations.django.WxSessionMiddleware"]
    WXSESSION = {"session_store": "redis://127.0.0.1:6379/0",      # optional overrides;
                 "database_url": "postgresql+asyncpg://..."}       # the rest: WXSESSION_* env

    # views.py
    from wxsession.integrations.django import login_required

    @login_required
    def orders(request):
        return JsonResponse({"owner": request.wxsession.user.id})

    @login_required
    async def invoices(request):                # async views (ASGI): await the a- twins
        user = await request.wxsession.auser()
        return JsonResponse({"owner": user.id})

    @require_permission("orders:write")         # 403 PERMISSION_DENIED unless a role
    def place(request): ...                     # grants it; require_role("editor") alike

Settings are read once, when Django builds the middleware (once per process): the keys of
the ``WXSESSION`` dict (lower-case ``Settings`` field names) over the ``WXSESSION_*``
environment the wxsession service reads. ``WXSESSION_TIMEOUT`` (Django setting, seconds,
default 5) bounds each check. The checks run in the shared async code through
:class:`~wxsession.sync.SyncRuntime`; errors are rendered as the service renders them.
Sync and async views alike: the middleware runs in either mode, ``login_required`` awaits
the check for a coroutine view, and ``request.wxsession`` has awaitable twins
(``asession``, ``arequire``, ``auser``) that never block the ASGI event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings as django_settings
from django.http import HttpRequest, HttpResponse

from wxsession.core.errors import SessionMissing, WxSessionError
from wxsession.core.session import ActiveSession
from wxsession.core.user import UserView
from wxsession.integrations._common import error_parts
from wxsession.services import current_user as guard
from wxsession.settings import load_settings
from wxsession.sync import DEFAULT_TIMEOUT, RequestSnapshot, SyncRuntime

__all__ = [
    "RequestSession",
    "WxSessionMiddleware",
    "close_runtimes",
    "login_required",
    "render_error",
    "require_permission",
    "require_role",
]

V = TypeVar("V", bound=Callable[..., Any])

_opened: list[SyncRuntime] = []
_opened_lock = threading.Lock()


class RequestSession:
    """``request.wxsession``: the request's session and user, each checked once, on demand
    (a view that never asks costs no store round trip)."""

    _UNSET: Any = object()

    def __init__(self, runtime: SyncRuntime, request: HttpRequest) -> None:
        self._runtime = runtime
        self._request = request
        self._session: ActiveSession | None = self._UNSET
        self._user: UserView | None = None

    @property
    def session(self) -> ActiveSession | None:
        """The session, or ``None`` without a token (a bad token raises 401)."""
        if self._session is self._UNSET:
            self._session = self._runtime.authenticate(self._snapshot(), optional=True)
        return self._session

    def require(self) -> ActiveSession:
        """A live session of a registered user, else 401/403/503."""
        if self._session is self._UNSET or self._session is None:
            self._session = self._runtime.authenticate(self._snapshot())
        assert self._session is not None
        return self._session

    @property
    def user(self) -> UserView:
        """The signed-in user (a frozen view), loaded once (401 SESSION_MISSING without one)."""
        if self._user is None:
            self._user = self._runtime.load_user(_signed_in(self.session))
        return self._user

    async def asession(self) -> ActiveSession | None:
        """:attr:`session` for async views."""
        if self._session is self._UNSET:
            self._session = await self._runtime.aauthenticate(self._snapshot(), optional=True)
        return self._session

    async def arequire(self) -> ActiveSession:
        """:meth:`require` for async views."""
        if self._session is self._UNSET or self._session is None:
            self._session = await self._runtime.aauthenticate(self._snapshot())
        assert self._session is not None
        return self._session

    async def auser(self) -> UserView:
        """:attr:`user` for async views."""
        if self._user is None:
            self._user = await self._runtime.aload_user(_signed_in(await self.asession()))
        return self._user

    def _snapshot(self) -> RequestSnapshot:
        request = self._request
        return self._runtime.snapshot(
            request.method or "GET",
            dict(request.headers.items()),
            {key: request.GET[key] for key in request.GET},
            lambda: request.body,
        )


def _signed_in(session: ActiveSession | None) -> ActiveSession:
    if session is None:
        raise SessionMissing()
    return session


class WxSessionMiddleware:
    """Opens the runtime once, gives each request ``request.wxsession``, renders our errors.

    Sync and async capable: under ASGI with async views Django calls it as a coroutine, so
    no thread is spent adapting it."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)
        overrides = dict(getattr(django_settings, "WXSESSION", {}))
        timeout = float(getattr(django_settings, "WXSESSION_TIMEOUT", DEFAULT_TIMEOUT))
        self.runtime = SyncRuntime(load_settings(**overrides), timeout=timeout).start()
        with _opened_lock:
            _opened.append(self.runtime)

    def __call__(self, request: HttpRequest) -> Any:
        request.wxsession = RequestSession(self.runtime, request)
        return self.get_response(request)  # a coroutine when Django runs us in async mode

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, WxSessionError):
            return None
        return render_error(exception, request)


def render_error(error: WxSessionError, request: HttpRequest | None = None) -> HttpResponse:
    """``error`` as wxsession's JSON answer; give the ``request`` to have its message in
    the language the request's ``Accept-Language`` prefers."""
    language = request.headers.get("Accept-Language") if request is not None else None
    status, body, headers = error_parts(error, language)
    return HttpResponse(body, status=status, headers=headers)


def login_required(view: V) -> V:
    """Let the view run only for a live session of a registered user (else 401/403/503).
    A coroutine view stays one: the check is awaited, not run in a thread."""
    if iscoroutinefunction(view):

        @wraps(view)
        async def awrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                await _session_of(request).arequire()
            except WxSessionError as error:
                return render_error(error, request)
            response: HttpResponse = await view(request, *args, **kwargs)
            return response

        return cast(V, awrapper)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            _session_of(request).require()
        except WxSessionError as error:
            return render_error(error, request)
        return view(request, *args, **kwargs)

    return cast(V, wrapper)


def require_permission(*permissions: str) -> Callable[[V], V]:
    """:func:`login_required`, and the user's roles grant every one of ``permissions``
    (else 403 ``PERMISSION_DENIED``); sync and coroutine views alike."""
    wanted = guard.demands("permission", permissions)
    return _requiring(lambda user: guard.permitted(user, wanted))


def require_role(*roles: str) -> Callable[[V], V]:
    """:func:`login_required`, and the user holds at least one of ``roles`` (else 403
    ``PERMISSION_DENIED``)."""
    wanted = guard.demands("role", roles)
    return _requiring(lambda user: guard.in_role(user, wanted))


def _requiring(check: Callable[[UserView], UserView]) -> Callable[[V], V]:
    def decorate(view: V) -> V:
        if iscoroutinefunction(view):

            @wraps(view)
            async def awrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                session = _session_of(request)
                try:
                    await session.arequire()
                    check(await session.auser())
                except WxSessionError as error:
                    return render_error(error)
                response: HttpResponse = await view(request, *args, **kwargs)
                return response

            return cast(V, awrapper)

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            session = _session_of(request)
            try:
                session.require()
                check(session.user)
            except WxSessionError as error:
                return render_error(error)
            response: HttpResponse = view(request, *args, **kwargs)
            return response

        return cast(V, wrapper)

    return decorate


def _session_of(request: HttpRequest) -> RequestSession:
    session: RequestSession | None = getattr(request, "wxsession", None)
    if session is None:
        raise RuntimeError("add wxsession.integrations.django.WxSessionMiddleware")
    return session


def close_runtimes() -> None:
    """Close every runtime the middleware opened (tests, autoreload; also done at exit)."""
    with _opened_lock:
        runtimes = list(_opened)
        _opened.clear()
    for runtime in runtimes:
        runtime.close()
