"""The SessionStore seam: where session state lives (Redis in production, SQL embedded).

Every implementation passes the shared contract suite in ``tests/sessions/``. Keys are always
:func:`wxsession.tokens.storage_key` hashes, never tokens. Expiry is decided by
:class:`~wxsession.sessions.manager.SessionManager` from the record's own timestamps (so tests
can move a clock); a store's native TTL only reclaims space. A store that cannot answer raises
:class:`~wxsession.errors.SessionStoreUnavailable`, never returns "not found" instead.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from wxsession.sessions.model import SessionRecord


@runtime_checkable
class SessionStore(Protocol):
    async def create(self, key: str, record: SessionRecord, now: float) -> None:
        """Store a new record under ``key``; it may be reclaimed after its expiry."""

    async def get(self, key: str) -> SessionRecord | None:
        """The record under ``key``, or ``None``. Never creates anything."""

    async def touch(self, key: str, record: SessionRecord, now: float) -> bool:
        """Replace an existing record (after a use). Returns ``False`` and writes nothing
        when the key is gone, so a renewal racing a logout cannot bring the session back."""

    async def delete(self, key: str) -> bool:
        """Remove one record; ``True`` if it existed."""

    async def list_for_user(self, user_id: str) -> list[tuple[str, SessionRecord]]:
        """Every live record of a user, with its key."""

    async def delete_for_user(self, user_id: str) -> int:
        """Remove every record of a user; returns how many went."""

    async def count_for_user(self, user_id: str) -> int:
        """How many records the user has at most: never fewer than their live ones (expired
        or dead ones not yet reclaimed may count), in one cheap read, so a login checks the
        per-user cap without listing sessions."""

    async def ping(self) -> None:
        """Raise SessionStoreUnavailable when the backend does not answer."""

    async def close(self) -> None:
        """Release connections."""
