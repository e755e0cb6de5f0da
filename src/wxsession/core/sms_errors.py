"""Errors of text messages that are not an outage (an outage is ``SenderUnavailable``, 503).

Part of the tree in :mod:`wxsession.core.errors` (its docstring lists every class).
"""

from __future__ import annotations

from wxsession.core.errors import ClientError, ServerError


class SmsMisconfigured(ServerError):
    """The SMS vendor refused the service's own settings: credentials, the SMS application,
    the sign name, a template, the account's balance. Nothing the client can change."""

    code = "SMS_MISCONFIGURED"
    status = 502
    default_message = "Text messages cannot be sent: the service's SMS settings were refused."


class PhoneUnreachable(ClientError):
    """The vendor will not send to this number (not a mobile number, blocked, a region it
    does not serve): another number, or another way in, is needed."""

    code = "PHONE_UNREACHABLE"
    status = 400
    default_message = "Text messages cannot be sent to this phone number."
