"""CAPTCHA challenges: the verifier seam and the built-in image one (the ``captcha`` package).

A send of verification codes needs a solved challenge once an address or a network drew
attention (:mod:`wxsession.throttle.code_sends`). The seam is :class:`CaptchaVerifier`, so a
deployment can put a hosted one (Tencent's, Aliyun's, hCaptcha) behind the same two calls.

:class:`ImageCaptcha` draws five characters from an alphabet without look-alikes (no 0/O,
1/I) into a PNG, off the event loop, and keeps only a keyed digest of the answer in the
one-time store (:mod:`wxsession.throttle.one_time`): good for ``ttl`` seconds, checked once,
right or wrong, case-insensitively. ``reveal`` is dev mode's hook that tells the emulator
the answer (``GET /_emulator/captcha/{id}``), so tests and demos can solve it; production
never passes one.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from captcha.image import ImageCaptcha as Drawer

from wxsession.core.clock import Clock, system_clock
from wxsession.throttle.one_time import OneTimeStore, keyed_digest

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 5
MAX_ID = 64
MAX_ANSWER = 32


@dataclass(frozen=True, slots=True)
class Challenge:
    id: str
    image: bytes
    media_type: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class CaptchaAnswer:
    id: str
    answer: str


class CaptchaVerifier(Protocol):
    async def challenge(self) -> Challenge:
        """A new challenge to show the person."""
        ...

    async def verify(self, answer: CaptchaAnswer) -> bool:
        """Whether ``answer`` solves its challenge; a challenge is checked once."""
        ...


class ImageCaptcha:
    """See the module's docstring. ``key``: the HMAC key the answers are digested with."""

    def __init__(
        self,
        store: OneTimeStore,
        key: bytes,
        *,
        ttl: int = 300,
        clock: Clock = system_clock,
        reveal: Callable[[str, str], None] | None = None,
    ) -> None:
        self.store = store
        self._key = key
        self.ttl = ttl
        self.clock = clock
        self._reveal = reveal
        self._drawer = Drawer(width=160, height=60)

    def _mac(self, *parts: str) -> str:
        return keyed_digest(self._key, *parts)

    async def challenge(self) -> Challenge:
        answer = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        challenge_id = secrets.token_urlsafe(18)
        image = await asyncio.to_thread(self._draw, answer)
        expires_at = self.clock() + self.ttl
        await self.store.put(
            self._mac("captcha", challenge_id),
            self._mac("answer", challenge_id, answer),
            expires_at,
        )
        if self._reveal is not None:
            self._reveal(challenge_id, answer)
        return Challenge(challenge_id, image, "image/png", self.ttl)

    def _draw(self, answer: str) -> bytes:
        return self._drawer.generate(answer, format="png").getvalue()

    async def verify(self, answer: CaptchaAnswer) -> bool:
        if not (0 < len(answer.id) <= MAX_ID and 0 < len(answer.answer) <= MAX_ANSWER):
            return False
        return await self.store.spend(
            self._mac("captcha", answer.id),
            self._mac("answer", answer.id, answer.answer.strip().upper()),
            max_tries=1,
            now=self.clock(),
        )
