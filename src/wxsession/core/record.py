"""What a session is: the server-side record behind one token, and its JSON encoding.

:meth:`SessionRecord.to_bytes` writes a JSON array in field order, tagged with a format
version (``[1, ...]``): the SQL store's rows and the Redis store's pending sessions (see
:mod:`wxsession.sessions.packed` for the binary form of registered ones in Redis). Records
written in the older object form (``{"public_id": ...}``) still decode, so an upgrade logs
nobody out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import orjson

from wxsession.core.identity import Identity


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """The state kept server-side for one session token (the "3rd_session").

    ``subject`` (openid), ``union_id`` and ``session_key`` are secrets of the server: they
    are never rendered to a client. Only a session waiting for explicit registration
    (``user_id`` ``None``) carries them, to register with; a registered session names its
    way in by ``provider`` and ``app_id`` alone (the user's identity row in SQL, unique per
    user, provider and app, has the rest). Records written before that still carry them.
    A pending record's ``session_key`` is sealed with the data keys, as text
    (:mod:`wxsession.accounts.session_keys`), never the key itself.
    """

    public_id: str
    user_id: str | None
    provider: str
    app_id: str
    subject: str | None = field(repr=False)
    union_id: str | None = field(repr=False)
    session_key: str | None = field(repr=False)
    created_at: float
    last_seen: float
    expires_at: float
    absolute_expires_at: float
    user_agent: str | None = None
    ip: str | None = None
    epoch: int = 0
    """The user's session epoch when this session was issued; a revocation point (log out
    everywhere, disable) raises the user's epoch in SQL, and older records are refused."""

    @property
    def registered(self) -> bool:
        return self.user_id is not None

    def identity(self) -> Identity:
        """The identity a pending session was issued for, to register it with. ``ValueError``
        for a record without one (a registered session)."""
        if self.subject is None:
            raise ValueError("this session record carries no identity")
        return Identity(
            provider=self.provider,
            app_id=self.app_id,
            subject=self.subject,
            union_id=self.union_id,
            session_key=self.session_key,
        )

    def is_expired(self, now: float) -> bool:
        return now >= self.expires_at or now >= self.absolute_expires_at

    def touched(self, now: float, idle_ttl: int) -> SessionRecord:
        """The record after a use at ``now``: idle expiry slides, never past the absolute one."""
        return replace(
            self,
            last_seen=now,
            expires_at=min(now + idle_ttl, self.absolute_expires_at),
        )

    def to_bytes(self) -> bytes:
        return orjson.dumps([FORMAT, *(getattr(self, name) for name in _FIELDS)])

    @classmethod
    def from_bytes(cls, data: bytes | str) -> SessionRecord:
        decoded: Any = orjson.loads(data)
        if isinstance(decoded, dict):  # the object form written before the compact one
            return cls(**decoded)
        if not isinstance(decoded, list) or not decoded or decoded[0] != FORMAT:
            raise ValueError("not a session record of a known format")
        return cls(*decoded[1:])


FORMAT = 1
"""Version tag of the array encoding; a new field order gets a new number."""
_FIELDS = tuple(f.name for f in fields(SessionRecord))
