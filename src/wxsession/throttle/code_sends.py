"""How many verification codes may be sent, and when a send needs a CAPTCHA (issue 23).

Each code sent costs money (SMS) and lands in someone's phone or mailbox, so sends are
counted in ``limits`` moving windows in the throttles' store (Redis or SQL, shared by every
instance): per address (one per ``interval`` and ``per_day`` a day), per client network
(an IPv6 address by its /64) and in total per minute. :meth:`CodeSendLimits.reserve` takes a
slot in each, in that order, or gives back the ones it took and raises
:class:`SendRefused` with the refusing window's ``Retry-After``; :meth:`Reservation.release`
gives them back when the message could not be sent, so a vendor outage spends no quota.

Apart from those hard limits, *attention* windows count sends and refused codes per address
and per network: once either holds ``captcha_after`` of them, :meth:`needs_captcha` is
true and the service asks for a solved CAPTCHA before sending. A store that does not answer
is 503, as for every throttle. Drawing CAPTCHA challenges is limited per network too
(:meth:`CodeSendLimits.challenge`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter

from wxsession.client_ip import counted_network
from wxsession.throttle.storage import WindowStorage, retry_after

DAY = 86_400


class SendRefused(Exception):
    """A send over a limit; ``scope``: ``address``, ``ip`` or ``total``."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(scope, retry_after)
        self.scope = scope
        self.retry_after = retry_after


def _key(kind: bytes, value: str) -> str:
    data = kind + b"\x1f" + value.encode()
    return hashlib.blake2b(data, digest_size=16, person=b"wxs-code-send").hexdigest()


@dataclass
class Reservation:
    """The slots one send took; :meth:`release` gives them back (at most once)."""

    limits: CodeSendLimits
    taken: list[tuple[RateLimitItem, str]] = field(default_factory=list)

    async def release(self) -> None:
        taken, self.taken = self.taken, []
        storage = self.limits.storage
        with storage.failing_closed():
            for item, key in reversed(taken):
                await storage.release_entry(item.key_for(key))


@dataclass(frozen=True, slots=True)
class SendPolicy:
    interval: int = 60
    per_day: int = 10
    per_ip: int = 20
    ip_window: int = 3600
    per_minute: int = 100
    captcha_after: int = 3
    captcha_window: int = 3600
    challenges_per_minute: int = 30


class CodeSendLimits:
    """See the module's docstring. ``address`` is the caller's stable name for an address
    (a keyed digest: no phone number or mail address is written to the store)."""

    def __init__(self, storage: WindowStorage, policy: SendPolicy = SendPolicy()) -> None:
        self.storage = storage
        self.policy = policy
        self._limiter = MovingWindowRateLimiter(storage)
        p = policy
        self._address = (
            RateLimitItemPerSecond(1, p.interval, namespace="code-send-a1"),
            RateLimitItemPerSecond(p.per_day, DAY, namespace="code-send-ad"),
        )
        self._ip = RateLimitItemPerSecond(p.per_ip, p.ip_window, namespace="code-send-ip")
        self._total = RateLimitItemPerSecond(p.per_minute, 60, namespace="code-send-all")
        self._challenges = RateLimitItemPerSecond(
            p.challenges_per_minute, 60, namespace="captcha-ip"
        )
        attention = max(1, p.captcha_after)
        self._attention = RateLimitItemPerSecond(attention, p.captcha_window, namespace="code-att")

    def _steps(self, address: str, ip: str | None) -> list[tuple[str, RateLimitItem, str]]:
        network = _key(b"ip", counted_network(ip))
        named = _key(b"addr", address)
        return [
            ("address", self._address[0], named),
            ("address", self._address[1], named),
            ("ip", self._ip, network),
            ("total", self._total, "all"),
        ]

    async def reserve(self, address: str, ip: str | None) -> Reservation:
        """A slot in every window, or none and :class:`SendRefused`."""
        reservation = Reservation(self)
        for scope, item, key in self._steps(address, ip):
            with self.storage.failing_closed():
                taken = await self._limiter.hit(item, key)
                if not taken:
                    stats = await self._limiter.get_window_stats(item, key)
            if not taken:
                await reservation.release()
                raise SendRefused(scope, retry_after(stats.reset_time, self.storage.now()))
            reservation.taken.append((item, key))
        return reservation

    async def challenge(self, ip: str | None) -> None:
        """Count a CAPTCHA challenge drawn for a network (each costs a drawing and a write);
        :class:`SendRefused` (scope ``captcha``) beyond ``challenges_per_minute``."""
        key = _key(b"captcha", counted_network(ip))
        with self.storage.failing_closed():
            if await self._limiter.hit(self._challenges, key):
                return
            stats = await self._limiter.get_window_stats(self._challenges, key)
        raise SendRefused("captcha", retry_after(stats.reset_time, self.storage.now()))

    def _attention_keys(self, address: str, ip: str | None) -> tuple[str, str]:
        return _key(b"att-addr", address), _key(b"att-ip", counted_network(ip))

    async def needs_captcha(self, address: str, ip: str | None) -> bool:
        """Whether the address or the network had ``captcha_after`` sends or refused codes
        in the window (always, with ``captcha_after`` 0)."""
        if self.policy.captcha_after == 0:
            return True
        with self.storage.failing_closed():
            for key in self._attention_keys(address, ip):
                if not await self._limiter.test(self._attention, key):
                    return True
        return False

    async def notice(self, address: str, ip: str | None) -> None:
        """Count a send or a refused code towards the CAPTCHA threshold (a full window
        stays full: nothing more to count)."""
        with self.storage.failing_closed():
            for key in self._attention_keys(address, ip):
                await self._limiter.hit(self._attention, key)
