"""FastAPI dependencies that put wxsession's session check in front of any route.

Use them in your own FastAPI app (after opening a :class:`~wxsession.runtime.Runtime` on
``app.state.wxsession``, see ``wxsession.integrations.fastapi``) or in ours::

    @app.get("/orders")
    async def orders(user: User = Depends(current_user)): ...
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase

from wxsession import guard
from wxsession.accounts.models import User
from wxsession.runtime import Runtime
from wxsession.sessions.manager import ActiveSession, Device


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime | None = getattr(request.app.state, "wxsession", None)
    if runtime is None:
        raise RuntimeError("app.state.wxsession is not set: open a wxsession Runtime in lifespan")
    return runtime


class SessionToken(SecurityBase):
    """Finds the session token through the configured carriers; declared in OpenAPI as a
    bearer scheme so generated clients and schemathesis know protected operations."""

    def __init__(self) -> None:
        self.model = HTTPBearerModel(
            bearerFormat="wxsession token",
            description="The session_id from a login response.",
        )
        self.scheme_name = "session"

    async def __call__(self, request: Request) -> str | None:
        return await get_runtime(request).carriers.extract(request)


session_token = SessionToken()
TokenDep = Annotated[str | None, Depends(session_token)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def device_of(request: Request) -> Device:
    client = request.client
    return Device(user_agent=request.headers.get("user-agent"), ip=client.host if client else None)


async def optional_session(runtime: RuntimeDep, token: TokenDep) -> ActiveSession | None:
    """The caller's session if one was sent; a bad one is still an error, never anonymous."""
    return await guard.optional_session(runtime, token)


async def any_session(runtime: RuntimeDep, token: TokenDep) -> ActiveSession:
    """A live session, registered or still pending registration."""
    return await guard.any_session(runtime, token)


async def require_session(
    active: Annotated[ActiveSession, Depends(any_session)],
) -> ActiveSession:
    """A live session of a registered user (403 REGISTRATION_REQUIRED while pending)."""
    return guard.require_registered(active)


async def current_user(
    runtime: RuntimeDep, active: Annotated[ActiveSession, Depends(require_session)]
) -> User:
    """The signed-in user's row. A user that is gone or disabled ends the session."""
    return await guard.load_user(runtime, active)


SessionDep = Annotated[ActiveSession, Depends(require_session)]
"""A route parameter for the caller's live session of a registered user."""
