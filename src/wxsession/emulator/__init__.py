"""A local stand-in for the login platforms' server APIs, speaking their wire formats over
real HTTP.

Used by dev mode, by ``wxsession emulator`` and by the test suite, so the whole login flow
runs without WeChat and without mocks; a production app never imports it. ``Emulator``
holds the state (:mod:`.core`), each platform's ``emulated.py`` its answers, and
``create_emulator_app`` serves them all.

Importing the package loads nothing: each name loads its module when first used, so a
platform's ``emulated.py`` can import :mod:`.core` without loading every other platform.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wxsession.emulator.app import (
        create_emulator_app,
        emulator_routes,
        parse_app_option,
        parse_app_options,
        run_emulator,
        serve_emulator,
    )
    from wxsession.emulator.core import CODE_TTL
    from wxsession.emulator.faults import Answer, Faults
    from wxsession.emulator.platforms import PLATFORMS, Emulator
    from wxsession.emulator.records import Issued

__all__ = [
    "CODE_TTL",
    "PLATFORMS",
    "Answer",
    "Emulator",
    "Faults",
    "Issued",
    "create_emulator_app",
    "emulator_routes",
    "parse_app_option",
    "parse_app_options",
    "run_emulator",
    "serve_emulator",
]

_HOMES = {
    "CODE_TTL": "core",
    "PLATFORMS": "platforms",
    "Answer": "faults",
    "Emulator": "platforms",
    "Faults": "faults",
    "Issued": "records",
    "create_emulator_app": "app",
    "emulator_routes": "app",
    "parse_app_option": "app",
    "parse_app_options": "app",
    "run_emulator": "app",
    "serve_emulator": "app",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
