"""Browser logins over plain HTTP: a dev-mode service with the cookie carrier (the emulator
in-process, its pages on the service's own port), and the steps a browser takes, played with
httpx. The session cookie is ``Secure``: httpx's cookie jar would not send it back over
``http://127.0.0.1``, so cookies are read from ``Set-Cookie`` and sent by hand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.support.clock import MovableClock
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings

WEB_LOGINS = ("wechat_oa", "wechat_web")
SESSION_COOKIE = "__Host-wxsession"
STATE_COOKIE = "__Host-wxsession-login"


@dataclass
class WebService:
    """A running dev-mode service and the clock it reads."""

    url: str
    clock: MovableClock

    def get(self, path: str, cookies: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        headers = {"Cookie": cookie_header(cookies)} if cookies else {}
        return httpx.get(self.url + path, headers=headers, timeout=15, **kw)


@contextmanager
def dev_web_service(folder: Path, **settings: Any) -> Iterator[WebService]:
    """A dev-mode service (SQLite in ``folder``) whose carriers include the cookie."""
    clock = MovableClock()
    values: dict[str, Any] = {
        "dev_mode": True,
        "carriers": ["header", "cookie"],
        "database_url": f"sqlite+aiosqlite:///{folder / 'web.db'}",
        **settings,
    }
    with serve_in_thread(create_app(Settings(**values), clock=clock)) as url:
        yield WebService(url, clock)


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Name → the raw ``Set-Cookie`` line, for every cookie the answer sets."""
    return {line.split("=", 1)[0]: line for line in response.headers.get_list("set-cookie")}


def cookie_value(response: httpx.Response, name: str) -> str:
    return set_cookies(response)[name].split(";", 1)[0].split("=", 1)[1]


@dataclass
class Callback:
    """Where the platform's page sent the browser back: our callback's path and query, and
    the state cookie the browser holds."""

    path: str
    state_cookie: str

    def with_query(self, **changes: str | None) -> str:
        """The path with query parameters replaced (``None``: removed)."""
        path, _, query = self.path.partition("?")
        pairs = dict(pair.split("=", 1) for pair in query.split("&") if pair)
        for name, value in changes.items():
            if value is None:
                pairs.pop(name, None)
            else:
                pairs[name] = value
        return path + "?" + "&".join(f"{k}={v}" for k, v in pairs.items())


def start(
    service: WebService, provider: str, return_to: str = "/v1/me"
) -> tuple[httpx.Response, str]:
    """``GET .../authorize``: the answer and the state cookie it set."""
    response = service.get(f"/v1/auth/{provider}/authorize", params={"return_to": return_to})
    assert response.status_code == 302, response.text
    return response, cookie_value(response, STATE_COOKIE)


def approve(
    base: str, authorize: httpx.Response, user: str = "alice", **extra: str
) -> httpx.Response:
    """The platform's page approving at once (``user=``), as a scripted test does."""
    location = authorize.headers["location"].split("#", 1)[0]
    target = location if location.startswith("http") else base + location
    page = httpx.get(httpx.URL(target).copy_merge_params({"user": user, **extra}), timeout=15)
    assert page.status_code == 302, page.text
    return page


def through_platform(
    service: WebService, provider: str, user: str = "alice", return_to: str = "/v1/me", **extra: str
) -> Callback:
    """Start a login and approve it on the emulator's page: where the browser goes next."""
    authorize, state_cookie = start(service, provider, return_to)
    back = urlsplit(approve(service.url, authorize, user, **extra).headers["location"])
    return Callback(f"{back.path}?{back.query}", state_cookie)
