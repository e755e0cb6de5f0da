"""Password policy and hashing: Argon2id off the event loop, with a bound on parallel hashes.

Policy (ASVS 4.0.3 2.1, 5.0 6.2): 8 to 128 characters (Unicode code points, so CJK and emoji
count one each), any characters, no composition rules, and not one of the 3000 most common
passwords. A password is used exactly as typed: no normalisation, no case folding, no
truncation (Argon2 takes any length, unlike bcrypt's 72 bytes).

Hashing: Argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1). One hash holds 19 MiB and
~50 ms of a core, so at most ``concurrency`` run at once in worker threads; the rest wait
their turn without blocking the event loop. A hash made with older parameters is replaced on
the next successful login (:meth:`PasswordHasher.needs_rehash`).
"""

from __future__ import annotations

import asyncio
import secrets
from functools import cache
from importlib import resources

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from wxsession.core.account_errors import PasswordTooCommon, PasswordTooLong, PasswordTooShort

MIN_LENGTH = 8
MAX_LENGTH = 128

TIME_COST = 2
MEMORY_COST_KIB = 19456
PARALLELISM = 1


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (``common_passwords.txt``), casefolded."""
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(line.casefold() for line in lines if line and not line.startswith("#"))


def check_new_password(password: str) -> None:
    """Raise the policy's 400 for a password that may not be set. Cheap, so it runs before
    any hashing: an oversized password costs nothing."""
    if len(password) < MIN_LENGTH:
        raise PasswordTooShort(f"The password must be at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise PasswordTooLong(f"The password must be at most {MAX_LENGTH} characters.")
    if password.casefold() in common_passwords():
        raise PasswordTooCommon()


class PasswordHasher:
    """Argon2id hashing and verifying in worker threads, at most ``concurrency`` at a time.

    ``dummy_hash`` is a hash of a random secret with the current parameters: verifying
    against it costs what a real verification costs, for callers that have no user.
    """

    def __init__(
        self,
        *,
        concurrency: int = 2,
        time_cost: int = TIME_COST,
        memory_cost: int = MEMORY_COST_KIB,
        parallelism: int = PARALLELISM,
    ) -> None:
        self._argon2 = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )
        self._slots = asyncio.Semaphore(concurrency)
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._argon2.hash, password)

    async def verify(self, stored: str, password: str) -> bool:
        """Whether ``password`` matches ``stored``; a malformed hash is simply no match."""
        async with self._slots:
            return await asyncio.to_thread(self._verify, stored, password)

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self._argon2.check_needs_rehash(stored)
        except InvalidHashError:
            return True

    async def dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(16))
        return self._dummy

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self._argon2.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
