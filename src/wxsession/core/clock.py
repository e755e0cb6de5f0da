"""Time as an injectable dependency, so expiry logic is tested by moving a clock, not sleeping."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]
"""Returns the current Unix time in seconds."""

system_clock: Clock = time.time
