"""Brute-force throttling of password logins: failures per account and client IP, and per
account from anywhere (ASVS 4.0.3 2.2.1), counted with ``limits``' moving window.

Each attempt reserves a slot in both windows *before* any password work, atomically in the
store, so a burst of parallel guesses cannot all slip in while the first ones are still
hashing. A failed attempt keeps its slots; a success gives the account's slot back and
clears the account+IP window (OWASP: a success may reset the pair's count; the account-wide
count is never reset, or each login by the real user would hand an attacker a fresh quota).

The keys name neither the account nor the IP in clear: both are hashed (BLAKE2b, 128 bits,
personalised) before they reach Redis or SQL. That keeps names and addresses out of key
listings, ``MONITOR`` output and slow logs, and makes every key the same short length. It
is pseudonymisation, not secrecy: anyone holding the database holds the user names anyway,
and a phone number is guessable from its hash, so no deployment secret is spent on it.
An IPv6 client is counted by its /64, which one host or household usually holds whole.

A password change checks the current password too, so a stolen session could guess it there:
those guesses count in windows of their own (:attr:`Scope.PASSWORD_CHANGE`, keyed by user id),
with the same limits, so neither kind of failure spends the other's quota.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter

from wxsession.client_ip import counted_network as _network
from wxsession.throttle.storage import WindowStorage, retry_after


class Scope(StrEnum):
    """Where a password is being guessed; each scope counts in windows of its own (the
    value names them in the store, ``login`` as before scopes existed)."""

    LOGIN = "login"
    PASSWORD_CHANGE = "password-change"  # noqa: S105 (a scope name)
    PASSWORD_RESET = "password-reset"  # noqa: S105 (a scope name)
    CONSOLE = "console"  # operators signing in to the console (their own accounts)


class Limit(StrEnum):
    """Which window refused an attempt (an audit field; a bounded set)."""

    ACCOUNT_IP = "account_ip"
    ACCOUNT = "account"


@dataclass(frozen=True, slots=True)
class Refused:
    """An attempt the throttle turned away, and when to try again (whole seconds, ≥ 1)."""

    limit: Limit
    retry_after: int
    account: str
    """The account's key digest, so operators can tell which account is under attack."""


@dataclass(frozen=True, slots=True)
class _Windows:
    """One scope's two windows: per account and client IP, and per account."""

    account_ip: RateLimitItem
    account: RateLimitItem


def _digest(*parts: str) -> str:
    joined = "\x00".join(parts).encode()
    return hashlib.blake2b(joined, digest_size=16, person=b"wxs-login-limit").hexdigest()


class LoginThrottle:
    """Counts failed password logins; refuses an attempt once a window is full.

    Store failures raise :class:`~wxsession.core.errors.SessionStoreUnavailable` (503): with the
    counters out of reach, no attempt goes through unthrottled.
    """

    def __init__(
        self,
        storage: WindowStorage,
        *,
        per_account_ip: int = 10,
        window: int = 900,
        per_account_hour: int = 100,
    ) -> None:
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._windows = {
            scope: _Windows(
                RateLimitItemPerSecond(per_account_ip, window, namespace=f"{scope.value}-ip"),
                RateLimitItemPerHour(per_account_hour, 1, namespace=scope.value),
            )
            for scope in Scope
        }

    async def reserve(
        self, name: str, ip: str | None, *, scope: Scope = Scope.LOGIN
    ) -> Refused | None:
        """Count an attempt at account ``name`` (normalised; a user id for a password change)
        from ``ip`` before its password is checked; a :class:`Refused` if either window of
        ``scope`` is already full (nothing counted)."""
        windows, account, pair = self._windows[scope], _digest(name), _digest(name, _network(ip))
        with self.storage.failing_closed():
            if not await self._limiter.hit(windows.account_ip, pair):
                return await self._refused(windows, Limit.ACCOUNT_IP, account, pair)
            if not await self._limiter.hit(windows.account, account):
                await self.storage.release_entry(windows.account_ip.key_for(pair))
                return await self._refused(windows, Limit.ACCOUNT, account, pair)
        return None

    async def succeeded(self, name: str, ip: str | None, *, scope: Scope = Scope.LOGIN) -> None:
        """The reserved attempt had the right password: it is not a failure after all."""
        windows, account, pair = self._windows[scope], _digest(name), _digest(name, _network(ip))
        with self.storage.failing_closed():
            await self._limiter.clear(windows.account_ip, pair)
            await self.storage.release_entry(windows.account.key_for(account))

    async def _refused(self, windows: _Windows, limit: Limit, account: str, pair: str) -> Refused:
        """Retry-After: the first whole second at which every full window has a free slot."""
        resets = []
        for item, key in ((windows.account_ip, pair), (windows.account, account)):
            stats = await self._limiter.get_window_stats(item, key)
            if stats.remaining <= 0:
                resets.append(stats.reset_time)
        now = self.storage.now()
        return Refused(limit, retry_after(max(resets, default=now), now), account)
