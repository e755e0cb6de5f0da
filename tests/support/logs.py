"""Capturing what the code under test logs, in this process."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def attached(
    handler: logging.Handler, logger: str = "", level: int = logging.DEBUG
) -> Iterator[None]:
    """``handler`` on ``logger`` (the root by default), which logs at ``level`` during the
    block; its own level is restored afterwards."""
    target = logging.getLogger(logger)
    previous = target.level
    target.addHandler(handler)
    target.setLevel(level)
    try:
        yield
    finally:
        target.removeHandler(handler)
        target.setLevel(previous)
