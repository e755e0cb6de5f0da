"""Verification codes over HTTP: ``POST /v1/auth/codes`` and ``GET /v1/auth/captcha``.

A send answers 202 with the same body whether or not anyone uses the address (no
enumeration); its refusals are 400 (``PHONE_INVALID``, ``EMAIL_INVALID``,
``CHANNEL_NOT_CONFIGURED``, ``PHONE_UNREACHABLE``: the SMS vendor will not send to it), 403
(``CAPTCHA_REQUIRED``, ``CAPTCHA_FAILED``), 429 (``RATE_LIMITED`` with ``Retry-After``), 502
(``SMS_MISCONFIGURED``: the vendor refused our settings) and 503 (``SENDER_UNAVAILABLE``:
nothing stored).
Codes are spent by the routes that take them (phone and mail logins, binding, reset).
"""

from __future__ import annotations

import base64
from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field, model_validator

from wxsession.core.address import Address, parse_email, parse_phone
from wxsession.messaging import Locale
from wxsession.server.dependencies import RuntimeDep, device_of
from wxsession.server.schemas import UTF8, Strict, error_responses
from wxsession.services.captcha import CaptchaAnswer
from wxsession.services.codes import Purpose

router = APIRouter(prefix="/v1", tags=["codes"])


class CaptchaIn(Strict):
    id: Annotated[str, Field(min_length=1, max_length=64), UTF8]
    answer: Annotated[str, Field(min_length=1, max_length=32), UTF8]


class CodeRequestIn(Strict):
    phone: Annotated[str, Field(max_length=32), UTF8] | None = Field(
        default=None, description="E.164 (+8613800138000), or a mainland China number."
    )
    email: Annotated[str, Field(max_length=254), UTF8] | None = None
    purpose: Purpose
    captcha: CaptchaIn | None = Field(
        default=None, description="A solved challenge, once a send answered CAPTCHA_REQUIRED."
    )
    locale: Locale | None = Field(
        default=None, description="The message's language; unset: from Accept-Language."
    )

    @model_validator(mode="after")
    def _one_address(self) -> CodeRequestIn:
        if (self.phone is None) == (self.email is None):
            raise ValueError("send exactly one of phone and email")
        return self

    def address(self) -> Address:
        """The address, normalized (400 ``PHONE_INVALID`` / ``EMAIL_INVALID``)."""
        return parse_phone(self.phone) if self.phone is not None else parse_email(self.email or "")


class CodeSentOut(BaseModel):
    status: Literal["accepted"] = "accepted"
    expires_in: int = Field(description="Seconds the code is valid once it arrives.")


class CaptchaOut(BaseModel):
    id: str
    image: str = Field(description="The challenge as a data: URL (image/png, base64).")
    expires_in: int


def locale_of(request: Request, chosen: Locale | None) -> Locale:
    """The body's choice, else Chinese when Accept-Language puts a zh tag first."""
    if chosen is not None:
        return chosen
    first = request.headers.get("accept-language", "").split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"


@router.post(
    "/auth/codes",
    response_model=CodeSentOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a verification code by SMS or mail",
    responses=error_responses(400, 403, 413, 422, 429, 502, 503),
)
async def send_code(body: CodeRequestIn, request: Request, runtime: RuntimeDep) -> CodeSentOut:
    codes = runtime.services.codes
    captcha = CaptchaAnswer(body.captcha.id, body.captcha.answer) if body.captcha else None
    await codes.send(
        body.address(),
        body.purpose,
        client_ip=device_of(request).ip,
        captcha=captcha,
        locale=locale_of(request, body.locale),
    )
    return CodeSentOut(expires_in=codes.ttl)


@router.get(
    "/auth/captcha",
    response_model=CaptchaOut,
    summary="A CAPTCHA challenge, for a send that answered CAPTCHA_REQUIRED",
    responses=error_responses(429, 503),
)
async def captcha_challenge(
    request: Request, response: Response, runtime: RuntimeDep
) -> CaptchaOut:
    codes = runtime.services.codes
    challenge = await codes.challenge(client_ip=device_of(request).ip)
    response.headers["Cache-Control"] = "no-store"
    image = base64.b64encode(challenge.image).decode("ascii")
    return CaptchaOut(
        id=challenge.id,
        image=f"data:{challenge.media_type};base64,{image}",
        expires_in=challenge.expires_in,
    )
