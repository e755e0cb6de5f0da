"""Why a session that was issued ended, told to the holder of its token alone.

Both are a :class:`~wxsession.core.errors.SessionInvalid` (401, the same challenge), so code
that handles an invalid session handles them too; the code says what a client should do
next. ``SESSION_REPLACED``: a login elsewhere took the place of this one (a per-user cap of
one session: ``WXSESSION_MAX_SESSIONS_PER_USER=1``); logging in again silently would take it
back, and the two devices would take it from each other forever, so the app asks the user.
``SESSION_REVOKED``: ended on purpose (log out everywhere, a password change, ending it from
another session, an operator). A token never issued stays ``SESSION_INVALID``.

Part of the tree in :mod:`wxsession.core.errors` (its docstring lists every class).
"""

from __future__ import annotations

from wxsession.core.errors import SessionInvalid


class SessionReplaced(SessionInvalid):
    code = "SESSION_REPLACED"
    default_message = (
        "This session was ended by a login on another device. Ask the user before logging in "
        "again: that would end the other device's session."
    )


class SessionRevoked(SessionInvalid):
    code = "SESSION_REVOKED"
    default_message = (
        "This session was ended (logged out everywhere, a password change, or an operator). "
        "Log in again."
    )
