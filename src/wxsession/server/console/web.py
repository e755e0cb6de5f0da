"""The console's HTTP plumbing: its cookie session, anti-forgery tokens, permission checks,
and pages rendered with the headers every console answer carries.

- Session: ``__Host-wxsession-console`` (``Secure``, ``HttpOnly``, ``SameSite=Strict``,
  ``Path=/``, no ``Max-Age``: gone with the browser; the server ends it when idle).
- CSRF (ASVS 4.0.3 4.2.2): every form carries a token, HMAC-SHA256 of the session token, so a
  page of another site can neither read nor guess it; the sign-in form, before any session,
  a random token doubled in a ``__Host-`` cookie. And ``Origin``/``Sec-Fetch-Site`` must say
  the request comes from here (:func:`wxsession.csrf.refuse_cross_site`).
- Headers: a Content-Security-Policy that loads nothing but the console's own stylesheet (no
  script at all, no third party), no framing, ``no-store``, ``nosniff``.
- Errors: a :class:`ConsoleRoute` renders any :class:`WxSessionError` as a page with its
  status and code; without a session, it sends the browser to the sign-in page.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape

from wxsession.core.console_errors import (
    ConsoleFormRefused,
    ConsoleSignInRequired,
    OperatorForbidden,
)
from wxsession.core.errors import WxSessionError
from wxsession.core.language import chinese
from wxsession.core.operator import OperatorView, Permission
from wxsession.csrf import refuse_cross_site
from wxsession.runtime import Runtime
from wxsession.server.console import i18n
from wxsession.server.dependencies import get_runtime
from wxsession.services.events_console import OperatorDenied
from wxsession.services.operator_accounts import OperatorAccounts

PREFIX = "/admin"
COOKIE = "__Host-wxsession-console"
PRE_COOKIE = "__Host-wxsession-console-pre"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
_CSRF_LABEL = b"wxsession console form"


@dataclass(frozen=True, slots=True)
class Signed:
    """The operator of this request and their session's form token."""

    operator: OperatorView
    csrf: str


def csrf_of(session_token: str) -> str:
    return hmac.new(session_token.encode(), _CSRF_LABEL, hashlib.sha256).hexdigest()


def accounts_of(runtime: Runtime) -> OperatorAccounts:
    if runtime.operator_accounts is None:  # the router is mounted only with the console on
        raise ConsoleSignInRequired()
    return runtime.operator_accounts


async def signed_in(request: Request) -> Signed:
    """The operator whose live console session the cookie names; else 401 (a redirect)."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise ConsoleSignInRequired()
    operator = await accounts_of(get_runtime(request)).resolve(token)
    if operator is None:
        raise ConsoleSignInRequired()
    return Signed(operator, csrf_of(token))


def require(request: Request, signed: Signed, permission: Permission) -> OperatorView:
    """The operator, if their role holds ``permission``; else audited and 403."""
    if not signed.operator.may(permission):
        accounts_of(get_runtime(request)).emit(
            OperatorDenied(actor=signed.operator.actor, permission=permission.value)
        )
        raise OperatorForbidden()
    return signed.operator


async def form_of(request: Request, expected_csrf: str | None) -> Mapping[str, str]:
    """The posted form, once it proved it came from our own page (origin and token)."""
    refuse_cross_site(request.method, request.headers, ())
    form = await request.form()
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    expected = expected_csrf if expected_csrf is not None else request.cookies.get(PRE_COOKIE)
    sent = values.get("csrf", "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ConsoleFormRefused()
    return values


def new_pre_token() -> str:
    return secrets.token_urlsafe(32)


@cache
def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("wxsession.server.console", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["timestamp"] = _timestamp
    return env


def _timestamp(value: float | datetime) -> str:
    """A Unix time or a datetime, in UTC to the second."""
    when = value if isinstance(value, datetime) else datetime.fromtimestamp(value, UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def language_of(request: Request) -> str:
    return i18n.pick(request.cookies.get(i18n.LANG_COOKIE), request.headers.get("accept-language"))


def render(
    request: Request, template: str, signed: Signed | None, status: int = 200, **context: Any
) -> HTMLResponse:
    lang = language_of(request)
    page = (
        _templates()
        .get_template(template)
        .render(
            t=i18n.translator(lang),
            lang=lang,
            other_lang=i18n.other(lang),
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            signed=signed,
            prefix=PREFIX,
            **context,
        )
    )
    return HTMLResponse(page, status_code=status, headers=HEADERS)


def back_to(path: str) -> RedirectResponse:
    """After a form: see the page again (303, so a reload does not post twice)."""
    return RedirectResponse(path, status_code=303, headers=HEADERS)


class ConsoleRoute(APIRoute):
    """Console routes: errors become pages, a missing session the sign-in page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except ConsoleSignInRequired:
                return back_to(f"{PREFIX}/sign-in")
            except WxSessionError as exc:
                zh = language_of(request) == "zh"
                message = chinese(exc.code, exc.message) if zh else exc.message
                response = render(
                    request, "error.html", None, exc.status, error=exc, message=message
                )
            for name, value in HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return console_handler
