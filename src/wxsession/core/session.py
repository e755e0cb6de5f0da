"""A session resolved from a request, and the registered kind that guarantees a user."""

from __future__ import annotations

from dataclasses import dataclass

from wxsession.core import tokens
from wxsession.core.record import SessionRecord


@dataclass(frozen=True, slots=True)
class ActiveSession:
    """A session resolved from a request: its store key and record, never the token."""

    key: str
    record: SessionRecord

    @staticmethod
    def of(key: str, record: SessionRecord) -> ActiveSession:
        """The session of ``record``: a :class:`RegisteredSession` when it names a user, so
        the session layer builds the narrower type once and callers never re-check it."""
        user_id = record.user_id
        return (
            ActiveSession(key, record)
            if user_id is None
            else RegisteredSession(key, record, user_id)
        )

    @property
    def fingerprint(self) -> str:
        """The token's name in log and audit lines (:func:`wxsession.core.tokens.fingerprint`)."""
        return tokens.key_fingerprint(self.key)

    def as_registered(self) -> RegisteredSession | None:
        """This session as a :class:`RegisteredSession`, or ``None`` while it is pending."""
        user_id = self.record.user_id
        return None if user_id is None else RegisteredSession(self.key, self.record, user_id)


@dataclass(frozen=True, slots=True)
class RegisteredSession(ActiveSession):
    """An :class:`ActiveSession` of a registered user: ``user_id`` is always there (the
    record's own), so code past "registration required" reads it without a check."""

    user_id: str

    def as_registered(self) -> RegisteredSession:
        return self
