"""The whole suite's fixtures live in ``tests/support/`` and load here as plugins, so test
modules import helpers from ``tests.support`` and never a conftest.

- ``stores``: real Redis / PostgreSQL / SQLite (servers, per-test URLs, topologies);
- ``service``: a real wxsession server and its emulator on both backends (``service``);
- ``emulator``: one module-scoped emulator over HTTP (``served``, ``url``, ``emulator``, ``http``);
- ``platforms``: providers built by the registry against an emulator of every platform;
- ``browser``: a headless system Chromium driven by Playwright (``browser_page``, ``shots``);
- ``smtp``: the emulator's real SMTP server on a thread (``smtp_outbox``, ``smtp_tls``).
"""

from __future__ import annotations

import os

import pytest

# Helpers' asserts (``session_id_of``...) report like a test's own: rewrite before importing them.
pytest.register_assert_rewrite("tests.support")

from tests.support.cli import TEST_DATA_KEYS  # noqa: E402

pytest_plugins = [
    "tests.support.stores",
    "tests.support.emulator",
    "tests.support.platforms",
    "tests.support.service",
    "tests.support.browser",
    "tests.support.smtp",
]

# Outside dev mode a service needs WXSESSION_DATA_KEYS: every service the suite starts in this
# process seals with the public test key, unless a test sets its own.
os.environ.setdefault("WXSESSION_DATA_KEYS", TEST_DATA_KEYS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``first`` go to the front. pytest-xdist hands tests out in order, so the
    longest ones (minutes) start at once, beside the rest, instead of making the run's tail."""
    items.sort(key=lambda item: item.get_closest_marker("first") is None)
