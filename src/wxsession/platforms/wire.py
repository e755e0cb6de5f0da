"""What every platform's wire code shares: the request shape, the session a code buys, JSON
body reading, one error-code table per platform that maps codes (numbers, or words for
platforms that answer in OAuth 2.0's style) to wxsession errors, and the generic errors
worded for a platform."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeGuard, TypeVar

from wxsession.core.errors import WxSessionError
from wxsession.core.platform_errors import (
    ProviderCodeInvalid,
    ProviderError,
    ProviderMisconfigured,
    ProviderUnavailable,
)

log = logging.getLogger("wxsession.providers")

_ERRMSG_LOG_LIMIT = 200

MakeError = Callable[[], WxSessionError]


@dataclass(frozen=True, slots=True)
class PlatformRequest:
    """One HTTP call: method, path under the platform's API base, query, and a body: JSON
    (``body``), an HTML form (``form``, ``application/x-www-form-urlencoded``) or bytes sent
    as they are (``content``, for a signature that covers the exact body), at most one; and
    ``headers`` of its own (a signature, the content type of ``content``)."""

    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict, repr=False)  # may hold the secret
    body: Mapping[str, Any] | None = field(default=None, repr=False)  # may hold the secret
    form: Mapping[str, str] | None = field(default=None, repr=False)  # may hold the secret
    content: bytes | None = field(default=None, repr=False)  # may hold a code
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)  # may hold a signature

    def __post_init__(self) -> None:
        if sum(part is not None for part in (self.body, self.form, self.content)) > 1:
            raise ValueError("a request has a JSON body, a form or raw content, not several")


@dataclass(frozen=True, slots=True)
class PlatformSession:
    """What a mini-program code buys: the user's id in the app, the per-login key, and the
    unionid when the platform gives one. ``repr`` hides all of it."""

    openid: str = field(repr=False)
    session_key: str | None = field(default=None, repr=False)
    unionid: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class PlatformErrors:
    """The generic ``Provider*`` errors worded for one platform; the bound methods are the
    :data:`MakeError` s its error table, parser and HTTP shell raise."""

    platform: str
    """As users know it, for messages."""
    login_call: str
    """The client call that yields a code, for messages: ``tt.login()``."""

    def code_invalid(self) -> ProviderCodeInvalid:
        return ProviderCodeInvalid(
            f"The {self.platform} login code is invalid, expired or used. "
            f"Call {self.login_call} again."
        )

    def unavailable(self) -> ProviderUnavailable:
        return ProviderUnavailable(f"{self.platform} is unavailable or busy. Try again shortly.")

    def malformed(self) -> ProviderError:
        return ProviderError(f"{self.platform} answered with an unexpected error.")

    def misconfigured(self) -> ProviderMisconfigured:
        return ProviderMisconfigured(
            f"{self.platform} refused the server's credentials. The operator must fix them."
        )


Mapped = tuple[MakeError, int | None]
"""An error code's error, and the level it is logged at (``None``: not logged, the caller
handles it, e.g. a stale access token it refreshes)."""

Code = TypeVar("Code", int, str)
"""A platform's error codes: numbers (``errcode``), or words (OAuth 2.0's ``error``)."""


@dataclass(frozen=True, slots=True)
class ErrorTable(Generic[Code]):
    """One platform's error codes and the wxsession error each becomes: the one place any
    platform's error code is mapped.

    The platform's message text is for operators: it is logged (shortened, repr-quoted),
    never put in the error a client sees. Codes only the operator can fix log at ERROR with a
    hint naming the settings to check.
    """

    platform: str
    settings_hint: str
    codes: Mapping[Code, Mapped]
    unknown: MakeError
    wechat: bool = False
    """Whether these are WeChat errcodes (then recorded on the error for metrics)."""
    busy: frozenset[Code] = frozenset()
    """The codes that say the platform is overloaded (its errors get ``platform_busy``)."""
    logger: str = log.name
    log_line: str = "%s error code %s message %s -> %s%s"
    """Its arguments: platform, code, quoted message, our error code, settings hint."""

    def with_codes(self, codes: Mapping[Code, Mapped]) -> ErrorTable[Code]:
        """This table with ``codes`` added or replaced (one call's own meanings)."""
        return replace(self, codes={**self.codes, **codes})

    def error_for(self, errcode: Code, errmsg: str) -> WxSessionError:
        make_error, level = self.codes.get(errcode, (self.unknown, logging.WARNING))
        error = make_error()
        if self.wechat and isinstance(errcode, int):
            error.wechat_errcode = errcode
        error.platform_busy = errcode in self.busy
        if level is not None:
            hint = f"; check {self.settings_hint}" if level >= logging.ERROR else ""
            logging.getLogger(self.logger).log(
                level,
                self.log_line,
                self.platform,
                errcode if isinstance(errcode, int) else repr(errcode[:_ERRMSG_LOG_LIMIT]),
                repr(errmsg[:_ERRMSG_LOG_LIMIT]),
                error.code,
                hint,
            )
        return error


def json_object(body: bytes, malformed: MakeError) -> dict[str, Any]:
    """The body as a JSON object, whatever its content type says, or ``malformed()``."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise malformed() from None
    if not isinstance(data, dict):
        raise malformed()
    return data


def errcode_answer(
    status: int, body: bytes, errors: ErrorTable[int], unavailable: MakeError, malformed: MakeError
) -> dict[str, Any]:
    """The JSON object of an answer in WeChat's style (``errcode`` 0 or absent on success,
    else ``errmsg`` says why), or the error: ``unavailable()`` for a non-2xx status (an
    outage, not a verdict), ``malformed()`` for a body not in that style, the table's error
    for an ``errcode``."""
    if not 200 <= status < 300:
        raise unavailable()
    data = json_object(body, malformed)
    errcode = int_field(data, "errcode", malformed)
    if errcode != 0:
        raise errors.error_for(errcode, text(data.get("errmsg")))
    return data


def session_of(data: Mapping[str, Any], malformed: MakeError) -> PlatformSession:
    """The session in a code exchange's answer: ``openid`` and ``session_key`` (non-empty
    strings) and an optional ``unionid``; anything else is ``malformed()``."""
    openid, session_key = data.get("openid"), data.get("session_key")
    if not non_empty_str(openid) or not non_empty_str(session_key):
        raise malformed()
    return PlatformSession(openid, session_key, optional_str(data.get("unionid"), malformed))


def int_field(data: Mapping[str, Any], name: str, malformed: MakeError) -> int:
    """An integer field that defaults to 0 when absent (an error code); a bool or other type
    is ``malformed()``."""
    value = data.get(name, 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise malformed()
    return value


def text(value: object) -> str:
    """A platform's message field as text (for the log), whatever was sent."""
    return value if isinstance(value, str) else ""


def non_empty_str(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value)


def optional_str(value: object, malformed: MakeError) -> str | None:
    """An optional id: absent, ``null`` or ``""`` is ``None``; a non-string is ``malformed()``."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise malformed()
    return value


@dataclass(frozen=True, slots=True)
class CodePlatform:
    """A mini-program platform whose login is "one code in, one session out": everything
    the generic provider (:class:`~wxsession.platforms.code_provider.CodeProvider`) needs to
    know."""

    name: str
    """The provider name, in URLs and on identities (its spec's)."""
    errors: PlatformErrors
    """Its errors, the shell's among them (``unavailable``: cannot be reached or answers too
    slowly; ``malformed``: an answer not in its format), and its login call."""
    max_code_length: int
    request: Callable[[str, str, str], PlatformRequest]
    """``(appid, secret, code)`` → the exchange request."""
    parse: Callable[[int, bytes], PlatformSession]
    """``(HTTP status, body)`` → the session, or raises the mapped error."""
