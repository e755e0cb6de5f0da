"""Throttling of failed open-data checks per user: ``POST /v1/wechat/decrypt`` and
``POST /v1/wechat/verify`` (issue 19; ASVS 4.0.3 2.2.1, 11.1.4).

Every check of a user's WeChat data can teach an attacker something about the ciphertexts
they craft, even with one uniform error (a padding oracle needs thousands of answers; a
forged signature, many guesses). A legitimate client almost never fails: only after a key
rotation (it logs in again) or through a bug. So at most ``failures`` failed checks per user
in a moving window of ``window`` seconds, then 429 ``RATE_LIMITED`` with ``Retry-After``.

As for password logins (:mod:`wxsession.throttle.login`), each check reserves its slot before
any work, atomically in the store, so a parallel burst gets no more tries than the limit; a
check that passes gives its slot back, so only failures count. A new login does not reset the
count: that would hand an attacker a fresh quota per ``wx.login()``. The counters share the
login throttle's storage (the session store's Redis, or SQL), under keys of their own.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter

from wxsession.audit import Event, record
from wxsession.core.errors import RateLimited
from wxsession.core.platform_errors import WeChatDataError
from wxsession.throttle.storage import WindowStorage, retry_after

NAMESPACE = "wechat-data"
"""Names this throttle's windows in the store, apart from the login throttle's."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WeChatDataThrottled(Event):
    """A user's open-data check refused by this throttle. Defined here, not with the
    services' events: the throttle is below the services and emits it itself."""

    name = "wechat_data_throttled"
    level = logging.WARNING
    user: str
    retry_after: int


class OpenDataThrottle:
    """Counts a user's failed open-data checks; refuses a check once the window is full.

    Store failures raise :class:`~wxsession.core.errors.SessionStoreUnavailable` (503): with the
    counters out of reach, no check runs unthrottled.
    """

    def __init__(
        self,
        storage: WindowStorage,
        *,
        failures: int = 20,
        window: int = 600,
        emit: Callable[[Event], None] = record,
    ) -> None:
        self.storage = storage
        self.emit = emit
        self._limiter = MovingWindowRateLimiter(storage)
        self._window = RateLimitItemPerSecond(failures, window, namespace=NAMESPACE)

    @asynccontextmanager
    async def attempt(self, user_id: str) -> AsyncIterator[None]:
        """Run one check of ``user_id``'s open data inside this block.

        Raises :class:`~wxsession.core.errors.RateLimited` before the block runs if the user's
        window is full. A :class:`~wxsession.core.platform_errors.WeChatDataError` leaving the
        block keeps the slot (a failure); any other way out gives it back.
        """
        with self.storage.failing_closed():
            reserved = await self._limiter.hit(self._window, user_id)
            if not reserved:
                stats = await self._limiter.get_window_stats(self._window, user_id)
                wait = retry_after(stats.reset_time, self.storage.now())
        if not reserved:
            self.emit(WeChatDataThrottled(user=user_id, retry_after=wait))
            raise RateLimited(
                "Too many failed checks of WeChat data. Try again later.", retry_after=wait
            )
        try:
            yield
        except WeChatDataError:
            raise
        except Exception:
            await self._give_back(user_id)
            raise
        await self._give_back(user_id)

    async def _give_back(self, user_id: str) -> None:
        with self.storage.failing_closed():
            await self.storage.release_entry(self._window.key_for(user_id))
