"""Operators and their console sessions in SQL; database faults are 503 (fail closed).

The one write that must be atomic is spending a TOTP step: ``UPDATE … WHERE totp_last_step <
step`` changes one row or none, so of two sign-ins racing with the same code exactly one wins
(ASVS 5.0 6.5.1; the database, not a read-then-write, decides).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from wxsession.accounts.models import utcnow
from wxsession.accounts.operator_models import OperatorRow, OperatorSessionRow
from wxsession.core.operator import OperatorRole, OperatorView
from wxsession.data_keys import Sealed
from wxsession.db import database_faults, sessionmaker


def view_of(row: OperatorRow) -> OperatorView:
    return OperatorView(row.id, row.name, OperatorRole(row.role), row.created_at)


class OperatorStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._sessionmaker = sessionmaker(engine)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        with database_faults():
            async with self._sessionmaker() as session, session.begin():
                yield session

    async def add(
        self, name: str, role: OperatorRole, password_hash: str, totp: Sealed
    ) -> OperatorView | None:
        """The new operator; ``None`` if the name is taken."""
        row = OperatorRow(
            name=name,
            role=role.value,
            password_hash=password_hash,
            totp_kid=totp.kid,
            totp_sealed=totp.blob,
            created_at=utcnow(),
        )
        try:
            async with self._transaction() as session:
                session.add(row)
                await session.flush()
                return view_of(row)
        except IntegrityError:
            return None

    async def all(self) -> list[OperatorView]:
        async with self._transaction() as session:
            rows = await session.scalars(select(OperatorRow).order_by(OperatorRow.name))
            return [view_of(row) for row in rows]

    async def by_name(self, name: str) -> tuple[OperatorView, str, Sealed] | None:
        """The operator, their password hash and sealed TOTP secret (for signing in)."""
        async with self._transaction() as session:
            row = await session.scalar(select(OperatorRow).where(OperatorRow.name == name))
            if row is None:
                return None
            return view_of(row), row.password_hash, Sealed(row.totp_kid, row.totp_sealed)

    async def remove(self, name: str) -> bool:
        async with self._transaction() as session:
            await session.execute(
                delete(OperatorSessionRow).where(
                    OperatorSessionRow.operator_id
                    == select(OperatorRow.id).where(OperatorRow.name == name).scalar_subquery()
                )
            )
            done = await session.execute(delete(OperatorRow).where(OperatorRow.name == name))
            return bool(done.rowcount)  # type: ignore[attr-defined]

    async def set_totp(self, name: str, totp: Sealed) -> bool:
        """A new TOTP secret; the operator's console sessions end with the old one."""
        async with self._transaction() as session:
            row = await session.scalar(select(OperatorRow).where(OperatorRow.name == name))
            if row is None:
                return False
            row.totp_kid, row.totp_sealed, row.totp_last_step = totp.kid, totp.blob, 0
            await session.execute(
                delete(OperatorSessionRow).where(OperatorSessionRow.operator_id == row.id)
            )
            return True

    async def spend_step(self, operator_id: str, step: int) -> bool:
        """Mark TOTP ``step`` used; ``False`` if it (or a later one) was used already."""
        async with self._transaction() as session:
            done = await session.execute(
                update(OperatorRow)
                .where(OperatorRow.id == operator_id, OperatorRow.totp_last_step < step)
                .values(totp_last_step=step)
            )
            return bool(done.rowcount)  # type: ignore[attr-defined]

    async def start_session(self, token_hash: str, operator_id: str, now: float) -> None:
        async with self._transaction() as session:
            session.add(
                OperatorSessionRow(
                    token_hash=token_hash, operator_id=operator_id, created_at=now, last_seen=now
                )
            )

    async def session(self, token_hash: str) -> tuple[OperatorView, float, float] | None:
        """The session's operator, its start and last use."""
        async with self._transaction() as session:
            found = (
                await session.execute(
                    select(OperatorRow, OperatorSessionRow)
                    .join(OperatorSessionRow, OperatorSessionRow.operator_id == OperatorRow.id)
                    .where(OperatorSessionRow.token_hash == token_hash)
                )
            ).first()
            if found is None:
                return None
            operator, row = found
            return view_of(operator), row.created_at, row.last_seen

    async def touch_session(self, token_hash: str, now: float) -> None:
        async with self._transaction() as session:
            await session.execute(
                update(OperatorSessionRow)
                .where(OperatorSessionRow.token_hash == token_hash)
                .values(last_seen=now)
            )

    async def end_session(self, token_hash: str) -> None:
        async with self._transaction() as session:
            await session.execute(
                delete(OperatorSessionRow).where(OperatorSessionRow.token_hash == token_hash)
            )
