"""Baidu's smart-program login as the emulator plays it: ``spapi.baidu.com``'s
jscode2sessionkey on a form body, served under :data:`PREFIX`, with Baidu OAuth 2.0's
``{"error", "error_description"}`` answered with HTTP 400.

Written from Baidu's documentation (swan-docs ``develop/api/open/log_Session-Key`` and the
OAuth 2.0 error list it links), not from our client's parser, so the emulator stays an
independent oracle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.routing import Route

from wxsession.emulator.core import EmulatorCore
from wxsession.emulator.records import ExchangeErrors
from wxsession.emulator.routing import EmulatedPlatform, api_route, form_or_empty
from wxsession.platforms.baidu import DEV_PREFIX, SPEC

NAME = SPEC.name
PREFIX = DEV_PREFIX

DESCRIPTIONS: Mapping[str, str] = {
    "invalid_request": "missing required parameter",
    "invalid_client": "unknown client id",
    "invalid_grant": "invalid authorization code",
}

ERRORS = ExchangeErrors(
    no_appid="invalid_request",
    no_secret="invalid_request",  # noqa: S106 (error words, not secrets)
    no_code="invalid_request",
    bad_appid="invalid_client",
    bad_secret="invalid_client",  # noqa: S106
    bad_code="invalid_grant",
    used_code="invalid_grant",  # a code works once; Baidu's list says so of invalid_grant
)


def error(word: object) -> dict[str, Any]:
    """Baidu OAuth's error answer for ``word`` (a forced numeric code becomes its text)."""
    name = str(word)
    return {"error": name, "error_description": DESCRIPTIONS.get(name, "error")}


def exchange(emulator: EmulatorCore, form: Mapping[str, str]) -> dict[str, Any]:
    """jscode2sessionkey on a form ``{code, client_id, sk}``."""
    taken = emulator.take(NAME, ERRORS, form.get("client_id"), form.get("sk"), form.get("code"))
    if isinstance(taken, str):
        return error(taken)
    result = emulator.issue(taken.appid, taken.user, NAME)
    return {"openid": result.openid, "session_key": result.session_key}


def status(result: Mapping[str, Any]) -> int:
    """Baidu's OAuth answers an error with HTTP 400."""
    return 400 if "error" in result else 200


def routes(emulator: EmulatorCore) -> list[Route]:
    """Baidu's jscode2sessionkey under :data:`PREFIX`."""
    return [
        api_route(
            emulator,
            f"{PREFIX}/oauth/jscode2sessionkey",
            ["POST"],
            form_or_empty,
            lambda form: exchange(emulator, form),
            error,
            errcode_field="error",
            status=status,
        )
    ]


EMULATED = EmulatedPlatform(NAME, PREFIX, routes)
