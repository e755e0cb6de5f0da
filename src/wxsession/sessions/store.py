"""The SessionStore seam: where session state lives (Redis in production, SQL embedded).

Every implementation passes the shared contract suite in ``tests/contract/``. Keys are always
:func:`wxsession.core.tokens.storage_key` values, never tokens; a store may read the user out of a
registered session's key (:func:`wxsession.core.tokens.split_key`), nothing else may. Expiry is
decided by :class:`~wxsession.sessions.manager.SessionManager` from the record's own
timestamps (so tests can move a clock); a store's native TTL only reclaims space. A store
that cannot answer raises :class:`~wxsession.core.errors.SessionStoreUnavailable`, never returns
"not found" instead.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar, runtime_checkable

from wxsession.core import tokens
from wxsession.core.errors import SessionStoreUnavailable
from wxsession.core.record import SessionRecord

log = logging.getLogger(__name__)
T = TypeVar("T")


@runtime_checkable
class SessionStore(Protocol):
    async def create(self, key: str, record: SessionRecord, now: float) -> int:
        """Store a new record under ``key``; it may be reclaimed after its expiry.

        Returns how many records its user holds now, this one included: never fewer than
        their live ones (expired ones not yet reclaimed may count), so a login checks the
        per-user cap without another round trip. ``0`` for a pending record (no user)."""

    async def get(self, key: str) -> SessionRecord | None:
        """The record under ``key``, or ``None``. Never creates anything. A record that
        cannot be decoded is ``None`` too (the session is invalid: the client logs in again),
        never an error the request would surface as a 500."""

    async def touch(self, key: str, record: SessionRecord, now: float) -> bool:
        """Replace an existing record (after a use). Returns ``False`` and writes nothing
        when the key is gone, so a renewal racing a logout cannot bring the session back."""

    async def delete(self, key: str) -> bool:
        """Remove one record; ``True`` if it existed."""

    async def list_for_user(self, user_id: str, now: float) -> list[tuple[str, SessionRecord]]:
        """Every record of a user not expired at ``now``, with its key, oldest first."""

    async def delete_for_user(self, user_id: str) -> int:
        """Remove every record of a user; returns how many went."""

    async def ping(self) -> None:
        """Raise SessionStoreUnavailable when the backend does not answer."""

    async def close(self) -> None:
        """Release connections."""


def readable(key: str, decode: Callable[[bytes], T], data: bytes) -> T | None:
    """``decode(data)`` (a record, or as much of one as the caller needs), or ``None`` when
    the stored bytes are not a record (garbled, or of an unknown format): logged by the
    session's public id, and for the caller an unknown session (401), never a 500."""
    try:
        return decode(data)
    except (ValueError, TypeError):
        log.warning("unreadable session record %s", tokens.public_id(key))
        return None


async def pending_on_failure(step: Awaitable[T], what: str) -> T | None:
    """Await the store's part of an end already recorded in SQL; if the store fails, log it
    as pending (``None``) instead of failing the request: the SQL record is the truth."""
    try:
        return await step
    except SessionStoreUnavailable:
        logging.getLogger("wxsession.sessions").warning(
            "%s recorded in SQL; store delete pending (refused meanwhile)", what
        )
        return None
