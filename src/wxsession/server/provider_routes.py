"""``POST /v1/auth/{provider}/login``: a login through any configured platform.

Included after every other router, so a fixed path (``/v1/auth/wechat/login``,
``/v1/auth/password/login``) always wins over this pattern.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import Field

from wxsession.core.errors import NotFound
from wxsession.platforms import OTHERS, OWN, PLATFORMS
from wxsession.server.dependencies import RuntimeDep, TokenDep
from wxsession.server.routes import login_through
from wxsession.server.schemas import AppId, LoginOut, Strict, error_responses

router = APIRouter(prefix="/v1")

CODE_LOGINS = tuple(spec for spec in OTHERS if spec.web is None)
PROVIDER_DESCRIPTION = (
    "The login platform: "
    + ", ".join(f"`{spec.name}` ({spec.title})" for spec in CODE_LOGINS)
    + f"; `{OWN.name}` also works here. Only the platforms the server is "
    "configured for exist; any other name is 404 `NOT_FOUND`."
)
BROWSER_LOGINS = frozenset(spec.name for spec in PLATFORMS if spec.web)
"""Their code reaches only their callback, where the flow's state is checked."""
_SOURCES = [f"{spec.code_source} ({spec.name})" for spec in PLATFORMS]
_LONGEST = max(spec.max_code_length for spec in PLATFORMS)
_LIMITS = "; ".join(
    f"{spec.short_title} {spec.max_code_length}"
    for spec in PLATFORMS
    if spec.max_code_length != OWN.max_code_length
)


class LoginCodeIn(Strict):
    """A platform's login code, to log in with or to bind (``/v1/me/identities/{provider}``)."""

    code: str = Field(
        min_length=1,
        max_length=_LONGEST,
        pattern=r"^[!-~]+$",
        description=(
            f"A fresh login code of the platform: from {', '.join(_SOURCES[:-1])} or "
            f"{_SOURCES[-1]}. Each provider also checks its own length limit "
            f"({OWN.max_code_length} characters; {_LIMITS})."
        ),
    )
    appid: AppId = None


@router.post(
    "/auth/{provider}/login",
    response_model=LoginOut,
    tags=["auth"],
    summary=(
        "Exchange a login code of another platform "
        f"({', '.join(spec.short_title for spec in CODE_LOGINS)}) for a session"
    ),
    responses=error_responses(400, 401, 403, 404, 422, 429, 502, 503),
)
async def provider_login(
    provider: Annotated[str, Path(description=PROVIDER_DESCRIPTION)],
    body: LoginCodeIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    presented: TokenDep,
) -> LoginOut:
    if provider in BROWSER_LOGINS:
        raise NotFound(f"{provider} signs in through GET /v1/auth/{provider}/authorize.")
    proof = body.model_dump(exclude_none=True)
    return await login_through(provider, proof, request, response, runtime, presented)
