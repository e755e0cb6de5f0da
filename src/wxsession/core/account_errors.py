"""Errors about accounts: passwords the policy refuses, registration, and who owns which sign-in.

Part of the tree in :mod:`wxsession.core.errors` (its docstring lists every class); kept
apart so that module stays the shell and each family of errors has one home.
"""

from __future__ import annotations

from wxsession.core.errors import (
    ClientError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
)


class PasswordRejected(ClientError):
    """A new password (registration or change) that the policy refuses; nothing was stored."""

    status = 400


class PasswordTooShort(PasswordRejected):
    code = "PASSWORD_TOO_SHORT"
    default_message = "The password is too short."


class PasswordTooLong(PasswordRejected):
    code = "PASSWORD_TOO_LONG"
    default_message = "The password is too long."


class PasswordTooCommon(PasswordRejected):
    code = "PASSWORD_TOO_COMMON"
    default_message = "This password is one of the most common ones. Choose another."


class CurrentPasswordIncorrect(ClientError):
    """Not a 401: the session is fine, and clients log in again on 401."""

    code = "CURRENT_PASSWORD_INCORRECT"
    status = 400
    default_message = "The current password is not correct. The password was not changed."


class PasswordNotSet(ClientError):
    code = "PASSWORD_NOT_SET"
    status = 400
    default_message = "This account has no password to change."


class RegistrationRequired(PermissionDenied):
    code = "REGISTRATION_REQUIRED"
    default_message = "Complete registration (POST /v1/auth/register) before using this route."


class AccountDisabled(PermissionDenied):
    code = "ACCOUNT_DISABLED"
    default_message = "This account is disabled."


class AlreadyRegistered(ClientError):
    code = "ALREADY_REGISTERED"
    status = 409
    default_message = "This session's user is already registered."


class IdentityTaken(ClientError):
    code = "IDENTITY_TAKEN"
    status = 409
    default_message = "This username or phone number is already taken."


class ProviderAlreadyBound(ClientError):
    code = "PROVIDER_ALREADY_BOUND"
    status = 409
    default_message = (
        "This account already has a sign-in of this provider and app. Unbind it first."
    )


class LastSignInMethod(ClientError):
    code = "LAST_SIGN_IN_METHOD"
    status = 409
    default_message = (
        "This is the account's last way to sign in. Bind another one before removing it."
    )


class RegistrationClosed(PermissionDenied):
    code = "REGISTRATION_CLOSED"
    default_message = "Registration is closed: only existing accounts can sign in."


class AccountConflict(ClientError):
    """Two proofs of one request belong to two different users (WeChat phone login)."""

    code = "ACCOUNT_CONFLICT"
    status = 409
    default_message = (
        "This phone number and this WeChat identity belong to two different accounts. "
        "Nothing was merged."
    )


class AddressInvalid(ClientError):
    """A phone number or mail address that cannot be one (:mod:`wxsession.core.address`)."""

    status = 400


class PhoneInvalid(AddressInvalid):
    code = "PHONE_INVALID"
    default_message = "This is not a valid phone number (E.164, or a mainland China number)."


class EmailInvalid(AddressInvalid):
    code = "EMAIL_INVALID"
    default_message = "This is not a valid mail address."


class CodeInvalid(ClientError):
    """A verification code refused: wrong, expired, already used, or its address spent its
    tries. One code and message for all four, so an answer never tells which (no oracle: a
    guesser cannot tell a dead code from a live one)."""

    code = "CODE_INVALID"
    status = 400
    default_message = "The verification code is wrong, expired or already used. Ask for a new one."


class ChannelNotConfigured(ClientError):
    """Codes to this kind of address (phone or mail) are not set up on this service."""

    code = "CHANNEL_NOT_CONFIGURED"
    status = 400
    default_message = "This service cannot send codes to this kind of address."


class CaptchaRequired(PermissionDenied):
    """Too many codes sent to this address or from this network (or too many refused): the
    next send needs a solved CAPTCHA (``GET /v1/auth/captcha``)."""

    code = "CAPTCHA_REQUIRED"
    default_message = (
        "Solve a CAPTCHA first: GET /v1/auth/captcha, then send its id and answer as captcha."
    )


class CaptchaFailed(CaptchaRequired):
    """A CAPTCHA answer that is wrong, expired or used (each challenge is checked once)."""

    code = "CAPTCHA_FAILED"
    default_message = "The CAPTCHA answer is not correct, or it expired. Get a new one."


class SenderUnavailable(ServiceUnavailable):
    """The SMS vendor or mail server did not take the message (down, timed out, refused):
    no code was stored, an earlier one still works, and the send may be tried again."""

    code = "SENDER_UNAVAILABLE"
    default_message = "The message could not be sent. Try again shortly."


class NotPermitted(PermissionDenied):
    """The user is signed in, but none of their roles grants what the route requires
    (``require_permission``, ``require_role`` of the framework adapters)."""

    code = "PERMISSION_DENIED"
    default_message = "You do not have permission to do this."


class UnknownRole(NotFound):
    code = "UNKNOWN_ROLE"
    default_message = "No role of this name is defined."


class RoleInvalid(InvalidRequest):
    """A role name or permission string outside the allowed shape (see docs/configuration.md,
    ``WXSESSION_ROLES``)."""

    code = "ROLE_INVALID"
    default_message = "A role name or permission has the wrong shape."


class RoleConfigured(ClientError):
    """Roles defined in configuration are changed there (``WXSESSION_ROLES``), never through
    the database."""

    code = "ROLE_CONFIGURED"
    status = 409
    default_message = "This role is defined in configuration (WXSESSION_ROLES); change it there."
