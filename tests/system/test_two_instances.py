"""Two `wxsession serve` processes on one deployment, as behind a load balancer: a session
revoked through one is refused by the other on its very next request, although the other
holds it in its hot-session cache. Twice: sessions in Redis (the cache hears announcements on
pub/sub), and sessions in the SQLite file itself (the cache reads the announcements table
when ``PRAGMA data_version`` says another connection committed)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import redis

from tests.support.cli import run_cli, serving
from wxsession.core import tokens
from wxsession.sessions.redis import RedisSessionStore


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Pair:
    """Instance ``a`` and instance ``b`` of one deployment."""

    def __init__(
        self, a: httpx.Client, b: httpx.Client, env: dict[str, str], cwd: Path, redis_url: str
    ) -> None:
        self.a, self.b, self.env, self.cwd, self.redis_url = a, b, env, cwd, redis_url

    @property
    def on_sql(self) -> bool:
        return self.env["WXSESSION_SESSION_STORE"] == "sql"

    def delete_unannounced(self, token: str) -> None:
        """Delete a registered session's record behind wxsession's back: no announcement."""
        key = tokens.storage_key(token)
        if self.on_sql:
            with sqlite3.connect(self.cwd / "users.db") as db:
                deleted = db.execute("DELETE FROM sessions WHERE key_hash = ?", (key,))
                assert deleted.rowcount == 1
            return
        client = redis.Redis.from_url(self.redis_url)
        try:
            delete_unannounced(client, token)
        finally:
            client.close()

    def wechat_login(self, user: str) -> str:
        code = self.a.post("/_emulator/login", json={"user": user}).json()["code"]
        response = self.a.post("/v1/auth/wechat/login", json={"code": code})
        assert response.status_code == 200, response.text
        token: str = response.json()["session_id"]
        return token

    def warm(self, token: str) -> None:
        """Use the session on ``b`` (twice: the second answer comes from b's cache)."""
        for _ in range(2):
            assert self.b.get("/v1/me", headers=bearer(token)).status_code == 200

    def refused_on_b(self, token: str) -> None:
        response = self.b.get("/v1/me", headers=bearer(token))
        assert response.status_code == 401, response.text


@pytest.fixture(params=["redis", "sql"])
def pair(request: pytest.FixtureRequest, tmp_path: Path, redis_url: str) -> Iterator[Pair]:
    env = {
        "WXSESSION_DEV_MODE": "true",  # Redis alone does not imply dev mode
        "WXSESSION_SESSION_STORE": redis_url if request.param == "redis" else "sql",
        "WXSESSION_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'users.db'}",
        "WXSESSION_LOG_LEVEL": "warning",
        # The longest a cached entry may live: what b would serve stale without the
        # announcements lives longer than any admin process a test runs (seconds each).
        "WXSESSION_SESSION_CACHE_SECONDS": "60",
    }
    with ExitStack() as stack:
        _, a = stack.enter_context(serving(tmp_path, **env))  # migrates the database first
        _, b = stack.enter_context(serving(tmp_path, **env))
        yield Pair(a, b, env, tmp_path, redis_url)


def delete_unannounced(client: redis.Redis, token: str) -> None:
    """Delete a registered session's record (its field in the user's hash) behind
    wxsession's back: no announcement."""
    place = tokens.split_key(tokens.storage_key(token))
    assert place is not None
    user_key = RedisSessionStore(client).user_key(place[0])  # type: ignore[arg-type]
    assert client.hdel(user_key, place[1]) == 1


def test_b_answers_from_its_cache(pair: Pair) -> None:
    """The premise of every other test here: b really caches (a record deleted behind
    wxsession's back, with no announcement, is still honoured by b within the cache age;
    on SQLite that delete is a commit b notices, and the table names nothing)."""
    token = pair.wechat_login("cached")
    pair.warm(token)
    pair.delete_unannounced(token)
    for _ in range(3):  # the first may go to the store while b catches up
        response = pair.b.get("/v1/me", headers=bearer(token))
    assert response.status_code == 200


def test_logout_on_a(pair: Pair) -> None:
    token = pair.wechat_login("logout")
    pair.warm(token)
    assert pair.a.post("/v1/auth/logout", headers=bearer(token)).status_code == 204
    pair.refused_on_b(token)


def test_logout_everywhere_on_a(pair: Pair) -> None:
    first, second = pair.wechat_login("everywhere"), pair.wechat_login("everywhere")
    pair.warm(first)
    pair.warm(second)
    assert pair.a.post("/v1/auth/logout-all", headers=bearer(first)).status_code == 204
    pair.refused_on_b(first)
    pair.refused_on_b(second)


def test_ending_one_session_on_a(pair: Pair) -> None:
    keep, end = pair.wechat_login("one"), pair.wechat_login("one")
    pair.warm(end)
    listed = pair.a.get("/v1/sessions", headers=bearer(keep)).json()
    (other,) = [s["id"] for s in listed["sessions"] if not s["current"]]
    assert pair.a.delete(f"/v1/sessions/{other}", headers=bearer(keep)).status_code == 204
    pair.refused_on_b(end)
    assert pair.b.get("/v1/me", headers=bearer(keep)).status_code == 200


def test_admin_disable_and_delete(pair: Pair) -> None:
    disabled, deleted = pair.wechat_login("disabled"), pair.wechat_login("deleted")
    for token in (disabled, deleted):
        pair.warm(token)
    env = {k: v for k, v in pair.env.items() if k != "WXSESSION_LOG_LEVEL"}
    for token, action in ((disabled, "disable"), (deleted, "delete")):
        user_id = pair.b.get("/v1/me", headers=bearer(token)).json()["id"]
        done = run_cli("admin", action, user_id, cwd=pair.cwd, **env)
        assert done.returncode == 0, done.stderr
        pair.refused_on_b(token)


def test_password_change_on_a(pair: Pair) -> None:
    account = {"username": "two-instances", "password": "correct horse battery staple 8"}
    registered = pair.a.post("/v1/auth/password/register", json=account)
    assert registered.status_code == 201, registered.text
    other = pair.a.post("/v1/auth/password/login", json=account).json()["session_id"]
    pair.warm(other)
    change = {"current_password": account["password"], "new_password": "a new long passphrase 9"}
    changed = pair.a.post(
        "/v1/me/password", json=change, headers=bearer(registered.json()["session_id"])
    )
    assert changed.status_code == 200, changed.text
    pair.refused_on_b(other)


def test_profile_change_on_a_is_seen_on_b(pair: Pair) -> None:
    token = pair.wechat_login("profile")
    pair.warm(token)
    put = pair.a.put("/v1/me/profile", json={"nickname": "新名字"}, headers=bearer(token))
    assert put.status_code == 200, put.text
    assert pair.b.get("/v1/me", headers=bearer(token)).json()["nickname"] == "新名字"


@pytest.mark.parametrize("pair", ["redis"], indirect=True)
def test_a_dropped_invalidation_channel_bypasses_the_cache(pair: Pair, redis_url: str) -> None:
    token = pair.wechat_login("dropped")
    pair.warm(token)
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.client_kill_filter(_type="pubsub") >= 2  # a's and b's subscriptions
        delete_unannounced(client, token)  # only a store read can tell
    finally:
        client.close()
    pair.refused_on_b(token)


def test_a_role_change_counts_on_bs_next_request(pair: Pair) -> None:
    """Granted and revoked by the admin CLI (a third process), seen by b's very next request
    although b holds the user, roles included, in its cache: /v1/me, introspection, and the
    nginx auth_request headers."""
    token = pair.wechat_login("roles")
    pair.warm(token)
    user_id = pair.b.get("/v1/me", headers=bearer(token)).json()["id"]
    env = {k: v for k, v in pair.env.items() if k != "WXSESSION_LOG_LEVEL"}

    def admin(*command: str) -> None:
        done = run_cli("admin", "roles", *command, cwd=pair.cwd, **env)
        assert done.returncode == 0, done.stderr

    admin("define", "editor", "orders:read", "orders:write")
    admin("grant", user_id, "editor")
    me = pair.b.get("/v1/me", headers=bearer(token)).json()
    assert (me["roles"], me["permissions"]) == (["editor"], ["orders:read", "orders:write"])
    auth = pair.b.get("/v1/session/auth", headers=bearer(token))
    assert auth.headers["x-user-roles"] == "editor"

    admin("define", "editor", "orders:read")  # a role's new permissions reach its holders
    intro = pair.b.get("/v1/session/introspect", headers=bearer(token)).json()
    assert intro["permissions"] == ["orders:read"]

    admin("revoke", user_id, "editor")
    assert pair.b.get("/v1/me", headers=bearer(token)).json()["roles"] == []
    assert pair.b.get("/v1/session/auth", headers=bearer(token)).headers["x-user-roles"] == ""
