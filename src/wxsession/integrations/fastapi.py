"""Protect routes of your own FastAPI app with wxsession sessions, and serve our auth routes.

::

    from fastapi import Depends, FastAPI
    from wxsession.integrations import fastapi as wxs

    app = FastAPI()
    wxs.setup(app)                 # runtime on app.state.wxsession + error rendering
    app.include_router(wxs.router) # /v1/auth/wechat/login, /v1/auth/logout, /v1/me, ...

    @app.get("/orders")
    async def orders(user = Depends(wxs.current_user)): ...

    @app.post("/orders")                               # 403 PERMISSION_DENIED unless a role
    async def place(user = Depends(wxs.require_permission("orders:write"))): ...  # grants it

``setup`` wraps the app's own lifespan (yours still runs, inside ours, and can use
``app.state.wxsession``). If you prefer to compose lifespans yourself, pass
``lifespan=wxsession_lifespan(settings)`` to ``FastAPI`` and call ``install(app)``.

The app reads the same stores as the wxsession service (same ``WXSESSION_*`` settings), so a
session issued there is honoured here, and one issued here is honoured there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from wxsession.core.clock import Clock, system_clock
from wxsession.runtime import Runtime
from wxsession.server.api_routes import api_router
from wxsession.server.dependencies import (
    current_user,
    get_runtime,
    optional_session,
    require_permission,
    require_role,
    require_session,
)
from wxsession.server.errors import install_error_handlers
from wxsession.server.openapi_doc import document_api
from wxsession.settings import Settings, load_settings

__all__ = [
    "current_user",
    "get_runtime",
    "install",
    "install_error_handlers",
    "optional_session",
    "require_permission",
    "require_role",
    "require_session",
    "router",
    "setup",
    "wxsession_lifespan",
]

router: APIRouter = api_router
"""The service's own routes (login, register, logout, me, the user's sessions,
introspection), the same router objects ``create_app`` mounts, to mount as-is."""


def wxsession_lifespan(
    settings: Settings | None = None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that opens a wxsession Runtime on ``app.state.wxsession`` for the app's life."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with Runtime.open(settings or load_settings()) as runtime:
            app.state.wxsession = runtime
            yield

    return lifespan


def install(app: FastAPI) -> None:
    """Render wxsession's errors, and document optional sessions (the login routes,
    ``optional_session``) as optional in the app's OpenAPI: all :func:`setup` does besides
    opening the runtime, for an app that opens it with :func:`wxsession_lifespan`."""
    install_error_handlers(app)
    document_api(app, body_errors=False)  # the service's body errors are not the app's


def setup(app: FastAPI, settings: Settings | None = None, *, clock: Clock = system_clock) -> None:
    """:func:`install`, and open the runtime around the app's existing lifespan.

    Settings are read here, once (``settings``, else the ``WXSESSION_*`` environment), so a
    bad configuration fails at import of the app rather than at its first request.
    """
    settings = settings or load_settings()
    install(app)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(asgi_app: Any) -> AsyncIterator[Any]:
        async with Runtime.open(settings, clock=clock) as runtime:
            app.state.wxsession = runtime
            async with inner(asgi_app) as state:
                yield state

    app.router.lifespan_context = lifespan
