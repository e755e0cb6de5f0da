"""Browser logins: ``GET /v1/auth/{provider}/authorize`` sends the browser to the platform's
authorize page; the platform sends it back to ``GET /v1/auth/{provider}/callback``, which
signs it in with the session cookie and sends it on to ``return_to``. The rules (state,
return_to, the login) are :mod:`wxsession.services.web_login`'s and
:func:`wxsession.origins.safe_return_to`'s; here is only HTTP (docs/security.md).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse

from wxsession.core.errors import NotFound, ReturnToRefused
from wxsession.origins import safe_return_to
from wxsession.platforms import PLATFORMS
from wxsession.runtime import Runtime
from wxsession.server.dependencies import RuntimeDep, TokenDep, device_of
from wxsession.server.routes import set_session
from wxsession.server.schemas import error_responses
from wxsession.services.web_login import WebLogins

router = APIRouter(prefix="/v1")

PROVIDER = Path(
    description="The browser login: "
    + ", ".join(f"`{spec.name}` ({spec.title})" for spec in PLATFORMS if spec.web)
    + ". Only those the server is configured for exist; any other name is 404 `NOT_FOUND`."
)


def state_cookie_name(runtime: Runtime) -> str:
    """``__Host-`` when Secure (set only by this host, over https), as the session cookie."""
    return "__Host-wxsession-login" if runtime.settings.cookie_secure else "wxsession-login"


def _web_logins(runtime: Runtime) -> WebLogins:
    if runtime.web_logins is None:
        raise NotFound("Browser logins need the cookie carrier (WXSESSION_CARRIERS).")
    return runtime.web_logins


def _redirect(url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(
    "/auth/{provider}/authorize",
    status_code=302,
    tags=["auth"],
    summary="Start a browser login: 302 to the platform's authorize page",
    responses=error_responses(400, 404, 422),
)
async def authorize(
    provider: Annotated[str, PROVIDER],
    request: Request,
    runtime: RuntimeDep,
    return_to: Annotated[
        str,
        Query(
            description="Where to send the browser once signed in: a path of this service, or"
            " a URL on an origin of WXSESSION_RETURN_TO_ORIGINS."
        ),
    ],
    appid: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            pattern=r"^[!-~]+$",
            description="The app (appid) to sign in to, when the server has several of this"
            " platform (else 400 `APPID_REQUIRED`; one it lacks: 400 `UNKNOWN_APP`).",
        ),
    ] = None,
) -> RedirectResponse:
    web = _web_logins(runtime)
    settings = runtime.settings
    target = safe_return_to(return_to, settings.return_to_origins)
    if target is None:
        raise ReturnToRefused()
    own = settings.public_url or f"{request.url.scheme}://{request.url.netloc}"
    started = web.start(provider, target, f"{own}/v1/auth/{provider}/callback", appid)
    response = _redirect(started.url)
    response.set_cookie(
        state_cookie_name(runtime),
        started.cookie,
        max_age=web.lifetime,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",  # sent on the platform's top-level redirect back to us (Strict is not)
    )
    return response


@router.get(
    "/auth/{provider}/callback",
    status_code=302,
    tags=["auth"],
    summary="Finish a browser login: the session cookie set, 302 to return_to",
    responses=error_responses(400, 401, 403, 404, 429, 502, 503),
)
async def callback(
    provider: Annotated[str, PROVIDER],
    request: Request,
    runtime: RuntimeDep,
    presented: TokenDep,
    code: Annotated[str | None, Query(max_length=512)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
) -> RedirectResponse:
    name = state_cookie_name(runtime)
    finished = await _web_logins(runtime).finish(
        provider,
        code=code,
        state=state,
        cookie=request.cookies.get(name),
        device=device_of(request),
        presented_token=presented,
    )
    response = _redirect(finished.return_to)
    set_session(finished.result, response, runtime.sessions, runtime.carriers)
    response.delete_cookie(
        name, path="/", secure=runtime.settings.cookie_secure, httponly=True, samesite="lax"
    )
    return response
