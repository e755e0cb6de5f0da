"""Roles cost the hot path no SQL: with the hot-session cache (the Redis store, or the SQL
store on SQLite), a warm user's roles come from memory on GET /v1/me, introspection and
nginx's auth_request, not from a query per request (on SQLite, one after another process's
commit, as for every cached session)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.support import roles
from tests.support.service import Service


@contextmanager
def user_reads() -> Iterator[list[str]]:
    """Every SQL statement in this process that reads users or their roles, meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "user_roles" in statement or "FROM users" in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def test_a_warm_users_roles_need_no_query_per_request(service: Service) -> None:
    login = service.login("hot").json()
    token, user_id = login["session_id"], login["user"]["id"]
    roles.define(service.settings, "editor", "orders:write")
    roles.grant(service.settings, user_id, "editor")
    for _ in range(2):  # the first reads the user (and roles) once; the second is warm
        assert service.get("/v1/me", token).json()["roles"] == ["editor"]

    with user_reads() as seen:
        for _ in range(10):
            assert service.get("/v1/me", token).json()["permissions"] == ["orders:write"]
            assert service.get("/v1/session/introspect", token).json()["roles"] == ["editor"]
            auth = service.get("/v1/session/auth", token)
            assert auth.headers["x-user-roles"] == "editor"
    if service.settings.session_store == "sql":
        # SQLite: any commit anywhere (here the audit writer flushing the login's events)
        # sends each process to the store once (sessions/sql_feed.py); never once a request.
        assert len(seen) <= 2, seen
    else:
        assert seen == []

    with user_reads() as seen:  # the premise: a change is read, once, on the next request
        roles.revoke(service.settings, user_id, "editor")
        assert service.get("/v1/me", token).json()["roles"] == []
    assert any("user_roles" in statement for statement in seen)
