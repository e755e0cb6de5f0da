"""Failed code logins per client IP (issue 19; ASVS 4.0.3 2.2.1 and 11.1.4 anti-automation).

Every code a client sends is exchanged at its platform (WeChat's jscode2session, the other
platforms' code exchanges), and every exchange spends the app's quota there, which all
its users share. So codes the platform refused (invalid, expired, used) are counted per
client network (an IPv6 address by its /64), in the same ``limits`` moving window and store
as the password throttle; once a network has ``limit`` of them in ``window`` seconds, its
code logins are refused with 429 ``RATE_LIMITED`` and ``Retry-After`` *before* the platform is
called. Successful logins never count.

The store is asked only when it can matter. A login from a network this process has seen
no refused code from lately goes straight to the platform, however many of its logins run
at once (a carrier-grade NAT's users log in in parallel, and none of that may count): no
store round trip, the common case; a refused code is counted after the fact. A network with
a refused code in the window is a suspect: each of its logins reserves a slot atomically
before the call and gives it back unless the platform refuses the code, so its parallel
bursts get no more calls than the limit. The counters are shared by every instance; what is
per process is only the memory of which networks to check, so an over-limit network's
first burst reaches the platform once per instance (and once per network it forgot, at
most ``remembered`` networks) before it is checked. A counter store that does not answer is
503, as for the password throttle.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TypeVar

from limits import RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter

from wxsession.client_ip import counted_network
from wxsession.core.platform_errors import ProviderCodeInvalid, WeChatCodeUsed
from wxsession.throttle.storage import WindowStorage, retry_after

T = TypeVar("T")

REFUSED_CODE = (ProviderCodeInvalid, WeChatCodeUsed)
"""What counts as a failure: the platform refused the code (WeChat's and the App's invalid
and used codes are a ``ProviderCodeInvalid`` and a ``WeChatCodeUsed``)."""

REMEMBERED = 100_000
"""Networks with recent failures this process keeps in mind (the oldest go first)."""


class CodeLoginRefused(Exception):
    """A network over its limit; ``retry_after``: whole seconds until a slot is free."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _key(network: str) -> str:
    return hashlib.blake2b(network.encode(), digest_size=16, person=b"wxs-code-limit").hexdigest()


class CodeLoginThrottle:
    """Refused login codes per client network; see the module's docstring."""

    def __init__(
        self,
        storage: WindowStorage,
        *,
        limit: int = 60,
        window: int = 600,
        remembered: int = REMEMBERED,
    ) -> None:
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._item = RateLimitItemPerSecond(limit, window, namespace="code-ip")
        self._window = window
        self._remembered = remembered
        self._suspects: OrderedDict[str, float] = OrderedDict()  # network -> until when

    async def attempt(self, ip: str | None, exchange: Callable[[], Awaitable[T]]) -> T:
        """``exchange()`` (the platform call) for a client at ``ip``, unless its network is
        over the limit (:class:`CodeLoginRefused`, the platform not called)."""
        network = counted_network(ip)
        if self._suspected(network):
            return await self._checked(network, exchange)
        try:
            return await exchange()
        except REFUSED_CODE:
            self._suspect(network)
            with self.storage.failing_closed():
                await self._limiter.hit(self._item, _key(network))
            raise

    async def _checked(self, network: str, exchange: Callable[[], Awaitable[T]]) -> T:
        """A slot taken before the call, and given back unless the platform refuses the code."""
        key = _key(network)
        with self.storage.failing_closed():
            if not await self._limiter.hit(self._item, key):
                self._suspect(network)
                raise CodeLoginRefused(await self._retry_after(key))
        try:
            result = await exchange()
        except REFUSED_CODE:
            self._suspect(network)
            raise
        except BaseException:
            await self._release(key)
            raise
        await self._release(key)
        return result

    def _suspected(self, network: str) -> bool:
        until = self._suspects.get(network)
        if until is None:
            return False
        if until > self.storage.now():
            return True
        del self._suspects[network]
        return False

    def _suspect(self, network: str) -> None:
        """Check ``network`` at its next logins, for a window from now."""
        self._suspects[network] = self.storage.now() + self._window
        self._suspects.move_to_end(network)
        while len(self._suspects) > self._remembered:
            self._suspects.popitem(last=False)

    async def _release(self, key: str) -> None:
        with self.storage.failing_closed():
            await self.storage.release_entry(self._item.key_for(key))

    async def _retry_after(self, key: str) -> int:
        """The first whole second at which the window has a free slot."""
        stats = await self._limiter.get_window_stats(self._item, key)
        return retry_after(stats.reset_time, self.storage.now())
