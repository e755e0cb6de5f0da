"""Kuaishou's mini-program login as the emulator plays it: ``open.kuaishou.com``'s
``oauth2/mp/code2session`` on a form body, served under :data:`PREFIX`, answering
``{"result", ...}`` with HTTP 200.

Written from Kuaishou's OAuth 2.0 error list and the answer shape public SDKs document (see
the wire module's sources), not from our client's parser, so the emulator stays an
independent oracle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.routing import Route

from wxsession.emulator.core import EmulatorCore
from wxsession.emulator.records import ExchangeErrors
from wxsession.emulator.routing import EmulatedPlatform, api_route, form_or_empty
from wxsession.platforms.kuaishou import DEV_PREFIX, SPEC

NAME = SPEC.name
PREFIX = DEV_PREFIX

MESSAGES: Mapping[int, str] = {
    100200100: "request lacks a parameter or has one of the wrong type",
    100200101: "invalid client",
    100200105: "invalid code",
    100200500: "internal error",
}

ERRORS = ExchangeErrors(
    no_appid=100200100,
    no_secret=100200100,
    no_code=100200100,
    bad_appid=100200101,
    bad_secret=100200101,
    bad_code=100200105,
    used_code=100200105,  # a code works once
)


def error(result: int) -> dict[str, Any]:
    """Kuaishou's error answer: ``result`` and ``error_msg``."""
    return {"result": result, "error_msg": MESSAGES.get(result, "error")}


def exchange(emulator: EmulatorCore, form: Mapping[str, str]) -> dict[str, Any]:
    """code2session on a form ``{app_id, app_secret, js_code}``."""
    taken = emulator.take(
        NAME, ERRORS, form.get("app_id"), form.get("app_secret"), form.get("js_code")
    )
    if isinstance(taken, int):
        return error(taken)
    result = emulator.issue(taken.appid, taken.user, NAME)
    return {"result": 1, "open_id": result.openid, "session_key": result.session_key}


def routes(emulator: EmulatorCore) -> list[Route]:
    """Kuaishou's code2session under :data:`PREFIX`."""
    return [
        api_route(
            emulator,
            f"{PREFIX}/oauth2/mp/code2session",
            ["POST"],
            form_or_empty,
            lambda form: exchange(emulator, form),
            error,
            errcode_field="result",
        )
    ]


EMULATED = EmulatedPlatform(NAME, PREFIX, routes)
