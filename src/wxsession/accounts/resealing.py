"""Moving stored session_keys under the current data key, so an older key can be retired."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update

from wxsession.accounts import session_keys
from wxsession.accounts.base import AccountStore
from wxsession.accounts.models import IdentityRow
from wxsession.core.identity import Identity
from wxsession.data_keys import Sealed


@dataclass(frozen=True, slots=True)
class Resealed:
    """What :meth:`Resealing.reseal_session_keys` did: keys moved under the current data
    key, and keys it could not open, counted by key id (left as they are)."""

    moved: int
    unreadable: dict[str, int]


class Resealing(AccountStore):
    async def reseal_session_keys(self, batch: int = 500) -> Resealed:
        """Seal every stored session_key sealed under an older data key under the current
        one, ``batch`` rows per transaction, so the older key can be retired. A key that
        does not open is left alone and counted: configure its data key and run this again,
        or let those users' next login replace it. A row a login rewrote meanwhile is kept."""
        moved, after = 0, 0
        unreadable: dict[str, int] = {}
        while True:
            async with self._transaction() as session:
                rows = (
                    await session.execute(
                        _STALE_KEYS, {"current": self.keys.current, "after": after, "batch": batch}
                    )
                ).all()
                for row in rows:
                    stored = Sealed(row.session_key_kid, row.session_key_sealed)
                    key = session_keys.unseal(
                        self.keys, row.provider, row.app_id, row.subject, stored
                    )
                    if key is None:
                        unreadable[stored.kid] = unreadable.get(stored.kid, 0) + 1
                        continue
                    identity = Identity(row.provider, row.app_id, row.subject, session_key=key)
                    result: Any = await session.execute(
                        update(IdentityRow)
                        .where(
                            IdentityRow.id == row.id,
                            IdentityRow.session_key_kid == stored.kid,
                            IdentityRow.session_key_sealed == stored.blob,
                        )
                        .values(**self._sealed_key(identity)),
                        execution_options={"synchronize_session": False},
                    )
                    moved += result.rowcount
            if len(rows) < batch:
                return Resealed(moved, unreadable)
            after = rows[-1].id


_STALE_KEYS: Any = (
    select(
        IdentityRow.id,
        IdentityRow.provider,
        IdentityRow.app_id,
        IdentityRow.subject,
        IdentityRow.session_key_kid,
        IdentityRow.session_key_sealed,
    )
    .where(
        IdentityRow.session_key_kid != bindparam("current"),
        IdentityRow.session_key_sealed.is_not(None),
        IdentityRow.id > bindparam("after"),
    )
    .order_by(IdentityRow.id)
    .limit(bindparam("batch"))
)
