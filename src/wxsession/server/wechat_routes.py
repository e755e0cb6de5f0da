"""Open data the mini program got from WeChat: check a signature, decrypt encryptedData.

Only the server holds the user's session_key, so only it can prove that ``rawData`` came from
WeChat or read ``encryptedData``. Both routes use the newest key on record for the caller's
identity (written by every login), never the one in the presented session, which may be
older. Field names are WeChat's own (``rawData``, ``encryptedData``), so a client forwards
what ``wx.getXxx`` returned as is.

Both answer every refusal of well-shaped data with one code (``WECHAT_SIGNATURE_INVALID``,
``WECHAT_DATA_INVALID``), and count it against the caller's quota of failed checks
(:mod:`wxsession.throttle.open_data`): the decrypt route must not be a padding oracle.

``POST /v1/me/phone`` and ``GET /v1/wechat/session-key`` call WeChat with the shared access
token (:mod:`wxsession.platforms.wechat.access_token`) of the session's own mini program
(a deployment may have several). See docs/wechat-data.md.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import Field

from wxsession.core.address import Address, parse_phone
from wxsession.core.identity import Identity
from wxsession.core.platform_errors import AppIdRequired, UnknownApp, WeChatReloginRequired
from wxsession.core.session import RegisteredSession
from wxsession.platforms.wechat import SPEC, crypto
from wxsession.platforms.wechat.mini_program import MiniProgram
from wxsession.runtime import Runtime
from wxsession.server.dependencies import RuntimeDep, SessionDep, TokenDep, device_of
from wxsession.server.routes import login_out
from wxsession.server.schemas import LoginOut, Strict, Text, WeChatLoginIn, error_responses

router = APIRouter(prefix="/v1", tags=["wechat"])

_ERRORS = error_responses(400, 401, 403, 422, 429, 503)
_WECHAT_ERRORS = error_responses(400, 401, 403, 422, 502, 503)
_MAX_FIELD = 48 * 1024  # base64 of crypto.MAX_CIPHERTEXT_BYTES, with room to spare


class VerifyIn(Strict):
    rawData: Text = Field(min_length=1, max_length=_MAX_FIELD, description="As WeChat gave it.")
    signature: Text = Field(min_length=1, max_length=64, description="sha1 hex from WeChat.")


class VerifyOut(Strict):
    valid: bool = Field(description="Always true: a signature that does not match is a 400.")


class PhoneIn(Strict):
    code: Text = Field(
        min_length=1, max_length=128, description="The code from the getPhoneNumber button."
    )


class PhoneLoginIn(WeChatLoginIn):
    phone_code: Text = Field(
        min_length=1, max_length=128, description="The code from the getPhoneNumber button."
    )


class PhoneOut(Strict):
    phone_number: str = Field(description='With the country code, e.g. "+86 13800138000".')
    pure_phone_number: str
    country_code: str = Field(description="Always text, though WeChat sometimes sends a number.")


class SessionKeyOut(Strict):
    valid: bool = Field(description="False: call wx.login() and log in again.")


class DecryptIn(Strict):
    encryptedData: Text = Field(min_length=1, max_length=_MAX_FIELD)
    iv: Text = Field(min_length=1, max_length=64)


async def _newest_login(runtime: Runtime, active: RegisteredSession) -> tuple[Identity, str]:
    """The identity the session came in through, from its SQL row (a registered session
    keeps neither openid nor key), and the newest session_key any login of it received."""
    record = active.record
    identity = await runtime.accounts.identity_of(active.user_id, record.provider, record.app_id)
    if identity is None or identity.session_key is None:
        raise WeChatReloginRequired()
    return identity, identity.session_key


@router.post(
    "/wechat/verify",
    response_model=VerifyOut,
    summary="Check that rawData is signed with the user's session_key (sha1)",
    description=(
        "Failed checks count per user: after `WXSESSION_WECHAT_DATA_FAILURES` in "
        "`WXSESSION_WECHAT_DATA_FAILURE_WINDOW` seconds (verify and decrypt together), 429 "
        "`RATE_LIMITED` with `Retry-After`."
    ),
    responses=_ERRORS,
)
async def verify(body: VerifyIn, runtime: RuntimeDep, active: SessionDep) -> VerifyOut:
    _, key = await _newest_login(runtime, active)
    async with runtime.open_data_throttle.attempt(active.user_id):
        crypto.verify_signature(body.rawData, body.signature, key)
    return VerifyOut(valid=True)


@router.post(
    "/wechat/decrypt",
    response_model=dict[str, Any],
    summary="Decrypt encryptedData with the user's session_key and check it came from WeChat",
    description=(
        "Returns the decrypted JSON object as WeChat encrypted it (it is the caller's own "
        "data), after checking that it is one JSON object without repeated keys, that "
        "`watermark.appid` is this mini program's, that `watermark.timestamp` is within "
        "`WXSESSION_WECHAT_DATA_MAX_AGE` seconds of now, and that an `openId` or `unionId` "
        "in it is the caller's. Data of the wrong shape is 400 `WECHAT_DATA_MALFORMED`; "
        "every other refusal is one 400 `WECHAT_DATA_INVALID`, whatever check failed. "
        "Failed calls count per user like those of `/v1/wechat/verify` (then 429)."
    ),
    responses=_ERRORS,
)
async def decrypt(body: DecryptIn, runtime: RuntimeDep, active: SessionDep) -> dict[str, Any]:
    identity, key = await _newest_login(runtime, active)
    async with runtime.open_data_throttle.attempt(active.user_id):
        return crypto.decrypt(
            body.encryptedData,
            body.iv,
            key,
            appid=active.record.app_id,
            openid=identity.subject,
            union_id=identity.union_id,
            max_age=runtime.settings.wechat_data_max_age,
            now=runtime.sessions.clock(),
        )


def _mini_program(runtime: Runtime, active: RegisteredSession) -> MiniProgram:
    """The mini program the session came in through (its access token, its users' keys).
    A session that came in another way (a password, another platform) uses the only one;
    with several there is no telling which: 400 ``APPID_REQUIRED``. An app no longer
    configured is 400 ``UNKNOWN_APP``."""
    programs = runtime.mini_programs
    record = active.record
    if record.provider == SPEC.name:
        program = programs.get(record.app_id)
        if program is None:
            raise UnknownApp("This session's mini program is no longer configured here.")
        return program
    if len(programs) != 1:
        raise AppIdRequired(
            "The service has several mini programs: call this with a session that logged "
            "in through the one the data is from."
        )
    return next(iter(programs.values()))


@router.post(
    "/me/phone",
    response_model=PhoneOut,
    tags=["me"],
    summary="Exchange a getPhoneNumber code for the user's verified phone number, and store it",
    responses=_WECHAT_ERRORS,
)
async def phone(body: PhoneIn, runtime: RuntimeDep, active: SessionDep) -> PhoneOut:
    program = _mini_program(runtime, active)
    client = program.client
    found = await program.tokens.call(lambda token: client.get_phone_number(token, body.code))
    await runtime.services.profile.update(active.user_id, {"phone_number": found.phone_number})
    return PhoneOut(
        phone_number=found.phone_number,
        pure_phone_number=found.pure_phone_number,
        country_code=found.country_code,
    )


@router.get(
    "/wechat/session-key",
    response_model=SessionKeyOut,
    summary="Whether WeChat still accepts the user's newest session_key (wxa/checksession)",
    responses=_WECHAT_ERRORS,
)
async def session_key_health(runtime: RuntimeDep, active: SessionDep) -> SessionKeyOut:
    program = _mini_program(runtime, active)
    client = program.client
    try:
        identity, key = await _newest_login(runtime, active)
    except WeChatReloginRequired:
        return SessionKeyOut(valid=False)
    openid = identity.subject
    valid = await program.tokens.call(lambda token: client.check_session(token, openid, key))
    return SessionKeyOut(valid=valid)


@router.post(
    "/auth/wechat/phone-login",
    response_model=LoginOut,
    tags=["auth"],
    summary="WeChat's one-tap phone login: a wx.login() code and a getPhoneNumber code",
    description=(
        "Signs in the user who owns the phone number (binding the WeChat identity to them), "
        "or the WeChat identity's user (binding the phone), or registers a user with both "
        "by `WXSESSION_REGISTRATION` (`closed`: an allow-listed phone only). The phone and "
        "the WeChat identity on two different users: 409 `ACCOUNT_CONFLICT`, nothing merged."
    ),
    responses=error_responses(400, 401, 403, 409, 422, 429, 502, 503),
)
async def wechat_phone_login(
    body: PhoneLoginIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    presented: TokenDep,
) -> LoginOut:
    async def phone_of(appid: str, phone_code: str) -> Address:
        program = runtime.mini_programs.get(appid)
        if program is None:  # a platform app without a mini program of ours
            raise UnknownApp("This app has no getPhoneNumber here.")
        client = program.client
        found = await program.tokens.call(lambda token: client.get_phone_number(token, phone_code))
        return parse_phone(found.phone_number)

    proof = {"code": body.code, "appid": body.appid, "phone_code": body.phone_code}
    result = await runtime.services.address_logins.wechat_phone_login(
        proof, phone_of, device=device_of(request), presented_token=presented
    )
    return login_out(result, response, runtime.sessions, runtime.carriers)
