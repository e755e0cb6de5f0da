"""WeChat's server API as the emulator plays it (``api.weixin.qq.com``, served at the root):
jscode2session, the access tokens, the phone number, checksession, and the open data a client
gets from ``wx.getXxx``.

Written from WeChat's documentation, not from our client's parser (``wire.py``, ``crypto.py``
decrypting), so the emulator stays an independent oracle: the open-data cipher here is its
own few lines over ``cryptography``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wxsession.emulator.core import EmulatorCore
from wxsession.emulator.faults import Answer
from wxsession.emulator.routing import EmulatedPlatform, answer, json_or_empty
from wxsession.platforms.wechat import SPEC
from wxsession.platforms.wechat_sns.emulated import ERRORS, WECHAT_ERRMSGS

log = logging.getLogger("wxsession.emulator")

NAME = SPEC.name
ACCESS_TOKEN_TTL = 7200
STABLE_TOKEN_MARGIN = 300
"""A stable token is the same for every caller until its last five minutes."""

ERRMSGS: Mapping[int, str] = {
    **WECHAT_ERRMSGS,
    40001: "invalid credential, access_token is invalid or not latest",
    40226: "high risk user",
    87009: "invalid signature",
}


# -- jscode2session -------------------------------------------------------------------------


def exchange(
    emulator: EmulatorCore, appid: str | None, secret: str | None, code: str | None
) -> dict[str, Any]:
    """WeChat's answer to jscode2session: the session, or ``{"errcode", "errmsg"}``."""
    taken = emulator.take(NAME, ERRORS, appid, secret, code)
    if isinstance(taken, int):
        return emulator.errcode_error(taken, ERRMSGS)
    result = emulator.issue(taken.appid, taken.user)
    session = {"session_key": result.session_key, "openid": result.openid}
    if result.unionid is not None:
        session["unionid"] = result.unionid
    return session


def answer_code2session(
    emulator: EmulatorCore, appid: str | None, secret: str | None, code: str | None
) -> Answer:
    """The real jscode2session answer, as WeChat sends it: HTTP 200 even for errcodes."""
    result = exchange(emulator, appid, secret, code)
    errcode = result.get("errcode")
    return Answer(200, json.dumps(result), errcode if isinstance(errcode, int) else None)


# -- access token, phone number, checksession -------------------------------------------------


def access_token(
    emulator: EmulatorCore,
    appid: object,
    secret: object,
    *,
    stable: bool,
    force_refresh: bool = False,
) -> dict[str, Any]:
    """``cgi-bin/stable_token`` (``stable``) or ``cgi-bin/token``."""
    refused = emulator.check_credentials(NAME, ERRORS, appid, secret)
    if refused is not None:
        return emulator.errcode_error(refused, ERRMSGS)
    assert isinstance(appid, str)
    token, expires_in = emulator.app_token(
        appid,
        ACCESS_TOKEN_TTL,
        shared_margin=STABLE_TOKEN_MARGIN if stable else None,
        force_refresh=force_refresh,
    )
    return {"access_token": token, "expires_in": expires_in}


def _token_appid(emulator: EmulatorCore, token: str | None) -> str | int:
    """The app an access token belongs to, or the errcode refusing it."""
    grant = emulator.app_grant(token)
    if grant is None:
        return 40001
    if grant.expires_at <= emulator.clock():
        return 42001
    return grant.appid


def phone_number(emulator: EmulatorCore, token: str | None, code: object) -> dict[str, Any]:
    """``wxa/business/getuserphonenumber``: the phone behind a button's one-time code."""
    appid = _token_appid(emulator, token)
    if isinstance(appid, int):
        return emulator.errcode_error(appid, ERRMSGS)
    found = emulator.take_phone_code(code)
    if found is None or found.appid != appid:
        return emulator.errcode_error(40029, ERRMSGS)
    country = found.country_code
    return {
        "errcode": 0,
        "errmsg": "ok",
        "phone_info": {
            "phoneNumber": f"+{country} {found.phone}",
            "purePhoneNumber": found.phone,
            "countryCode": country,
            "watermark": {"appid": found.appid, "timestamp": int(emulator.clock())},
        },
    }


def check_session(
    emulator: EmulatorCore,
    token: str | None,
    openid: str | None,
    signature: str | None,
    method: str | None,
) -> dict[str, Any]:
    """``wxa/checksession``: errcode 0 if ``signature`` is hmac_sha256("", key) of the
    openid's newest session_key, 87009 otherwise."""
    appid = _token_appid(emulator, token)
    if isinstance(appid, int):
        return emulator.errcode_error(appid, ERRMSGS)
    key = emulator.session_key_for(appid, openid or "")
    if method != "hmac_sha256" or key is None or signature is None:
        return emulator.errcode_error(87009, ERRMSGS)
    expected = hmac.new(key.encode(), b"", hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return emulator.errcode_error(87009, ERRMSGS)
    return {"errcode": 0, "errmsg": "ok"}


# -- open data (what the client receives from wx.getXxx and forwards) -------------------------


def encrypt_for(
    emulator: EmulatorCore, appid: str, openid: str, payload: Mapping[str, Any]
) -> tuple[str, str]:
    """``(encryptedData, iv)`` as WeChat hands them to the client: ``payload`` plus a
    watermark (unless it brings its own), base64 of AES-128-CBC (PKCS#7) under the newest
    session_key."""
    data = dict(payload)
    data.setdefault("watermark", {"appid": appid, "timestamp": int(emulator.clock())})
    iv = secrets.token_bytes(16)
    key = base64.b64decode(emulator.current_key(appid, openid))
    padder = padding.PKCS7(128).padder()
    padded = padder.update(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    sealed = encryptor.update(padded + padder.finalize()) + encryptor.finalize()
    return base64.b64encode(sealed).decode("ascii"), base64.b64encode(iv).decode("ascii")


def sign(emulator: EmulatorCore, appid: str, openid: str, raw_data: str) -> str:
    """The ``signature`` WeChat gives next to ``rawData``: hex sha1(rawData + session_key)
    under the newest session_key (WeChat's scheme)."""
    key = emulator.current_key(appid, openid)
    return hashlib.sha1((raw_data + key).encode("utf-8")).hexdigest()  # noqa: S324


# -- over HTTP ----------------------------------------------------------------------------------


def routes(emulator: EmulatorCore) -> list[Route]:
    """WeChat's mini-program API paths."""
    error = emulator.errcode_errors(ERRMSGS)

    async def jscode2session(request: Request) -> Response:
        latency, forced = emulator.begin_call(request.url.path, error)
        if latency:
            await asyncio.sleep(latency)
        query = request.query_params
        result = forced or answer_code2session(
            emulator, query.get("appid"), query.get("secret"), query.get("js_code")
        )
        log.debug("%s status=%d errcode=%s", request.url.path, result.status, result.errcode)
        return Response(result.body, status_code=result.status, media_type=result.media_type)

    async def stable_token(request: Request) -> Response:
        data = await json_or_empty(request)
        force = data.get("force_refresh") is True
        return await answer(
            emulator,
            request,
            lambda: access_token(
                emulator, data.get("appid"), data.get("secret"), stable=True, force_refresh=force
            ),
            error,
        )

    async def token(request: Request) -> Response:
        q = request.query_params
        return await answer(
            emulator,
            request,
            lambda: access_token(emulator, q.get("appid"), q.get("secret"), stable=False),
            error,
        )

    async def phone(request: Request) -> Response:
        data = await json_or_empty(request)
        token = request.query_params.get("access_token")
        return await answer(
            emulator, request, lambda: phone_number(emulator, token, data.get("code")), error
        )

    async def checksession(request: Request) -> Response:
        q = request.query_params
        return await answer(
            emulator,
            request,
            lambda: check_session(
                emulator,
                q.get("access_token"),
                q.get("openid"),
                q.get("signature"),
                q.get("sig_method"),
            ),
            error,
        )

    return [
        Route("/sns/jscode2session", jscode2session, methods=["GET"]),
        Route("/cgi-bin/stable_token", stable_token, methods=["POST"]),
        Route("/cgi-bin/token", token, methods=["GET"]),
        Route("/wxa/business/getuserphonenumber", phone, methods=["POST"]),
        Route("/wxa/checksession", checksession, methods=["GET"]),
    ]


EMULATED = EmulatedPlatform(NAME, "", routes)
