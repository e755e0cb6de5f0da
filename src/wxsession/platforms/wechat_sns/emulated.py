"""WeChat's sns OAuth as the emulator plays it, for each platform that uses it:
``sns/oauth2/access_token`` and ``sns/userinfo`` on WeChat's API host and, for the browser
flows, the authorize page on ``open.weixin.qq.com``: a real HTML page with a user field and an
Allow button (``user=`` in the query approves at once, for scripted tests; ``snapshot=1``
plays a snapshot page's virtual visitor; Deny sends the browser back without a code).

Written from WeChat's documentation, not from our client's parser, so the emulator stays an
independent oracle. Unionids are WeChat's, the same as the mini program's; with scope
``snsapi_base`` the grant carries none, as WeChat's does not.
"""

from __future__ import annotations

import html
import secrets
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from wxsession.emulator.core import EmulatorCore
from wxsession.emulator.records import ExchangeErrors
from wxsession.emulator.routing import answer

FAMILY = "wechat"
"""Unionids are WeChat's, the same as the mini program's."""
USER_TOKEN_TTL = 7200
BASE_SCOPE = "snsapi_base"

WECHAT_ERRMSGS: Mapping[int, str] = {
    -1: "system error",
    40003: "invalid openid",
    40013: "invalid appid",
    40014: "invalid access_token",
    40029: "invalid code",
    40125: "invalid appsecret",
    40163: "code been used",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    42001: "access_token expired",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
}
"""WeChat's global return codes: its API host answers the sns paths and the mini program's
with one errcode table, so the mini program's emulated answers take this one too."""
ERRMSGS: Mapping[int, str] = {**WECHAT_ERRMSGS, 48001: "api unauthorized"}

ERRORS = ExchangeErrors(
    no_appid=41002,
    no_secret=41004,
    no_code=41008,
    bad_appid=40013,
    bad_secret=40125,
    bad_code=40029,
    used_code=40163,
)
"""Why a code exchange (or an access token request) failed → WeChat's errcode for it."""


@dataclass(frozen=True, slots=True)
class Authorize:
    """A browser flow's authorize page: its path on WeChat's open host, the scopes it
    grants (the first is a code's scope when it was issued elsewhere) and its title."""

    path: str
    scopes: tuple[str, ...]
    title: str


@dataclass(frozen=True, slots=True)
class Consent:
    """What the user allowed with a code (or a token): its scope, and whether a snapshot
    page's virtual visitor did."""

    scope: str
    snapshot: bool = False


class Consents:
    """Codes' and tokens' consents, beside the emulator's own records (thread-safe, as the
    emulator is)."""

    def __init__(self, default: Consent) -> None:
        self.default = default
        self._lock = threading.Lock()
        self._by_key: dict[str, Consent] = {}

    def put(self, key: str, consent: Consent) -> None:
        with self._lock:
            self._by_key[key] = consent

    def get(self, key: str | None) -> Consent:
        with self._lock:
            return self._by_key.get(key or "", self.default)


_CONSENTS: weakref.WeakKeyDictionary[EmulatorCore, dict[str, Consents]] = (
    weakref.WeakKeyDictionary()
)
_CONSENTS_LOCK = threading.Lock()


def consents_of(emulator: EmulatorCore, platform: str, scope: str) -> Consents:
    """The consents ``platform``'s routes on ``emulator`` share: one store however many
    times its routes are built (dev mode serves them twice, to the browser on the service's
    port and to the service's own calls in-process)."""
    with _CONSENTS_LOCK:
        per_platform = _CONSENTS.setdefault(emulator, {})
        return per_platform.setdefault(platform, Consents(Consent(scope)))


def access_token(
    emulator: EmulatorCore,
    platform: str,
    consent: Consent,
    appid: str | None,
    secret: str | None,
    code: str | None,
) -> dict[str, Any]:
    """``sns/oauth2/access_token``: a user access token for the code's user."""
    taken = emulator.take(platform, ERRORS, appid, secret, code)
    if isinstance(taken, int):
        return emulator.errcode_error(taken, ERRMSGS)
    user = f"snapshot:{taken.user}" if consent.snapshot else taken.user
    openid = emulator.openid_for(taken.appid, user)
    token = emulator.user_token(taken.appid, user, openid, USER_TOKEN_TTL)
    grant: dict[str, Any] = {
        "access_token": token,
        "expires_in": USER_TOKEN_TTL,
        "refresh_token": secrets.token_urlsafe(48),
        "openid": openid,
        "scope": consent.scope,
    }
    if emulator.unionid and consent.scope != BASE_SCOPE:
        grant["unionid"] = emulator.unionid_for(user, FAMILY)
    if consent.snapshot:
        grant["is_snapshotuser"] = 1
    return grant


def userinfo(
    emulator: EmulatorCore, consent: Consent, token: str | None, openid: str | None
) -> dict[str, Any]:
    """``sns/userinfo``: the token's user, if ``openid`` is theirs and the scope allows."""
    if not token:
        return emulator.errcode_error(41001, ERRMSGS)
    grant = emulator.user_grant(token)
    if grant is None:
        return emulator.errcode_error(40014, ERRMSGS)
    if grant.expires_at <= emulator.clock():
        return emulator.errcode_error(42001, ERRMSGS)
    if openid != grant.openid:
        return emulator.errcode_error(40003, ERRMSGS)
    if consent.scope == BASE_SCOPE:
        return emulator.errcode_error(48001, ERRMSGS)
    avatar = emulator.derive(b"avatar", grant.user)
    profile: dict[str, Any] = {
        "openid": grant.openid,
        "nickname": grant.user.removeprefix("snapshot:"),
        "sex": 0,
        "province": "",
        "city": "",
        "country": "CN",
        "headimgurl": f"https://thirdwx.qlogo.cn/mmopen/vi_32/{avatar}/132",
        "privilege": [],
    }
    if emulator.unionid:
        profile["unionid"] = emulator.unionid_for(grant.user, FAMILY)
    return profile


def sns_routes(
    emulator: EmulatorCore,
    platform: str,
    scope: str,
    authorize: Authorize | None = None,
    prefix: str = "",
) -> list[Route]:
    """The sns OAuth paths of ``platform`` (whose codes issued elsewhere carry ``scope``),
    and its authorize page if it has one, under ``prefix``."""
    error = emulator.errcode_errors(ERRMSGS)
    consents = consents_of(emulator, platform, scope)

    async def oauth2_access_token(request: Request) -> Response:
        q = request.query_params
        code = q.get("code")

        def produce() -> dict[str, Any]:
            granted = access_token(
                emulator, platform, consents.get(code), q.get("appid"), q.get("secret"), code
            )
            if "access_token" in granted:
                consents.put(granted["access_token"], consents.get(code))
            return granted

        return await answer(emulator, request, produce, error)

    async def sns_userinfo(request: Request) -> Response:
        q = request.query_params
        token = q.get("access_token")
        return await answer(
            emulator,
            request,
            lambda: userinfo(emulator, consents.get(token), token, q.get("openid")),
            error,
        )

    routes = [
        Route(f"{prefix}/sns/oauth2/access_token", oauth2_access_token, methods=["GET"]),
        Route(f"{prefix}/sns/userinfo", sns_userinfo, methods=["GET"]),
    ]
    if authorize is not None:
        routes.append(_authorize_route(emulator, platform, authorize, consents, prefix))
    return routes


def _authorize_route(
    emulator: EmulatorCore, platform: str, page: Authorize, consents: Consents, prefix: str
) -> Route:
    async def authorize(request: Request) -> Response:
        q = request.query_params
        problem = _authorize_problem(emulator, platform, page, q)
        if problem is not None:
            return HTMLResponse(_page(page.title, f"<p>{html.escape(problem)}</p>"), 400)
        redirect_uri, state = q["redirect_uri"], q.get("state", "")
        if q.get("deny"):
            return RedirectResponse(_back(redirect_uri, {"state": state}), 302)
        user = q.get("user", "").strip()
        if not user:
            return HTMLResponse(_consent_form(page, prefix, q))
        try:
            code = emulator.issue_code(q["appid"], user, platform)
        except ValueError as exc:
            return HTMLResponse(_page(page.title, f"<p>{html.escape(str(exc))}</p>"), 400)
        consents.put(code, Consent(q["scope"], snapshot=q.get("snapshot") == "1"))
        return RedirectResponse(_back(redirect_uri, {"code": code, "state": state}), 302)

    return Route(prefix + page.path, authorize, methods=["GET"])


def _authorize_problem(
    emulator: EmulatorCore, platform: str, page: Authorize, q: Mapping[str, str]
) -> str | None:
    """Why WeChat would show "this link cannot be opened", or ``None``."""
    appid, apps = q.get("appid", ""), emulator.platform_apps.get(platform, {})
    if not appid or (apps and appid not in apps):
        return "This link cannot be opened: unknown appid."
    if q.get("response_type") != "code" or q.get("scope") not in page.scopes:
        return "This link cannot be opened: response_type must be code, scope one of " + ", ".join(
            page.scopes
        )
    target = urlsplit(q.get("redirect_uri", ""))
    if target.scheme not in ("http", "https") or not target.netloc:
        return "This link cannot be opened: redirect_uri must be an absolute http(s) URL."
    return None


def _back(redirect_uri: str, params: Mapping[str, str]) -> str:
    return redirect_uri + ("&" if "?" in redirect_uri else "?") + urlencode(params)


def _consent_form(page: Authorize, prefix: str, q: Mapping[str, str]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(q.get(name, ""))}">'
        for name in ("appid", "redirect_uri", "response_type", "scope", "state")
    )
    body = (
        f"<p>An app (appid {html.escape(q.get('appid', ''))}) asks to sign you in"
        f" (scope {html.escape(q.get('scope', ''))}).</p>"
        f'<form method="get" action="{html.escape(prefix + page.path)}">{hidden}'
        '<label>WeChat user <input id="user" name="user" required maxlength="64"></label> '
        '<button id="allow" type="submit">Allow</button> '
        '<button id="deny" type="submit" name="deny" value="1" formnovalidate>Deny</button>'
        "</form>"
    )
    return _page(page.title, body)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} (emulator)</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
