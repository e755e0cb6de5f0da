"""QQ's mini-program login as the emulator plays it: ``api.q.qq.com``'s jscode2session,
served under :data:`PREFIX` (its path is the same as WeChat's).

Written from QQ's documentation, not from our client's parser, so the emulator stays an
independent oracle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.routing import Route

from wxsession.emulator.core import EmulatorCore
from wxsession.emulator.records import ExchangeErrors
from wxsession.emulator.routing import EmulatedPlatform, api_route, query
from wxsession.platforms.qq import DEV_PREFIX, SPEC

NAME = SPEC.name
PREFIX = DEV_PREFIX

ERRMSGS: Mapping[int, str] = {
    -1: "system error",
    40013: "invalid appid",
    40029: "invalid code",
    40125: "invalid appsecret",
    40163: "code been used",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
}

ERRORS = ExchangeErrors(
    no_appid=41002,
    no_secret=41004,
    no_code=41008,
    bad_appid=40013,
    bad_secret=40125,
    bad_code=40029,
    used_code=40029,  # QQ documents no "code used" errcode
)


def exchange(
    emulator: EmulatorCore, appid: str | None, secret: str | None, code: str | None
) -> dict[str, Any]:
    """QQ's jscode2session: WeChat's shape, with ``errcode: 0`` and empty strings next to a
    success."""
    taken = emulator.take(NAME, ERRORS, appid, secret, code)
    if isinstance(taken, int):
        return emulator.errcode_error(taken, ERRMSGS)
    result = emulator.issue(taken.appid, taken.user, NAME)
    return {
        "errcode": 0,
        "errmsg": "",
        "openid": result.openid,
        "session_key": result.session_key,
        "unionid": result.unionid or "",
    }


def routes(emulator: EmulatorCore) -> list[Route]:
    """QQ's jscode2session under :data:`PREFIX`."""
    return [
        api_route(
            emulator,
            f"{PREFIX}/sns/jscode2session",
            ["GET"],
            query,
            lambda q: exchange(emulator, q.get("appid"), q.get("secret"), q.get("js_code")),
            emulator.errcode_errors(ERRMSGS),
        )
    ]


EMULATED = EmulatedPlatform(NAME, PREFIX, routes)
