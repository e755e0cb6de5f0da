"""Backing off a login platform that said it is overloaded (issue 19).

When a platform answers a code exchange with its rate limit (WeChat's 45011) or
"system busy" (-1), sending it every following login only spends more of the quota and
keeps it saturated. So for a short while (``WXSESSION_PLATFORM_BACKOFF_SECONDS``, doubling
while the platform keeps answering so, up to ``WXSESSION_PLATFORM_BACKOFF_MAX_SECONDS``)
logins through that provider and appid answer the platform's own 503
(``WECHAT_UNAVAILABLE``, ``PROVIDER_UNAVAILABLE``) with ``Retry-After`` without calling it.

The state is per process: each instance learns of the overload from its own next call,
which costs one call per instance, and checking costs no store round trip on the login
path. Answers that were already on their way when the backoff started neither extend nor
double it. The remaining wait never exceeds the current backoff, so a clock that jumps back
cannot make it longer.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from wxsession.core.clock import Clock
from wxsession.core.errors import WxSessionError
from wxsession.core.identity import Identity
from wxsession.platforms.provider import Provider
from wxsession.platforms.wire import MakeError

log = logging.getLogger("wxsession.providers")


class Backoff:
    """One platform app's backoff in this process: how long logins wait, and how long the
    next overload makes them wait."""

    def __init__(self, seconds: float, *, ceiling: float, clock: Clock) -> None:
        self.seconds = seconds
        self.ceiling = max(ceiling, seconds)
        self.clock = clock
        self._until = -math.inf
        self._length = 0.0

    def remaining(self) -> float:
        """Seconds left of the running backoff; 0 if there is none."""
        left = self._until - self.clock()
        return min(left, self._length) if left > 0 else 0.0

    def trip(self) -> float:
        """The platform said it is overloaded: start a backoff (the base length, or double
        the last one if that ended less than ``ceiling`` seconds ago) unless one is running.
        Returns the seconds left."""
        now = self.clock()
        if self.remaining() <= 0:
            recent = self._length > 0 and now - self._until < self.ceiling
            self._length = min(self._length * 2, self.ceiling) if recent else self.seconds
            self._until = now + self._length
        return self.remaining()


def retry_after(seconds: float) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1, never before ``seconds`` pass."""
    return str(max(1, math.ceil(seconds)))


class BackingOff:
    """``provider`` behind a :class:`Backoff`: while it runs, ``busy()`` (the platform's 503)
    with ``Retry-After`` instead of a call; an answer flagged ``platform_busy`` starts it."""

    def __init__(self, provider: Provider, *, app_id: str, busy: MakeError, backoff: Backoff):
        self.name = provider.name
        self.provider = provider
        self.app_id = app_id
        self._busy = busy
        self.backoff = backoff

    async def exchange(self, proof: Mapping[str, Any]) -> Identity:
        wait = self.backoff.remaining()
        if wait > 0:
            error = self._busy()
            error.headers["Retry-After"] = retry_after(wait)
            raise error
        try:
            return await self.provider.exchange(proof)
        except WxSessionError as exc:
            if exc.platform_busy and self.backoff.seconds > 0:
                self._tripped(exc)
            raise

    def _tripped(self, exc: WxSessionError) -> None:
        """Start (or keep) the backoff; the answer's own ``Retry-After`` is never shorter."""
        wait = self.backoff.trip()
        told = exc.headers.get("Retry-After", "0")
        exc.headers["Retry-After"] = str(max(int(told), int(retry_after(wait))))
        log.warning(
            "%s app %s is overloaded (%s): logins through it wait %.0f s",
            self.name,
            self.app_id,
            exc.code,
            wait,
        )
