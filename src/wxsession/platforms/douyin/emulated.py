"""Douyin's mini-program login as the emulator plays it: ``developer.toutiao.com``'s v2
jscode2session on a JSON body, served under :data:`PREFIX`, with Douyin's ``err_no`` shape.

Written from Douyin's documentation, not from our client's parser, so the emulator stays an
independent oracle.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from starlette.routing import Route

from wxsession.emulator.core import EmulatorCore
from wxsession.emulator.records import ExchangeErrors
from wxsession.emulator.routing import EmulatedPlatform, api_route, json_or_empty
from wxsession.platforms.douyin import DEV_PREFIX, SPEC

NAME = SPEC.name
PREFIX = DEV_PREFIX

TIPS: Mapping[int, str] = {
    -1: "system error",
    40014: "bad params",
    40015: "bad appid",
    40017: "bad secret",
    40018: "bad code",
    40019: "bad anonymous_code",
}

ERRORS = ExchangeErrors(
    no_appid=40014,
    no_secret=40014,
    no_code=40014,
    bad_appid=40015,
    bad_secret=40017,
    bad_code=40018,
    used_code=40018,
)


def error(err_no: int) -> dict[str, Any]:
    """Douyin's error answer: ``err_no``, ``err_tips`` and an empty session."""
    empty = {"session_key": "", "openid": "", "anonymous_openid": "", "unionid": ""}
    tips = TIPS.get(err_no, "error")
    return {"err_no": err_no, "err_tips": tips, "log_id": _log_id(), "data": empty}


def _log_id() -> str:
    return secrets.token_hex(12).upper()


def exchange(emulator: EmulatorCore, body: Mapping[str, Any]) -> dict[str, Any]:
    """Douyin's v2 jscode2session on a JSON body ``{appid, secret, code}``."""
    taken = emulator.take(NAME, ERRORS, body.get("appid"), body.get("secret"), body.get("code"))
    if isinstance(taken, int):
        return error(taken)
    result = emulator.issue(taken.appid, taken.user, NAME)
    data = {
        "session_key": result.session_key,
        "openid": result.openid,
        "anonymous_openid": "",
        "unionid": result.unionid or "",
    }
    return {"err_no": 0, "err_tips": "success", "log_id": _log_id(), "data": data}


def routes(emulator: EmulatorCore) -> list[Route]:
    """Douyin's jscode2session under :data:`PREFIX`."""
    return [
        api_route(
            emulator,
            f"{PREFIX}/api/apps/v2/jscode2session",
            ["POST"],
            json_or_empty,
            lambda body: exchange(emulator, body),
            error,
            errcode_field="err_no",
        )
    ]


EMULATED = EmulatedPlatform(NAME, PREFIX, routes)
