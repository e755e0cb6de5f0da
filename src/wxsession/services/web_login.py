"""Browser logins (WeChat's web authorisation and website QR login): the authorize step
and the callback, with a ``state`` that is single-use, short-lived and bound to the browser
that started the flow.

Start: a fresh random ``state`` (256 bits) goes to the platform in the authorize URL; the
browser gets a cookie holding, sealed under the data keys (AES-256-GCM, bound to the
platform's name), the state's SHA-256, the checked ``return_to``, the app (its appid: a
platform may have several, and the browser names one at the start) and the expiry. Callback:
the cookie must open, name this platform, match the ``state`` the platform sent back and not
have expired (else ``LOGIN_STATE_INVALID``: a forged callback, another browser's link); then
the state is spent in the throttles' store (one use per state hash, atomic on Redis and SQL
alike: a second use is ``LOGIN_STATE_USED``) before the code is exchanged. Only then does
the usual login run (registration mode, unionid merge, session cap, audit).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter

from wxsession.core.clock import Clock
from wxsession.core.device import Device
from wxsession.core.errors import InvalidRequest, LoginStateInvalid, LoginStateUsed, NotFound
from wxsession.data_keys import DataKeys, Sealed, context
from wxsession.platforms.provider import PlatformApps
from wxsession.platforms.spec import WebAuthorizer
from wxsession.services.common import LoginResult
from wxsession.services.login import LoginService
from wxsession.throttle.storage import WindowStorage

STATE_BYTES = 32
MAX_COOKIE = 4096


@dataclass(frozen=True, slots=True)
class Started:
    """Where to send the browser, and the state cookie's value to set with it."""

    url: str
    cookie: str


@dataclass(frozen=True, slots=True)
class Finished:
    """A signed-in browser: the login's result and where to send it back."""

    result: LoginResult
    return_to: str


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8", "surrogatepass")).hexdigest()


class WebLogins:
    """The browser logins configured (``authorizers`` by platform name, one per app) over
    the login service; see the module's docstring."""

    def __init__(
        self,
        authorizers: Mapping[str, PlatformApps[WebAuthorizer]],
        login: LoginService,
        keys: DataKeys,
        spent: WindowStorage,
        *,
        lifetime: int,
        clock: Clock,
    ) -> None:
        self.authorizers = dict(authorizers)
        self.login = login
        self.keys = keys
        self.spent = spent
        self.lifetime = lifetime
        self.clock = clock
        self._limiter = MovingWindowRateLimiter(spent)
        self._once = RateLimitItemPerSecond(1, lifetime, namespace="web-login-state")

    def authorizer(self, provider: str) -> PlatformApps[WebAuthorizer]:
        found = self.authorizers.get(provider)
        if found is None:
            raise NotFound(f"No browser login named {provider!r} is configured here.")
        return found

    def start(
        self, provider: str, return_to: str, redirect_uri: str, appid: str | None = None
    ) -> Started:
        """The authorize URL of the app ``appid`` names (``None``: the only one; else 400
        ``APPID_REQUIRED`` or ``UNKNOWN_APP``) for a browser about to sign in and come back
        to ``return_to`` (already checked), with its state cookie."""
        chosen, authorizer = self.authorizer(provider).pick(appid)
        state = secrets.token_urlsafe(STATE_BYTES)
        content = {
            "s": _digest(state),
            "r": return_to,
            "a": chosen,
            "e": self.clock() + self.lifetime,
        }
        sealed = self.keys.seal(json.dumps(content), context("web-login", provider))
        return Started(authorizer.authorize_url(redirect_uri, state), sealed.to_text())

    async def finish(
        self,
        provider: str,
        *,
        code: str | None,
        state: str | None,
        cookie: str | None,
        device: Device,
        presented_token: str | None,
    ) -> Finished:
        """The callback: check and spend the state, then log in with ``code``."""
        self.authorizer(provider)
        digest, return_to, appid = self._check(provider, state, cookie)
        with self.spent.failing_closed():
            fresh = await self._limiter.hit(self._once, digest)
        if not fresh:
            raise LoginStateUsed()
        if not code:
            raise InvalidRequest("The platform sent no code: the user did not allow the login.")
        result = await self.login.login(
            provider, {"code": code, "appid": appid}, device=device, presented_token=presented_token
        )
        return Finished(result, return_to)

    def _check(self, provider: str, state: str | None, cookie: str | None) -> tuple[str, str, str]:
        """The state's digest, the flow's ``return_to`` and app, if the cookie vouches for
        them."""
        if not state or not cookie or len(cookie) > MAX_COOKIE:
            raise LoginStateInvalid()
        sealed = Sealed.from_text(cookie)
        text = None if sealed is None else self.keys.open(sealed, context("web-login", provider))
        try:
            content = json.loads(text) if text is not None else None
        except ValueError:
            content = None
        if not isinstance(content, dict):
            raise LoginStateInvalid()
        digest, return_to, expires = content.get("s"), content.get("r"), content.get("e")
        appid = content.get("a")
        if (
            not isinstance(digest, str)
            or not isinstance(return_to, str)
            or not isinstance(appid, str)
            or not isinstance(expires, int | float)
            or not hmac.compare_digest(digest, _digest(state))
            or expires <= self.clock()
        ):
            raise LoginStateInvalid()
        return digest, return_to, appid
