"""The thin async I/O shell around :mod:`wxsession.wechat.protocol`.

The HTTP client is injected (one pooled ``httpx.AsyncClient`` owned by the caller), so tests
and dev mode swap the transport, never the code. httpx failures are translated here, at the
boundary, into :class:`~wxsession.errors.WeChatUnavailable`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Mapping

import httpx
from pydantic import SecretStr

from wxsession.errors import WeChatError, WeChatUnavailable, WxSessionError
from wxsession.metrics import Metrics
from wxsession.settings import WECHAT_API_BASE
from wxsession.wechat import api
from wxsession.wechat.protocol import Code2Session, code2session_request, parse_code2session

log = logging.getLogger("wxsession.wechat")

MAX_BODY_BYTES = 64 * 1024
"""A jscode2session answer is a few hundred bytes; anything far larger is not WeChat."""

CONNECT_TIMEOUT = 2.0


def make_http_client(
    timeout: float, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The pooled client for WeChat calls: connect within 2 s, every other phase within
    ``timeout`` (and :class:`WeChatClient` bounds the whole call by ``timeout`` too).

    Redirects are not followed and proxy environment variables are honoured as httpx does.
    """
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30),
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
        base_url: str = WECHAT_API_BASE,
        *,
        timeout: float | None = None,
        metrics: Metrics | None = None,
        token_endpoint: str = "stable_token",  # noqa: S107 (an endpoint name)
    ) -> None:
        """``timeout`` bounds a whole call; by default the largest of ``http``'s timeouts.

        httpx's own timeouts are per phase (connect, read, ...) and in-process transports such
        as ``httpx.ASGITransport`` (dev mode) do not apply them at all, hence this deadline.
        """
        self._http = http
        self.appid = appid
        self._secret = secret
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout if timeout is not None else _overall(http.timeout)
        self._metrics = metrics or Metrics()
        self._token_endpoint = token_endpoint
        install_log_filter()

    async def fetch_access_token(self) -> api.AccessToken:
        """A token from ``cgi-bin/stable_token`` (or ``cgi-bin/token`` if so configured).
        Callers go through :class:`~wxsession.wechat.access_token.AccessTokenManager`."""
        secret = self._secret.get_secret_value()
        if self._token_endpoint == "token":  # noqa: S105
            request = api.token_request(self.appid, secret)
        else:
            request = api.stable_token_request(self.appid, secret)
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

    async def _send(self, request: api.ApiRequest, endpoint: str) -> tuple[int, bytes]:
        """One call, bounded by the overall timeout; failures to reach WeChat are 503.
        Metrics count it by endpoint and errcode-or-transport outcome."""
        start = time.perf_counter()
        outcome = "sent"
        try:
            async with asyncio.timeout(self._timeout):
                async with self._http.stream(
                    request.method,
                    self._base_url + request.path,
                    params=request.params,
                    json=request.body,
                ) as response:
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > MAX_BODY_BYTES:
                            outcome = "bad_response"
                            raise WeChatError()
                    return response.status_code, bytes(body)
        except (httpx.HTTPError, TimeoutError) as exc:
            outcome = "unavailable"
            log.warning("WeChat %s unreachable: %s", endpoint, type(exc).__name__)
            raise WeChatUnavailable() from exc
        finally:
            self._metrics.wechat_call(endpoint, outcome, time.perf_counter() - start)

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
            self._metrics.wechat_call("jscode2session", outcome, time.perf_counter() - start)

    async def _code2session(self, code: str) -> Code2Session:
        request = code2session_request(self.appid, self._secret.get_secret_value(), code)
        try:
            async with asyncio.timeout(self._timeout):
                status, body = await self._get(request.path, request.params)
        except (httpx.HTTPError, TimeoutError) as exc:
            log.warning("WeChat jscode2session unreachable: %s", type(exc).__name__)
            raise WeChatUnavailable() from exc
        if not 200 <= status < 300:
            log.warning("WeChat jscode2session answered HTTP %d", status)
        try:
            return parse_code2session(status, body)
        except WeChatError:
            log.warning(
                "WeChat jscode2session answered a body that is not a session (HTTP %d, %d bytes)",
                status,
                len(body),
            )
            raise

    async def _get(self, path: str, params: Mapping[str, str]) -> tuple[int, bytes]:
        async with self._http.stream("GET", self._base_url + path, params=params) as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    log.warning("WeChat jscode2session answer exceeds %d bytes", MAX_BODY_BYTES)
                    raise WeChatError()
            return response.status_code, bytes(body)


def _outcome(error: WxSessionError) -> str:
    """The metrics label for a failed call: WeChat's errcode, or why there was none."""
    if error.wechat_errcode is not None:
        return str(error.wechat_errcode)
    return "unavailable" if isinstance(error, WeChatUnavailable) else "bad_response"


def _overall(timeout: httpx.Timeout) -> float | None:
    phases = [t for t in (timeout.connect, timeout.read, timeout.write, timeout.pool) if t]
    return max(phases) if phases else None


class DropQueryStrings(logging.Filter):
    """Removes query strings from URLs in log records.

    httpx logs every request's full URL at INFO, and jscode2session carries the AppSecret
    and the user's code in its query string. This filter rewrites such records to keep the
    method, scheme, host, path and status, and drop the rest. It affects every URL the
    ``httpx`` logger reports, which is the intent: no query string is safe to log by default.
    """

    _URL_QUERY = re.compile(r"(\bhttps?://[^\s?#\"']*)[?#][^\s\"']*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self._URL_QUERY.sub(r"\1", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._scrub(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: self._scrub(value) for key, value in record.args.items()}
        return True

    def _scrub(self, value: object) -> object:
        if isinstance(value, httpx.URL):
            return value.copy_with(query=None, fragment=None)
        if isinstance(value, str):
            return self._URL_QUERY.sub(r"\1", value)
        return value


_install_lock = threading.Lock()


def install_log_filter(logger: logging.Logger | None = None) -> None:
    """Put :class:`DropQueryStrings` on the ``httpx`` logger, once however often called."""
    target = logger or logging.getLogger("httpx")
    with _install_lock:
        if not any(isinstance(existing, DropQueryStrings) for existing in target.filters):
            target.addFilter(DropQueryStrings())
