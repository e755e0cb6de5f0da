"""A blocking facade over the async Runtime, for WSGI frameworks (Flask, Django), with
awaitable twins for async views running on another event loop (Django's ASGI handler).

Why a facade and not a second, synchronous implementation: the session rules (token shape,
expiry, renewal that cannot undo a logout, registration, disabled users) live in async code
(``SessionManager``, :mod:`wxsession.services.current_user`) and are proven against real
stores. A sync copy would drift.
So ``SyncRuntime`` owns one event loop on one background thread, opens the very same
:class:`~wxsession.runtime.Runtime` there, and WSGI worker threads submit coroutines to it
with :func:`asyncio.run_coroutine_threadsafe`. One loop also means one Redis pool and one
database pool per process, shared by every worker thread.

Fail closed: a call that does not finish within ``timeout`` seconds is cancelled and raises
:class:`~wxsession.core.errors.SessionStoreUnavailable` (503), never a pass.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import orjson

from wxsession.carriers import CarrierChain
from wxsession.core.errors import SessionStoreUnavailable
from wxsession.core.session import ActiveSession
from wxsession.core.user import UserView
from wxsession.runtime import Runtime
from wxsession.services import current_user
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


class _Opened(NamedTuple):
    """A runtime open on its loop thread, and the event that ends that thread."""

    loop: asyncio.AbstractEventLoop
    runtime: Runtime
    stop: asyncio.Event


class SyncRuntime:
    """A :class:`Runtime` running on its own event-loop thread, callable from any thread.

    Fork-safe: a process forked after :meth:`start` (``gunicorn --preload``, Django's default
    WSGI application loaded in the master) inherits this object but not its loop thread, and
    the inherited sockets are the parent's. The first call in the child (``os.getpid()``
    differs) opens a runtime of its own on a new thread; the parent's is left untouched,
    neither used nor closed from the child (closing would end connections the parent uses).
    """

    def __init__(self, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.settings = settings
        self.timeout = timeout
        self._wanted = False  # between start() and close()
        self._opened: concurrent.futures.Future[_Opened] | None = None
        self._pid: int | None = None  # the process _thread and _opened belong to
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        _instances.add(self)
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
            self._wanted = True
        try:
            self._opening().result(timeout=START_TIMEOUT)
        except BaseException:
            self.close()
            raise
        atexit.register(self.close)
        return self

    def close(self) -> None:
        """Close the runtime (store, database, HTTP client) and end the thread."""
        with self._lock:
            self._wanted = False
            self._forget_parent()
            thread, opened = self._thread, self._opened
            self._thread = self._opened = self._pid = None
        atexit.unregister(self.close)
        if thread is None or opened is None:
            return
        if opened.done() and opened.exception() is None:
            loop, _, stop = opened.result()
            if not loop.is_closed():
                loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=START_TIMEOUT)

    def call(self, work: Callable[[Runtime], Awaitable[T]], *, timeout: float | None = None) -> T:
        """Run ``work(runtime)`` on the loop thread and wait for its result.

        Errors raised by ``work`` propagate unchanged; a timeout cancels it and raises 503.
        """
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        opening = self._opening()
        try:
            opened = opening.result(timeout=limit)
        except Exception as exc:
            if not opening.done():  # still opening: fail closed now, it goes on for the next
                raise SessionStoreUnavailable() from exc
            raise self._open_failed(opening) from exc
        future = self._submit(opened, work)
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except concurrent.futures.TimeoutError as exc:
            future.cancel()
            raise SessionStoreUnavailable() from exc

    async def acall(self, work: Callable[[Runtime], Awaitable[T]]) -> T:
        """:meth:`call` for a coroutine on another event loop: awaits the result instead of
        blocking that loop's thread. Same errors, same 503 after :attr:`timeout`."""
        opening = self._opening()
        future: concurrent.futures.Future[T] | None = None
        try:
            async with asyncio.timeout(self.timeout):
                try:  # shielded: a timeout here must not cancel the opening other calls share
                    opened = (
                        opening.result()
                        if opening.done()
                        else await asyncio.shield(asyncio.wrap_future(opening))
                    )
                except Exception as exc:
                    raise self._open_failed(opening) from exc
                future = self._submit(opened, work)
                return await asyncio.wrap_future(future)
        except TimeoutError as exc:
            if future is not None:
                future.cancel()
            raise SessionStoreUnavailable() from exc

    def _opening(self) -> concurrent.futures.Future[_Opened]:
        """This process's runtime, open or being opened; opened here first if needed (after
        a failed opening, or in a forked child)."""
        with self._lock:
            if not self._wanted:
                raise RuntimeError("SyncRuntime is not started (call start(), or it was closed)")
            self._forget_parent()
            if self._opened is None:
                self._opened = concurrent.futures.Future()
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._serve, args=(self._opened,), name="wxsession-sync", daemon=True
                )
                self._thread.start()
            return self._opened

    def _forget_parent(self) -> None:
        """In a forked child, drop the parent's runtime without closing it: its thread does
        not run here, and its sockets are the parent's. Called with the lock held.

        The objects are kept referenced (``_inherited``), so that their finalizers (a
        transport unregistering its socket from the epoll set the fork shares) never run
        while this process serves."""
        if self._pid is not None and self._pid != os.getpid():
            _inherited.append((self._thread, self._opened))
            self._thread = self._opened = self._pid = None

    def _open_failed(self, opening: concurrent.futures.Future[_Opened]) -> SessionStoreUnavailable:
        """Opening raised (a store down when a forked child first needs it): fail closed,
        and let the next call try again."""
        with self._lock:
            if self._opened is opening:
                self._thread = self._opened = self._pid = None
        log.warning("opening the wxsession runtime failed", exc_info=opening.exception())
        return SessionStoreUnavailable()

    @staticmethod
    def _submit(
        opened: _Opened, work: Callable[[Runtime], Awaitable[T]]
    ) -> concurrent.futures.Future[T]:
        async def run() -> T:
            return await work(opened.runtime)

        return asyncio.run_coroutine_threadsafe(run(), opened.loop)

    def authenticate(
        self, request: RequestSnapshot, *, optional: bool = False, registered: bool = True
    ) -> ActiveSession | None:
        """:func:`wxsession.services.current_user.authenticate`, blocking."""
        return self.call(
            lambda rt: current_user.authenticate(
                rt, request, optional=optional, registered=registered
            )
        )

    def load_user(self, active: ActiveSession) -> UserView:
        """:func:`wxsession.services.current_user.load_user`, blocking."""
        return self.call(lambda rt: current_user.load_user(rt, active))

    async def aauthenticate(
        self, request: RequestSnapshot, *, optional: bool = False, registered: bool = True
    ) -> ActiveSession | None:
        """:meth:`authenticate` for async views."""
        return await self.acall(
            lambda rt: current_user.authenticate(
                rt, request, optional=optional, registered=registered
            )
        )

    async def aload_user(self, active: ActiveSession) -> UserView:
        """:meth:`load_user` for async views."""
        return await self.acall(lambda rt: current_user.load_user(rt, active))

    def _serve(self, opened: concurrent.futures.Future[_Opened]) -> None:
        asyncio.run(self._main(opened))

    async def _main(self, opened: concurrent.futures.Future[_Opened]) -> None:
        try:
            async with Runtime.open(self.settings) as runtime:
                stop = asyncio.Event()
                opened.set_result(_Opened(asyncio.get_running_loop(), runtime, stop))
                await stop.wait()
        except BaseException as exc:
            if not opened.done():
                opened.set_exception(exc)
            else:  # closing failed; nothing waits for this thread's result
                log.warning("closing the wxsession runtime failed", exc_info=exc)


_instances: weakref.WeakSet[SyncRuntime] = weakref.WeakSet()
_inherited: list[object] = []
"""In a forked child: the parent's runtimes, held so that they are never finalized here."""


def _renew_locks() -> None:
    """After a fork, in the child: a lock some other parent thread held at the fork would
    stay held forever (that thread does not exist here)."""
    for runtime in _instances:
        runtime._lock = threading.Lock()


os.register_at_fork(after_in_child=_renew_locks)
