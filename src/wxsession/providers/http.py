"""The thin async I/O shell every platform API call goes through (the WeChat mini program's
:class:`~wxsession.wechat.client.WeChatClient` included): one platform host, one call at a
time, bounded in time and size, with httpx's failures translated at this boundary, and no
query string in the logs."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import AsyncIterator, Callable, Mapping

import httpx

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


class PooledTransport(httpx.AsyncBaseTransport):
    """httpx's transport split into small connection pools, each request on the least busy.

    httpcore's pool walks every connection it holds twice per request, polling each idle
    one's socket and counting the pool once per idle connection: its cost grows with the
    square of its size, and when more connections are open than it may keep alive it closes
    idle ones, so the next calls reconnect. At 100 concurrent WeChat calls one pool made that
    most of a login's CPU (issue 8). Pools of ``per_pool`` connections keep the walk short and
    every connection alive: ``pools * per_pool`` bounds the connections, as one pool would.
    """

    def __init__(self, *, pools: int, per_pool: int, keepalive_expiry: float) -> None:
        limits = httpx.Limits(
            max_connections=per_pool,
            max_keepalive_connections=per_pool,
            keepalive_expiry=keepalive_expiry,
        )
        self._pools = [httpx.AsyncHTTPTransport(limits=limits) for _ in range(pools)]
        self._busy = [0] * pools

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        chosen = self._busy.index(min(self._busy))
        self._busy[chosen] += 1
        try:
            response = await self._pools[chosen].handle_async_request(request)
        except BaseException:
            self._busy[chosen] -= 1
            raise
        # The connection stays busy until the body is read and the response closed.
        response.stream = _Released(response.stream, lambda: self._release(chosen))
        return response

    def _release(self, pool: int) -> None:
        self._busy[pool] -= 1

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


class _Released(httpx.AsyncByteStream):
    """A response body that calls ``done`` once, when it is closed."""

    def __init__(
        self, stream: httpx.SyncByteStream | httpx.AsyncByteStream, done: Callable[[], None]
    ) -> None:
        assert isinstance(stream, httpx.AsyncByteStream)
        self._stream = stream
        self._done: Callable[[], None] | None = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        done, self._done = self._done, None
        try:
            await self._stream.aclose()
        finally:
            if done is not None:
                done()


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
