"""Errors of the operator console (issue 24): signing in, roles, forms.

Part of the tree in :mod:`wxsession.core.errors` (its docstring lists every class). The
console renders them as pages; their codes are the same as everywhere.
"""

from __future__ import annotations

from wxsession.core.errors import AuthenticationError, PermissionDenied


class ConsoleSignInRequired(AuthenticationError):
    """No console session, or one that ended (idle, too old, signed out)."""

    code = "CONSOLE_SIGN_IN_REQUIRED"
    default_message = "Sign in to the console."


class OperatorForbidden(PermissionDenied):
    """The operator's role does not hold the permission the action needs."""

    code = "OPERATOR_FORBIDDEN"
    default_message = "Your operator role does not allow this."


class ConsoleFormRefused(PermissionDenied):
    """A console form without its anti-forgery token, or with another session's."""

    code = "CONSOLE_FORM_REFUSED"
    default_message = "This form has expired. Reload the page and try again."
