"""A clock for tests."""

from __future__ import annotations

import time


class MovableClock:
    """A clock the tests move by hand (``clock.advance(3600)``) instead of sleeping."""

    def __init__(self, start: float | None = None) -> None:
        self.now = start if start is not None else time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
