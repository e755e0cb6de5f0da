"""Injected misbehaviour: what ``/_emulator/faults`` sets and every emulated API call takes.

Pure values and functions; :class:`~wxsession.emulator.core.EmulatorCore` holds the current
:class:`Faults` under its lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

MAX_LATENCY_MS = 60_000


@dataclass(frozen=True, slots=True)
class Faults:
    """Injected misbehaviour. ``count`` is how many more calls get the override (if any)."""

    latency_ms: int = 0
    errcode: int | str | None = None
    """A platform's error code to answer with: a number, or a word for platforms whose codes
    are words (OAuth 2.0's ``error``)."""
    count: int = 0
    body: str | None = None
    status: int = 200
    path: str | None = None
    """Only calls to this path (e.g. ``/sns/userinfo``) take the faults; ``None``: all."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer of an emulated API: status, body text, and the errcode for logging."""

    status: int
    body: str
    errcode: int | str | None = None
    media_type: str = "text/plain"


ErrorBody = Callable[[Any], dict[str, Any]]
"""A platform's error answer for an error code (of the type its codes have), in its own
shape."""


def new_faults(
    latency_ms: int = 0,
    errcode: int | str | None = None,
    count: int = 1,
    body: str | None = None,
    status: int = 200,
    path: str | None = None,
) -> Faults:
    """Checked :class:`Faults`; ``count`` only counts when something is overridden."""
    if not 0 <= latency_ms <= MAX_LATENCY_MS:
        raise ValueError(f"latency_ms must be between 0 and {MAX_LATENCY_MS}")
    if count < 1:
        raise ValueError("count must be at least 1")
    if not 200 <= status <= 599:
        raise ValueError("status must be an HTTP status between 200 and 599")
    if errcode is not None and body is not None:
        raise ValueError("set errcode or body, not both")
    if path is not None and not path.startswith("/"):
        raise ValueError("path must start with '/'")
    overrides = errcode is not None or body is not None or status != 200
    return Faults(latency_ms, errcode, count if overrides else 0, body, status, path)


def take(faults: Faults, path: str | None) -> tuple[float, Faults | None, Faults]:
    """For one call to ``path``: its latency (seconds), the faults that override its answer
    (if any), and the faults left for the calls after it."""
    if faults.path is not None and faults.path != path:
        return 0.0, None, faults
    latency = faults.latency_ms / 1000
    if faults.count <= 0:
        return latency, None, faults
    remaining = faults.count - 1
    left = (
        replace(faults, count=remaining)
        if remaining
        else Faults(latency_ms=faults.latency_ms, path=faults.path)
    )
    return latency, faults, left


def forced_answer(faults: Faults, error: ErrorBody) -> Answer:
    """The answer the faults force instead of the real one: their body, the platform's error
    for their errcode, or an HTML error page of their status."""
    if faults.body is not None:
        return Answer(faults.status, faults.body)
    if faults.errcode is not None:
        return Answer(faults.status, json.dumps(error(faults.errcode)), faults.errcode)
    page = f"<html><body><h1>{faults.status}</h1></body></html>"
    return Answer(faults.status, page, media_type="text/html")
