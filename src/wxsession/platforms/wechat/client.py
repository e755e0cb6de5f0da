"""The thin async I/O shell around :mod:`wxsession.platforms.wechat.wire`.

The HTTP client is injected (one pooled ``httpx.AsyncClient`` owned by the caller), so tests
and dev mode swap the transport, never the code. Calls go through the shell every platform
shares (:class:`~wxsession.platforms.http.PlatformHttp`: the overall deadline, the body-size
bound, transport failures → :class:`~wxsession.core.platform_errors.WeChatUnavailable`, no
query strings in logs); this module adds WeChat's endpoints and their metrics.
"""

from __future__ import annotations

import logging
import time
from urllib.request import getproxies

import httpx
from pydantic import SecretStr

from wxsession.core.errors import WxSessionError
from wxsession.core.platform_errors import WeChatError, WeChatUnavailable
from wxsession.metrics import Metrics
from wxsession.platforms.http import AiohttpPool, PlatformClient, PlatformHttp
from wxsession.platforms.wechat import API_BASE, api
from wxsession.platforms.wechat.wire import Code2Session, code2session_request, parse_code2session
from wxsession.platforms.wire import PlatformRequest

log = logging.getLogger("wxsession.platforms.wechat")

CONNECT_TIMEOUT = 2.0


KEEPALIVE_EXPIRY = 4.0
"""Seconds an idle connection is kept: under the 5 s after which many servers (uvicorn among
them) close one, so a call is never sent on a connection the server is closing (a ReadError,
seen as a 503 under load with 30 s)."""


def make_http_client(
    timeout: float, transport: httpx.AsyncBaseTransport | None = None
) -> PlatformClient:
    """The pooled client for platform calls: connect within 2 s, every other phase within
    ``timeout`` (and :class:`WeChatClient` bounds the whole call by ``timeout`` too).

    Without a ``transport``, calls go onto aiohttp's pool of at most 100 connections (see
    :mod:`wxsession.platforms.http`). Redirects are not followed and proxy environment
    variables are honoured as httpx does (with one set, httpx's own pool serves, as it
    routes through the proxy).
    """
    phases = httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout))
    pool = None
    if transport is None and not getproxies():
        pool = AiohttpPool(phases, max_connections=100, keepalive_expiry=KEEPALIVE_EXPIRY)
    return PlatformClient(
        pool=pool,
        timeout=phases,
        limits=httpx.Limits(
            max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_EXPIRY
        ),
        follow_redirects=False,
        transport=transport,
    )


class WeChatClient:
    """Calls WeChat's server API for one mini program (one appid/secret pair)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        appid: str,
        secret: SecretStr,
        base_url: str = API_BASE,
        *,
        timeout: float | None = None,
        metrics: Metrics | None = None,
        token_endpoint: str = "stable_token",  # noqa: S107 (an endpoint name)
    ) -> None:
        """``timeout`` bounds a whole call; by default the largest of ``http``'s timeouts.

        httpx's own timeouts are per phase (connect, read, ...) and in-process transports such
        as ``httpx.ASGITransport`` (dev mode) do not apply them at all, hence this deadline.
        """
        self.appid = appid
        self._secret = secret
        self._shell = PlatformHttp(
            http,
            base_url,
            timeout=timeout if timeout is not None else _overall(http.timeout),
            platform="WeChat",
            unavailable=WeChatUnavailable,
            malformed=WeChatError,
        )
        self._metrics = metrics or Metrics()
        self._token_endpoint = token_endpoint

    async def fetch_access_token(self, force_refresh: bool = False) -> api.AccessToken:
        """A token from ``cgi-bin/stable_token`` (or ``cgi-bin/token`` if so configured).
        ``force_refresh`` asks stable_token for a new one (``cgi-bin/token`` always gives
        one). Callers go through
        :class:`~wxsession.platforms.wechat.access_token.AccessTokenManager`."""
        secret = self._secret.get_secret_value()
        if self._token_endpoint == "token":  # noqa: S105
            request = api.token_request(self.appid, secret)
        else:
            request = api.stable_token_request(self.appid, secret, force_refresh=force_refresh)
        status, body = await self._send(request, request.path.rsplit("/", 1)[-1])
        return api.parse_access_token(status, body)

    async def get_phone_number(self, access_token: str, code: str) -> api.PhoneNumber:
        """The phone number behind a ``getPhoneNumber`` button's ``code``."""
        request = api.phone_number_request(access_token, code)
        status, body = await self._send(request, "getuserphonenumber")
        return api.parse_phone_number(status, body, self.appid)

    async def check_session(self, access_token: str, openid: str, session_key: str) -> bool:
        """Whether WeChat still accepts ``session_key`` for ``openid``."""
        request = api.check_session_request(access_token, openid, session_key)
        status, body = await self._send(request, "checksession")
        return api.parse_check_session(status, body)

    async def _send(self, request: PlatformRequest, endpoint: str) -> tuple[int, bytes]:
        """One call through the shared shell (bounded in time and size; failing to reach
        WeChat is 503). Metrics count it by endpoint and errcode-or-transport outcome."""
        start = time.perf_counter()
        outcome = "sent"
        try:
            return await self._shell.send(request)
        except WxSessionError as exc:
            outcome = _outcome(exc)
            raise
        finally:
            self._metrics.wechat_call(self.appid, endpoint, outcome, time.perf_counter() - start)

    async def code2session(self, code: str) -> Code2Session:
        """Exchange a ``wx.login()`` code for openid, session_key and (maybe) unionid.

        Never retried, not even on a timeout or ``-1`` (system busy): the code is single-use,
        and if WeChat consumed it before the answer was lost, a retry can only come back as
        "code already used". The client holds the only remedy: call ``wx.login()`` again.
        """
        start = time.perf_counter()
        outcome = "cancelled"
        try:
            answer = await self._code2session(code)
            outcome = "0"
            return answer
        except WxSessionError as exc:
            outcome = _outcome(exc)
            raise
        finally:
            elapsed = time.perf_counter() - start
            self._metrics.wechat_call(self.appid, "jscode2session", outcome, elapsed)

    async def _code2session(self, code: str) -> Code2Session:
        request = code2session_request(self.appid, self._secret.get_secret_value(), code)
        status, body = await self._shell.send(request)
        try:
            return parse_code2session(status, body)
        except WeChatError:
            log.warning(
                "WeChat jscode2session answered a body that is not a session (HTTP %d, %d bytes)",
                status,
                len(body),
            )
            raise


def _outcome(error: WxSessionError) -> str:
    """The metrics label for a failed call: WeChat's errcode, or why there was none."""
    if error.wechat_errcode is not None:
        return str(error.wechat_errcode)
    return "unavailable" if isinstance(error, WeChatUnavailable) else "bad_response"


def _overall(timeout: httpx.Timeout) -> float | None:
    phases = [t for t in (timeout.connect, timeout.read, timeout.write, timeout.pool) if t]
    return max(phases) if phases else None
