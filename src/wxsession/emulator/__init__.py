"""A local stand-in for WeChat's server API, speaking its wire format over real HTTP.

Used by dev mode, by ``wxsession emulator`` and by the test suite, so the whole login flow
runs without WeChat and without mocks. ``Emulator`` holds the state; ``create_emulator_app``
serves it.
"""

from wxsession.emulator.app import (
    DOUYIN_PREFIX,
    QQ_PREFIX,
    create_emulator_app,
    emulator_routes,
    parse_app_option,
    run_emulator,
    serve_emulator,
)
from wxsession.emulator.state import (
    CODE_TTL,
    PLATFORMS,
    Answer,
    Emulator,
    Faults,
    Issued,
)

__all__ = [
    "CODE_TTL",
    "DOUYIN_PREFIX",
    "PLATFORMS",
    "QQ_PREFIX",
    "Answer",
    "Emulator",
    "Faults",
    "Issued",
    "create_emulator_app",
    "emulator_routes",
    "parse_app_option",
    "run_emulator",
    "serve_emulator",
]
