"""Every error wxsession raises, each with a stable machine code, an HTTP status and a message.

The codes are part of the public contract: the JavaScript SDK and client apps branch on them,
so a code never changes meaning once released. Foreign exceptions (httpx, redis, SQLAlchemy)
are translated at the boundary where they occur (``raise SessionStoreUnavailable() from exc``).

The ``Provider*``, ``WeChat*`` and app-choice (``UnknownApp``, ``AppIdRequired``) classes live
in :mod:`wxsession.core.platform_errors`; the rest here. The tree, with each status and code
(a test holds it equal to the classes)::

    WxSessionError
    ├── ClientError                         4xx: the request can be fixed by the client
    │   ├── InvalidRequest                  400 INVALID_REQUEST
    │   │   ├── SessionAmbiguous            400 INVALID_REQUEST (token sent twice, or differently)
    │   │   └── RoleInvalid                 400 ROLE_INVALID (role name or permission shape)
    │   ├── UnknownApp                      400 UNKNOWN_APP (no such appid on that platform)
    │   ├── AppIdRequired                   400 APPID_REQUIRED (several apps, none named)
    │   ├── LoginStateInvalid               400 LOGIN_STATE_INVALID (web login: forged, expired)
    │   ├── LoginStateUsed                  400 LOGIN_STATE_USED (web login: callback replayed)
    │   ├── ReturnToRefused                 400 RETURN_TO_REFUSED (web login: not a known origin)
    │   ├── WeChatReloginRequired           400 WECHAT_RELOGIN_REQUIRED (no usable session_key)
    │   ├── WeChatDataError                 400: data WeChat signed or encrypted is refused
    │   │   ├── WeChatSignatureInvalid      400 WECHAT_SIGNATURE_INVALID
    │   │   ├── WeChatDataMalformed         400 WECHAT_DATA_MALFORMED (base64, lengths)
    │   │   └── WeChatDataInvalid           400 WECHAT_DATA_INVALID (any refusal after decryption)
    │   ├── ValidationFailed                422 VALIDATION_ERROR
    │   ├── PayloadTooLarge                 413 PAYLOAD_TOO_LARGE
    │   ├── WeChatPhoneCodeInvalid          400 WECHAT_PHONE_CODE_INVALID
    │   ├── PhoneUnreachable                400 PHONE_UNREACHABLE (the SMS vendor will not)
    │   ├── PasswordRejected                400: a new password the policy refuses
    │   │   ├── PasswordTooShort            400 PASSWORD_TOO_SHORT
    │   │   ├── PasswordTooLong             400 PASSWORD_TOO_LONG
    │   │   └── PasswordTooCommon           400 PASSWORD_TOO_COMMON
    │   ├── CurrentPasswordIncorrect        400 CURRENT_PASSWORD_INCORRECT (password change)
    │   ├── PasswordNotSet                  400 PASSWORD_NOT_SET (password change, no password)
    │   ├── AddressInvalid                  400: a phone or mail address that cannot be one
    │   │   ├── PhoneInvalid                400 PHONE_INVALID
    │   │   └── EmailInvalid                400 EMAIL_INVALID
    │   ├── CodeInvalid                     400 CODE_INVALID (wrong, expired, used, no tries)
    │   ├── ChannelNotConfigured            400 CHANNEL_NOT_CONFIGURED (no sender for it)
    │   ├── AuthenticationError             401
    │   │   ├── SessionMissing              401 SESSION_MISSING
    │   │   ├── SessionInvalid              401 SESSION_INVALID
    │   │   │   ├── SessionReplaced         401 SESSION_REPLACED (a login elsewhere, cap of one)
    │   │   │   └── SessionRevoked          401 SESSION_REVOKED (logout-all, password, operator)
    │   │   ├── SessionExpired              401 SESSION_EXPIRED
    │   │   ├── MetricsUnauthorized         401 METRICS_UNAUTHORIZED (/metrics without its token)
    │   │   ├── InvalidCredentials          401 INVALID_CREDENTIALS (unknown user or wrong password)
    │   │   ├── ProviderCodeInvalid         401 PROVIDER_CODE_INVALID (others: bad or used code)
    │   │   │   └── WeChatCodeInvalid       401 WECHAT_CODE_INVALID
    │   │   ├── WeChatCodeUsed              401 WECHAT_CODE_USED
    │   │   ├── ReauthenticationRequired    401 REAUTHENTICATION_REQUIRED (no proof sent)
    │   │   │   └── ReauthenticationFailed  401 REAUTHENTICATION_FAILED (proof refused)
    │   │   └── ConsoleSignInRequired       401 CONSOLE_SIGN_IN_REQUIRED (console session)
    │   ├── PermissionDenied                403
    │   │   ├── RegistrationRequired        403 REGISTRATION_REQUIRED
    │   │   ├── CrossSiteRequest            403 CROSS_SITE_REQUEST (cookie session, other site)
    │   │   ├── AccountDisabled             403 ACCOUNT_DISABLED
    │   │   ├── RegistrationClosed          403 REGISTRATION_CLOSED (unknown user, closed mode)
    │   │   ├── WeChatUserBlocked           403 WECHAT_USER_BLOCKED
    │   │   ├── WeChatSnapshotUser          403 WECHAT_SNAPSHOT_USER (WeChat's virtual visitor)
    │   │   ├── OperatorForbidden           403 OPERATOR_FORBIDDEN (console: not the role's)
    │   │   ├── ConsoleFormRefused          403 CONSOLE_FORM_REFUSED (console: CSRF token)
    │   │   ├── CaptchaRequired             403 CAPTCHA_REQUIRED (codes: too many sends)
    │   │   │   └── CaptchaFailed           403 CAPTCHA_FAILED (wrong, expired or used)
    │   │   └── NotPermitted                403 PERMISSION_DENIED (no role grants it)
    │   ├── NotFound                        404 NOT_FOUND
    │   │   └── UnknownRole                 404 UNKNOWN_ROLE
    │   ├── AlreadyRegistered               409 ALREADY_REGISTERED
    │   ├── IdentityTaken                   409 IDENTITY_TAKEN
    │   ├── ProviderAlreadyBound            409 PROVIDER_ALREADY_BOUND (one per provider and app)
    │   ├── LastSignInMethod                409 LAST_SIGN_IN_METHOD (unbinding the last one)
    │   ├── AccountConflict                 409 ACCOUNT_CONFLICT (phone and WeChat: two users)
    │   ├── RoleConfigured                  409 ROLE_CONFIGURED (changed in WXSESSION_ROLES only)
    │   └── RateLimited                     429 RATE_LIMITED
    └── ServerError                         5xx: nothing the client can fix by changing the request
        ├── InternalError                   500 INTERNAL_ERROR
        ├── ProviderMisconfigured           502 PROVIDER_MISCONFIGURED (others' credentials)
        │   └── WeChatMisconfigured         502 WECHAT_MISCONFIGURED (appid/secret refused)
        ├── SmsMisconfigured                502 SMS_MISCONFIGURED (vendor refused our settings)
        ├── ProviderError                   502 PROVIDER_ERROR (others: unknown error, garbage)
        │   └── WeChatError                 502 WECHAT_ERROR (an errcode we do not know)
        │       └── WeChatAccessTokenRejected  502 WECHAT_ERROR (40001/42001 after one refresh)
        └── ServiceUnavailable              503
            ├── ProviderUnavailable         503 PROVIDER_UNAVAILABLE (others down or busy)
            │   └── WeChatUnavailable       503 WECHAT_UNAVAILABLE
            ├── SenderUnavailable           503 SENDER_UNAVAILABLE (SMS or mail not taken)
            ├── SessionStoreUnavailable     503 SESSION_STORE_UNAVAILABLE
            └── DatabaseUnavailable         503 DATABASE_UNAVAILABLE
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

SESSION_REALM = "wxsession"
"""The ``realm`` of the ``WWW-Authenticate`` challenge on answers refusing a session."""


def bearer_challenge(realm: str, code: str, error: str | None = None) -> str:
    """A ``WWW-Authenticate`` value (RFC 6750 section 3): the realm, the RFC's ``error``
    (left out when no credentials were sent, as section 3.1 asks) and our machine code as
    ``wx_error``, so a client that reads only the header still knows what to do."""
    described = f', error="{error}"' if error else ""
    return f'Bearer realm="{realm}"{described}, wx_error="{code}"'


class WxSessionError(Exception):
    """Root of every wxsession error. Subclasses fix ``code``, ``status`` and a default message."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "Internal error."
    wechat_errcode: int | None = None
    """The WeChat errcode behind this error, if any: for metrics and logs, never rendered."""
    platform_busy: bool = False
    """The platform answered that it is overloaded (a rate limit such as 45011, or "system
    busy", -1): logins through it back off for a while (:mod:`wxsession.platforms.backoff`)."""
    challenges: ClassVar[bool] = False
    """Whether the answer carries a ``Bearer`` challenge (:func:`bearer_challenge`) in the
    session's realm: errors about the session a request presents, wherever rendered."""
    bearer_error: ClassVar[str | None] = None
    """RFC 6750's ``error`` in that challenge (``None``: no token was sent)."""

    def __init__(
        self,
        message: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        details: Any = None,
    ) -> None:
        self.message = message or self.default_message
        self.headers: dict[str, str] = dict(headers or {})
        if self.challenges:
            self.headers.setdefault(
                "WWW-Authenticate", bearer_challenge(SESSION_REALM, self.code, self.bearer_error)
            )
        self.details = details
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        """The JSON body every error response carries: ``{"error": {"code", "message"}}``."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class ClientError(WxSessionError):
    status = 400


class InvalidRequest(ClientError):
    code = "INVALID_REQUEST"
    status = 400
    default_message = "The request is malformed."


class SessionAmbiguous(InvalidRequest):
    """The session token came twice: the same header twice, or different tokens in two
    carriers. Never settled by precedence (which one the client meant is unknowable); a 400,
    not a 401, since logging in again does not stop a client from sending two."""

    default_message = (
        "The session was sent more than once (the same header twice, or different tokens in "
        "two places). Send it once."
    )
    challenges = True
    bearer_error = "invalid_request"


class LoginStateInvalid(ClientError):
    """A web login's callback whose ``state`` does not match the browser that started the
    flow: no state cookie, another state, an altered or expired one (a forged callback)."""

    code = "LOGIN_STATE_INVALID"
    status = 400
    default_message = (
        "This sign-in link does not belong to this browser or has expired. Start signing in again."
    )


class LoginStateUsed(ClientError):
    """A web login's callback whose ``state`` was already used (a replay)."""

    code = "LOGIN_STATE_USED"
    status = 400
    default_message = "This sign-in link was already used. Start signing in again."


class ReturnToRefused(ClientError):
    """A web login's ``return_to`` that is neither a path on this service nor on an origin
    of ``WXSESSION_RETURN_TO_ORIGINS`` (no open redirect)."""

    code = "RETURN_TO_REFUSED"
    status = 400
    default_message = (
        "return_to must be a path on this service or a URL on an origin it is configured for."
    )


class ValidationFailed(ClientError):
    code = "VALIDATION_ERROR"
    status = 422
    default_message = "The request body or parameters are invalid."


class PayloadTooLarge(ClientError):
    code = "PAYLOAD_TOO_LARGE"
    status = 413
    default_message = "The request body is too large."


class AuthenticationError(ClientError):
    status = 401


class SessionMissing(AuthenticationError):
    code = "SESSION_MISSING"
    default_message = "No session was sent with the request. Log in first."
    challenges = True


class SessionInvalid(AuthenticationError):
    code = "SESSION_INVALID"
    default_message = "The session is not valid. Log in again."
    challenges = True
    bearer_error = "invalid_token"


class SessionExpired(AuthenticationError):
    code = "SESSION_EXPIRED"
    default_message = "The session has expired. Log in again."
    challenges = True
    bearer_error = "invalid_token"


class InvalidCredentials(AuthenticationError):
    """Unknown user and wrong password alike: the same code and message, so a response never
    tells whether an account exists."""

    code = "INVALID_CREDENTIALS"
    default_message = "The username, phone or password is not correct."


class MetricsUnauthorized(AuthenticationError):
    """``/metrics`` asked without the scrape token that ``WXSESSION_METRICS_TOKEN`` sets."""

    code = "METRICS_UNAUTHORIZED"
    default_message = "Send the metrics token as Authorization: Bearer <token>."


class ReauthenticationRequired(AuthenticationError):
    """A sensitive change (binding, unbinding, setting a password) sent without proof of
    the account in the body: the session alone is not enough (ASVS 4.0.3 3.7.1). The session
    is fine; clients ask for a ``reauth`` proof and send the request again."""

    code = "REAUTHENTICATION_REQUIRED"
    default_message = (
        "This change needs fresh proof of the account: send reauth with the current "
        "password or a fresh login code of a sign-in already bound to it."
    )


class ReauthenticationFailed(ReauthenticationRequired):
    """The ``reauth`` proof was refused. A wrong password, a code of someone else's sign-in
    and a code of no one's answer alike, so the answer never tells which."""

    code = "REAUTHENTICATION_FAILED"
    default_message = (
        "The re-authentication proof was not accepted: a wrong password, or a login code "
        "that is not of a sign-in of this account. Nothing was changed."
    )


class PermissionDenied(ClientError):
    status = 403


class CrossSiteRequest(PermissionDenied):
    """A state-changing request carrying the session in a cookie came from another site
    (``Origin`` / ``Sec-Fetch-Site``): a forged request (CSRF), see :mod:`wxsession.csrf`."""

    code = "CROSS_SITE_REQUEST"
    default_message = (
        "A request from another site cannot use the session cookie to change anything."
    )


class NotFound(ClientError):
    code = "NOT_FOUND"
    status = 404
    default_message = "Not found."


class RateLimited(ClientError):
    code = "RATE_LIMITED"
    status = 429
    default_message = "Too many requests. Try again later."

    def __init__(self, message: str | None = None, *, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        super().__init__(message, headers=headers)


class ServerError(WxSessionError):
    status = 500


class InternalError(ServerError):
    code = "INTERNAL_ERROR"
    default_message = "Internal error."


class ServiceUnavailable(ServerError):
    status = 503
    default_message = "A dependency is unavailable. Try again shortly."

    def __init__(self, message: str | None = None, *, retry_after: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class SessionStoreUnavailable(ServiceUnavailable):
    code = "SESSION_STORE_UNAVAILABLE"
    default_message = "The session store is unavailable. Try again shortly."


class DatabaseUnavailable(ServiceUnavailable):
    code = "DATABASE_UNAVAILABLE"
    default_message = "The user database is unavailable. Try again shortly."


class ConfigurationError(Exception):
    """Raised when settings are invalid; the message names each offending variable. Not a
    :class:`WxSessionError`: it stops start-up and never becomes an HTTP answer."""
