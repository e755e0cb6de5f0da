"""The errors of the login platforms (WeChat, and the other platforms as ``Provider*``): their
refusals of a code, of the server's credentials or of signed data, and their outages; and a
login naming no app, or an app not configured, of a platform with several.

A family of :mod:`wxsession.core.errors`, apart so each module stays readable; the tree in
that module's docstring lists these classes too."""

from __future__ import annotations

from wxsession.core.errors import (
    AuthenticationError,
    ClientError,
    PermissionDenied,
    ServerError,
    ServiceUnavailable,
)


class UnknownApp(ClientError):
    """A login names an appid the service has no app of on that platform (no call made)."""

    code = "UNKNOWN_APP"
    status = 400
    default_message = "The service has no app with this appid on this login platform."


class AppIdRequired(ClientError):
    """Several apps of the platform, none named: there is no default app (no call made)."""

    code = "APPID_REQUIRED"
    status = 400
    default_message = "The service has several apps of this platform: send 'appid' with the code."


class WeChatReloginRequired(ClientError):
    code = "WECHAT_RELOGIN_REQUIRED"
    status = 400
    default_message = (
        "The server holds no usable session_key for this user. "
        "Call wx.login(), log in again, then retry."
    )


class WeChatDataError(ClientError):
    """Signed or encrypted data from the client that we refuse. Every way such data can be
    wrong is one of these (400), never a 500: it is client input, however garbled."""

    status = 400


class WeChatSignatureInvalid(WeChatDataError):
    code = "WECHAT_SIGNATURE_INVALID"
    default_message = (
        "signature does not match rawData and the session_key of your newest login. "
        "If you called wx.login() since, log in again and retry."
    )


class WeChatDataMalformed(WeChatDataError):
    code = "WECHAT_DATA_MALFORMED"
    default_message = "encryptedData or iv is not valid base64 of the expected length."


class WeChatDataInvalid(WeChatDataError):
    """Whatever is wrong once encryptedData has the right shape: padding, UTF-8, JSON, the
    watermark, the age, the user. One code and one message for all of them, so a client
    cannot tell which check failed: telling bad padding from bad content is the padding
    oracle that lets a forger make the server decrypt data of their choosing."""

    code = "WECHAT_DATA_INVALID"
    default_message = (
        "encryptedData is not data WeChat made recently for this user and mini program, "
        "under the session_key of your newest login. If wx.login() ran since, log in again; "
        "then get the data from WeChat again and retry."
    )


class WeChatPhoneCodeInvalid(ClientError):
    code = "WECHAT_PHONE_CODE_INVALID"
    status = 400
    default_message = (
        "The phone number code is invalid, expired or used. Ask the user to tap the "
        "getPhoneNumber button again."
    )


class ProviderCodeInvalid(AuthenticationError):
    """A login platform refused the code (not WeChat: it has its own codes below). Those
    platforms do not tell a used code from a wrong one, so one code covers both."""

    code = "PROVIDER_CODE_INVALID"
    default_message = "The login code is invalid, expired or used. Log in on the client again."


class WeChatCodeInvalid(ProviderCodeInvalid):
    code = "WECHAT_CODE_INVALID"
    default_message = "The login code is invalid or expired. Call wx.login() again."


class WeChatCodeUsed(AuthenticationError):
    code = "WECHAT_CODE_USED"
    default_message = "The login code was already used. Call wx.login() again."


class WeChatUserBlocked(PermissionDenied):
    code = "WECHAT_USER_BLOCKED"
    default_message = "WeChat refused this login for the user's safety."


class WeChatSnapshotUser(PermissionDenied):
    """WeChat's grant is a snapshot page's virtual account (``is_snapshotuser``): the
    visitor has not really allowed the login, and its ids are not theirs."""

    code = "WECHAT_SNAPSHOT_USER"
    default_message = (
        "WeChat shows this page as a snapshot: tap 'use the full service' to allow the login,"
        " then try again."
    )


class ProviderMisconfigured(ServerError):
    code = "PROVIDER_MISCONFIGURED"
    status = 502
    default_message = (
        "The login platform refused the server's credentials. The operator must fix them."
    )


class WeChatMisconfigured(ProviderMisconfigured):
    code = "WECHAT_MISCONFIGURED"
    status = 502
    default_message = "The server's WeChat credentials were refused. The operator must fix them."


class ProviderError(ServerError):
    code = "PROVIDER_ERROR"
    status = 502
    default_message = "The login platform answered with an unexpected error."


class WeChatError(ProviderError):
    code = "WECHAT_ERROR"
    status = 502
    default_message = "WeChat answered with an unexpected error."


class WeChatAccessTokenRejected(WeChatError):
    """WeChat refused our access token (40001, 42001). Internally the signal to refresh the
    token once and retry; seen by a client only if the fresh token is refused too."""


class ProviderUnavailable(ServiceUnavailable):
    code = "PROVIDER_UNAVAILABLE"
    default_message = "The login platform is unavailable or busy. Try again shortly."


class WeChatUnavailable(ProviderUnavailable):
    code = "WECHAT_UNAVAILABLE"
    default_message = "WeChat is unavailable or busy. Try again shortly."
