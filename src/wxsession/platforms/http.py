"""The thin async I/O shell every platform API call goes through (the WeChat mini program's
:class:`~wxsession.platforms.wechat.client.WeChatClient` included): one platform host, one call at a
time, bounded in time and size, with transport failures translated at this boundary, and no
query string in the logs.

A call takes one of two routes. In production it goes straight onto aiohttp's keep-alive
pool and C HTTP parser (:class:`AiohttpPool`): httpx's client layer in front (URL model,
request and response objects, its send machinery) cost twice the CPU of the rest of the
call, about 0.25 of the 2 ms a login may take at 500 logins a second (issue 8). Transports
handed to httpx (dev mode's in-process emulator, proxies, tests) keep going through httpx.
The request is built, and the rules applied, once for both routes in :class:`PlatformHttp`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import aiohttp
import httpx
import yarl

from wxsession.platforms.wire import MakeError, PlatformRequest

log = logging.getLogger("wxsession.providers")

MAX_BODY_BYTES = 64 * 1024
"""A platform's login or API answer is a few hundred bytes; anything far larger is not it."""

Answer = tuple[int, AsyncIterator[bytes]]
"""An answer as either route hands it over: its HTTP status and its body's chunks."""

_JSON = {"Content-Type": "application/json"}
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class PlatformHttp:
    """Sends :class:`PlatformRequest` s to one platform's API base over the shared pool.

    ``timeout`` bounds a whole call (in-process transports apply no per-phase timeouts;
    ``None``: only the per-phase ones). Failing to reach the platform is ``unavailable()``
    (503); an answer over 64 KiB is ``malformed()`` (502). Query strings (secrets, codes,
    user tokens) never reach the logs: this shell logs paths only, and the loggers of the
    libraries below get the filter that drops them.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        *,
        timeout: float | None,
        platform: str,
        unavailable: MakeError,
        malformed: MakeError,
    ) -> None:
        self._http = http
        self._pool = http.pool if isinstance(http, PlatformClient) else None
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self.platform = platform
        self._unavailable = unavailable
        self._malformed = malformed
        install_log_filter()

    async def send(self, request: PlatformRequest) -> tuple[int, bytes]:
        """The answer's HTTP status and body. Never retried: login codes work once."""
        url = yarl.URL(self.base_url + request.path).with_query(request.params)
        content, headers = encoded_body(request)
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._open(request.method, url, content, headers) as (status, chunks),
            ):
                body = bytearray()
                async for chunk in chunks:
                    body += chunk
                    if len(body) > MAX_BODY_BYTES:
                        log.warning("%s %s answer is too large", self.platform, request.path)
                        raise self._malformed()
        except (httpx.HTTPError, TimeoutError) as exc:
            log.warning("%s %s unreachable: %s", self.platform, request.path, type(exc).__name__)
            raise self._unavailable() from exc
        if not 200 <= status < 300:
            log.warning("%s %s answered HTTP %d", self.platform, request.path, status)
        else:
            log.debug(
                "%s %s %s answered HTTP %d", self.platform, request.method, request.path, status
            )
        return status, bytes(body)

    def _open(
        self, method: str, url: yarl.URL, content: bytes | None, headers: Mapping[str, str] | None
    ) -> AbstractAsyncContextManager[Answer]:
        if self._pool is not None:
            return self._pool.open(method, url, content, headers)
        return _through_httpx(self._http, method, url, content, headers)


def encoded_body(request: PlatformRequest) -> tuple[bytes | None, Mapping[str, str] | None]:
    """The request's body as bytes, and its headers: JSON encoded as httpx's ``json=``
    does, a form as HTML forms are (UTF-8, ``+`` for spaces), raw content as it is; the
    request's own headers on top."""
    content, headers = _body(request)
    if request.headers:
        return content, {**(headers or {}), **request.headers}
    return content, headers


def _body(request: PlatformRequest) -> tuple[bytes | None, Mapping[str, str] | None]:
    if request.body is not None:
        text = json.dumps(request.body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode(), _JSON
    if request.form is not None:
        return urlencode(request.form).encode("ascii"), _FORM
    return request.content, None


@asynccontextmanager
async def _through_httpx(
    http: httpx.AsyncClient,
    method: str,
    url: yarl.URL,
    content: bytes | None,
    headers: Mapping[str, str] | None,
) -> AsyncIterator[Answer]:
    async with http.stream(method, str(url), content=content, headers=headers) as response:
        yield response.status_code, response.aiter_bytes()


class AiohttpPool:
    """Platform calls on aiohttp's connection pool, without httpx's client in front.

    At most ``max_connections`` are open; idle ones are kept ``keepalive_expiry`` seconds.
    ``timeout`` 's phases apply as httpx would apply them (``pool``: getting a connection,
    ``connect``: opening one, ``read``: each read); redirects are not followed, no cookies
    are kept. aiohttp's failures become httpx's (:class:`httpx.TimeoutException`,
    :class:`httpx.TransportError`), so both routes fail alike, and name only their type:
    their messages can hold the URL, whose query has secrets.
    """

    def __init__(
        self, timeout: httpx.Timeout, *, max_connections: int, keepalive_expiry: float
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=timeout.pool, sock_connect=timeout.connect, sock_read=timeout.read
        )
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # made on first use, inside the loop it belongs to
            connector = aiohttp.TCPConnector(
                limit=self._max_connections, keepalive_timeout=self._keepalive_expiry
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
            )
        return self._session

    @asynccontextmanager
    async def open(
        self,
        method: str,
        url: yarl.URL,
        content: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> AsyncIterator[Answer]:
        """The answer while the block runs; leaving it returns the connection to the pool."""
        with _aiohttp_errors():
            async with self._client().request(
                method, url, data=content, headers=headers, allow_redirects=False
            ) as response:
                yield response.status, response.content.iter_any()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class PlatformClient(httpx.AsyncClient):
    """httpx's client, with the :class:`AiohttpPool` :class:`PlatformHttp` sends over
    instead when there is one (``pool``); closing the client closes the pool."""

    def __init__(self, *, pool: AiohttpPool | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.pool = pool

    async def aclose(self) -> None:
        try:
            await super().aclose()
        finally:
            await self._close_pool()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        try:
            await super().__aexit__(exc_type, exc_value, traceback)
        finally:
            await self._close_pool()

    async def _close_pool(self) -> None:
        if self.pool is not None:
            await self.pool.aclose()


@contextmanager
def _aiohttp_errors() -> Iterator[None]:
    try:
        yield
    except (aiohttp.ClientError, TimeoutError) as exc:
        error = next(theirs for ours, theirs in _ERRORS if isinstance(exc, ours))
        raise error(type(exc).__name__) from None


_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (TimeoutError, httpx.TimeoutException),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ClientError, httpx.TransportError),
)
"""aiohttp's failures as httpx's, most specific first."""


class DropQueryStrings(logging.Filter):
    """Removes query strings from URLs in log records.

    httpx logs every request's full URL at INFO, and jscode2session carries the AppSecret
    and the user's code in its query string. This filter rewrites such records to keep the
    method, scheme, host, path and status, and drop the rest. It affects every URL the loggers
    it is put on report, which is the intent: no query string is safe to log by default.
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


URL_LOGGERS = ("httpx", "aiohttp.client", "asyncio")
"""Loggers that can write a platform call's URL: httpx's request lines, and aiohttp's and
asyncio's warnings about an unclosed response, which show the response with its URL."""


def install_log_filter() -> None:
    """Put :class:`DropQueryStrings` on every logger of :data:`URL_LOGGERS`, once however
    often called."""
    with _install_lock:
        for name in URL_LOGGERS:
            target = logging.getLogger(name)
            if not any(isinstance(existing, DropQueryStrings) for existing in target.filters):
                target.addFilter(DropQueryStrings())
