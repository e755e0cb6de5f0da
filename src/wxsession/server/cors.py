"""CORS for browser pages on other origins (``WXSESSION_CORS_ORIGINS``), at the very edge.

It wraps the whole :class:`~wxsession.server.fast_routes.ServiceApp` (as
:class:`CorsServiceApp`, picked only when origins are listed: without them a request pays
nothing for CORS, not even a call), so the fast path's routes (``GET /v1/me``, …) answer
like FastAPI's: Starlette's ``CORSMiddleware`` answers a preflight itself and adds the
headers to every answer for a listed origin, errors included (a page must read a 401's code
to know what to do). Credentials are allowed, so origins are exact
(``Access-Control-Allow-Origin`` echoes the request's, with ``Vary: Origin``); a wildcard is
refused by the setting. A request without ``Origin``, or from an origin not listed, passes
through untouched (and gets no CORS header: the browser then hides the answer from the
page).
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from wxsession.server.fast_routes import ServiceApp
from wxsession.settings import Settings

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
EXPOSED = ("WWW-Authenticate", "Retry-After", "X-Request-Id")
"""Answer headers a page may read: the challenge naming the error code, a 429's or 503's
wait, and the id to quote in a support request."""


class CorsServiceApp(ServiceApp):
    """The service behind CORS: :meth:`enable_cors` puts the edge in front of both paths."""

    cors: ASGIApp

    def enable_cors(self, settings: Settings) -> None:
        self.cors = cors_edge(super().__call__, settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.cors(scope, receive, send)


def cors_edge(app: ASGIApp, settings: Settings) -> ASGIApp:
    """``app`` behind CORS for ``settings.cors_origins``."""
    headers = ["Authorization", "Content-Type", "X-Request-Id", settings.header_name]
    return CORSMiddleware(
        app,
        allow_origins=list(settings.cors_origins),
        allow_methods=list(METHODS),
        allow_headers=sorted(set(headers)),
        allow_credentials=True,
        expose_headers=list(EXPOSED),
        max_age=settings.cors_max_age,
    )
