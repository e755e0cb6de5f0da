"""Protect routes of your own FastAPI app with wxsession sessions.

::

    from wxsession.integrations.fastapi import current_user, wxsession_lifespan

    app = FastAPI(lifespan=wxsession_lifespan())
    install_error_handlers(app)  # wxsession errors as {"error": {"code", "message"}}

    @app.get("/orders")
    async def orders(user = Depends(current_user)): ...

The app reads the same stores as the wxsession service (same ``WXSESSION_*`` settings), so
a session issued there is honoured here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from wxsession.runtime import Runtime
from wxsession.server.dependencies import (
    current_user,
    get_runtime,
    optional_session,
    require_session,
)
from wxsession.server.errors import install_error_handlers
from wxsession.settings import Settings, load_settings

__all__ = [
    "current_user",
    "get_runtime",
    "install_error_handlers",
    "optional_session",
    "require_session",
    "wxsession_lifespan",
]


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
