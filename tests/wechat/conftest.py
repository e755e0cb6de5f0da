"""Fixtures for the modules that drive one module-scoped emulator over HTTP: each module
starts its own (fixture ``served``: URL and emulator) with the apps it needs."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from wxsession.emulator import Emulator


@pytest.fixture
def url(served: tuple[str, Emulator]) -> Iterator[str]:
    """The emulator's URL; the faults a test injected are reset after it."""
    yield served[0]
    served[1].reset_faults()


@pytest.fixture
def emulator(served: tuple[str, Emulator], url: str) -> Emulator:
    return served[1]


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One pooled client for the module: building a client per call costs ~20 ms."""
    with httpx.Client(timeout=5) as client:
        yield client
