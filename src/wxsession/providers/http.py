"""The thin async I/O shell every platform API call goes through (the WeChat mini program's
:class:`~wxsession.wechat.client.WeChatClient` included): one platform host, one call at a
time, bounded in time and size, with httpx's failures translated at this boundary, and no
query string in the logs."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager

import aiohttp
import httpx
import yarl

from wxsession.platforms.wire import MakeError, PlatformRequest

log = logging.getLogger("wxsession.providers")

MAX_BODY_BYTES = 64 * 1024
"""A platform's login or API answer is a few hundred bytes; anything far larger is not it."""


class PlatformHttp:
    """Sends :class:`PlatformRequest` s to one platform's API base over the shared pool.

    ``timeout`` bounds a whole call (in-process transports apply no httpx timeouts; ``None``:
    only httpx's own). Failing
    to reach the platform is ``unavailable()`` (503); an answer over 64 KiB is
    ``malformed()`` (502). Query strings (secrets, codes, user tokens) never reach the logs:
    the ``httpx`` logger gets the filter that drops them.
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
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self.platform = platform
        self._unavailable = unavailable
        self._malformed = malformed
        install_log_filter()

    async def send(self, request: PlatformRequest) -> tuple[int, bytes]:
        """The answer's HTTP status and body. Never retried: login codes work once."""
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._http.stream(
                    request.method,
                    self.base_url + request.path,
                    params=request.params,
                    json=request.body,
                ) as response,
            ):
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_BODY_BYTES:
                        log.warning("%s %s answer is too large", self.platform, request.path)
                        raise self._malformed()
                if not 200 <= response.status_code < 300:
                    log.warning(
                        "%s %s answered HTTP %d", self.platform, request.path, response.status_code
                    )
                return response.status_code, bytes(body)
        except (httpx.HTTPError, TimeoutError) as exc:
            log.warning("%s %s unreachable: %s", self.platform, request.path, type(exc).__name__)
            raise self._unavailable() from exc


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx's client API over aiohttp's connection pool and C-accelerated HTTP parser.

    httpx's own transport (httpcore, h11, anyio) is pure Python: about 0.5 ms of CPU per
    platform call, the largest single cost of a login at a few hundred logins a second
    (issue 8). aiohttp does the same call for under a third of that. The client in front
    (timeouts, no redirects, query strings built by httpx) is unchanged, so in-process
    transports (dev mode's emulator) and proxies keep working through httpx's own.

    At most ``max_connections`` are open; idle ones are kept ``keepalive_expiry`` seconds.
    No cookies are kept and answers are passed on undecoded (httpx decodes them). aiohttp's
    failures become httpx's (:class:`httpx.TimeoutException`, :class:`httpx.TransportError`)
    and name only their type: their messages can hold the URL, whose query has secrets.
    """

    def __init__(self, *, max_connections: int, keepalive_expiry: float) -> None:
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
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        with _aiohttp_errors():
            response = await self._client().request(
                request.method,
                yarl.URL(str(request.url), encoded=True),  # as httpx encoded it
                headers=request.headers.multi_items(),
                data=request.content or None,  # platform requests are built in memory
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("pool"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
            )
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_AiohttpBody(response),
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class _AiohttpBody(httpx.AsyncByteStream):
    """An aiohttp answer's body; closing it returns the connection to the pool."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _aiohttp_errors():
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        self._response.release()


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
