"""Reach past the service into its session store, as a lost delete or a restore would."""

from __future__ import annotations

import asyncio
from typing import Any

import redis
from sqlalchemy import text

from tests.support.service import Service
from wxsession.core import tokens
from wxsession.db import create_engine

Row = tuple[Any, ...]


def _sql(service: Service, query: str, params: dict[str, Any]) -> list[Row]:
    async def run() -> list[Row]:
        engine = create_engine(service.settings.database_url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(query), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def read_record(service: Service, token: str) -> Any:
    """The stored form of the session behind ``token`` (``None`` when gone)."""
    key = tokens.storage_key(token)
    if service.settings.session_store == "sql":
        rows = _sql(
            service,
            "SELECT key_hash, user_id, expires_at, data FROM sessions WHERE key_hash = :k",
            {"k": key},
        )
        return rows[0] if rows else None
    place = tokens.split_key(key)
    with redis.Redis.from_url(service.settings.session_store) as client:
        if place is None:  # a pending session: a string
            return client.get(f"wxs:s:{key}")
        return client.hget(f"wxs:h:{place[0]}", place[1])  # a field of the user's hash


def reinsert(service: Service, token: str, stored: Any) -> None:
    """Bring the record of ``token`` back exactly as it was read."""
    if service.settings.session_store == "sql":
        key, user_id, expires_at, data = stored
        _sql(
            service,
            "INSERT INTO sessions (key_hash, user_id, expires_at, data) VALUES (:k, :u, :e, :d)",
            {"k": key, "u": user_id, "e": expires_at, "d": data},
        )
        return
    key = tokens.storage_key(token)
    place = tokens.split_key(key)
    with redis.Redis.from_url(service.settings.session_store) as client:
        if place is None:
            client.set(f"wxs:s:{key}", stored, ex=3600)
        else:
            client.hset(f"wxs:h:{place[0]}", place[1], stored)
            client.expire(f"wxs:h:{place[0]}", 3600, gt=True)


def exists(service: Service, token: str) -> bool:
    return read_record(service, token) is not None


def delete_user_row(service: Service, user_id: str) -> None:
    """Remove a user straight from SQL, leaving their session records where they are."""
    _sql(service, "DELETE FROM identities WHERE user_id = :u", {"u": user_id})
    _sql(service, "DELETE FROM users WHERE id = :u", {"u": user_id})


def session_epoch(service: Service, user_id: str) -> int:
    """The user's revocation point as stored in SQL."""
    ((epoch,),) = _sql(service, "SELECT session_epoch FROM users WHERE id = :u", {"u": user_id})
    return int(epoch)
