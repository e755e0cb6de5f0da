"""A blocking facade over the async Runtime, for WSGI frameworks (Flask, Django), with
awaitable twins for async views running on another event loop (Django's ASGI handler).

Why a facade and not a second, synchronous implementation: the session rules (token shape,
expiry, renewal that cannot undo a logout, registration, disabled users) live in async code
(``SessionManager``, ``guard``) and are proven against real stores. A sync copy would drift.
So ``SyncRuntime`` owns one event loop on one background thread, opens the very same
:class:`~wxsession.runtime.Runtime` there, and WSGI worker threads submit coroutines to it
with :func:`asyncio.run_coroutine_threadsafe`. One loop also means one Redis pool and one
database pool per process, shared by every worker thread.

Fail closed: a call that does not finish within ``timeout`` seconds is cancelled and raises
:class:`~wxsession.errors.SessionStoreUnavailable` (503), never a pass.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

from wxsession import guard
from wxsession.accounts.models import User
from wxsession.carriers import CarrierChain
from wxsession.errors import SessionStoreUnavailable
from wxsession.runtime import Runtime
from wxsession.sessions.manager import ActiveSession
from wxsession.settings import Settings

T = TypeVar("T")

log = logging.getLogger("wxsession.sync")

DEFAULT_TIMEOUT = 5.0
START_TIMEOUT = 30.0


class Headers(Mapping[str, str]):
    """A case-insensitive, read-only copy of request headers (HTTP names ignore case)."""

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        self._items = {name.lower(): value for name, value in (items or {}).items()}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class RequestSnapshot:
    """What carriers read from a request, copied on the request's own thread.

    A framework's request object is bound to its thread (Flask's ``request`` is a context
    local), so the adapters copy these few fields (:meth:`SyncRuntime.snapshot`) and hand
    the copy to the loop thread. It satisfies :class:`~wxsession.carriers.RequestView`.
    """

    method: str = "GET"
    headers: Headers = field(default_factory=Headers)
    query_params: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    """The JSON body, already parsed (``None``: not read, or not JSON)."""

    async def json(self) -> Any:
        return self.body


class SyncRuntime:
    """A :class:`Runtime` running on its own event-loop thread, callable from any thread."""

    def __init__(self, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.settings = settings
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runtime: Runtime | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._body = CarrierChain.from_settings(settings).body

    def snapshot(
        self,
        method: str,
        headers: Mapping[str, str],
        query_params: Mapping[str, str],
        read_body: Callable[[], bytes],
    ) -> RequestSnapshot:
        """A copy of the request for the carriers, made on the request's own thread.

        The body is read (``read_body``) and parsed here, never on the loop thread every
        request's check shares, and only when the body carrier is enabled and reads it: a
        JSON body of declared length, up to ``max_body_bytes`` (413 beyond, unread)."""
        copied = Headers(headers)
        body = None
        if self._body is not None and self._body.reads(method, copied):
            try:
                body = orjson.loads(read_body())
            except orjson.JSONDecodeError:  # not JSON, not UTF-8, nested too deep
                body = None
        return RequestSnapshot(method, copied, dict(query_params), body)

    def start(self) -> SyncRuntime:
        """Open the runtime on a new loop thread; raises what opening raised (bad settings,
        a database that does not answer). Idempotent."""
        with self._lock:
            if self._thread is not None:
                return self
            ready: concurrent.futures.Future[None] = concurrent.futures.Future()
            self._thread = threading.Thread(
                target=self._serve, args=(ready,), name="wxsession-sync", daemon=True
            )
            self._thread.start()
        try:
            ready.result(timeout=START_TIMEOUT)
        except BaseException:
            self.close()
            raise
        atexit.register(self.close)
        return self

    def close(self) -> None:
        """Close the runtime (store, database, HTTP client) and end the thread."""
        with self._lock:
            thread, loop, stop = self._thread, self._loop, self._stop
            self._thread = None
        if thread is None:
            return
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=START_TIMEOUT)
        atexit.unregister(self.close)

    def call(self, work: Callable[[Runtime], Awaitable[T]], *, timeout: float | None = None) -> T:
        """Run ``work(runtime)`` on the loop thread and wait for its result.

        Errors raised by ``work`` propagate unchanged; a timeout cancels it and raises 503.
        """
        future = self._submit(work)
        try:
            return future.result(timeout=self.timeout if timeout is None else timeout)
        except concurrent.futures.TimeoutError as exc:
            future.cancel()
            raise SessionStoreUnavailable() from exc

    async def acall(self, work: Callable[[Runtime], Awaitable[T]]) -> T:
        """:meth:`call` for a coroutine on another event loop: awaits the result instead of
        blocking that loop's thread. Same errors, same 503 after :attr:`timeout`."""
        future = self._submit(work)
        try:
            async with asyncio.timeout(self.timeout):
                return await asyncio.wrap_future(future)
        except TimeoutError as exc:
            future.cancel()
            raise SessionStoreUnavailable() from exc

    def _submit(self, work: Callable[[Runtime], Awaitable[T]]) -> concurrent.futures.Future[T]:
        loop, runtime = self._loop, self._runtime
        if self._thread is None or loop is None or runtime is None:
            raise RuntimeError("SyncRuntime is not started (call start(), or it was closed)")

        async def run() -> T:
            return await work(runtime)

        return asyncio.run_coroutine_threadsafe(run(), loop)

    def authenticate(
        self, request: RequestSnapshot, *, optional: bool = False, registered: bool = True
    ) -> ActiveSession | None:
        """:func:`wxsession.guard.authenticate`, blocking."""
        return self.call(
            lambda rt: guard.authenticate(rt, request, optional=optional, registered=registered)
        )

    def load_user(self, active: ActiveSession) -> User:
        """:func:`wxsession.guard.load_user`, blocking."""
        return self.call(lambda rt: guard.load_user(rt, active))

    async def aauthenticate(
        self, request: RequestSnapshot, *, optional: bool = False, registered: bool = True
    ) -> ActiveSession | None:
        """:meth:`authenticate` for async views."""
        return await self.acall(
            lambda rt: guard.authenticate(rt, request, optional=optional, registered=registered)
        )

    async def aload_user(self, active: ActiveSession) -> User:
        """:meth:`load_user` for async views."""
        return await self.acall(lambda rt: guard.load_user(rt, active))

    def _serve(self, ready: concurrent.futures.Future[None]) -> None:
        asyncio.run(self._main(ready))

    async def _main(self, ready: concurrent.futures.Future[None]) -> None:
        try:
            async with Runtime.open(self.settings) as runtime:
                self._stop = asyncio.Event()
                self._runtime = runtime
                self._loop = asyncio.get_running_loop()
                ready.set_result(None)
                await self._stop.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            else:  # closing failed; nothing waits for this thread's result
                log.warning("closing the wxsession runtime failed", exc_info=exc)
        finally:
            self._runtime = None
            self._loop = None
