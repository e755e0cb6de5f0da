"""Session keys at rest, over real HTTP on SQLite and on Redis + PostgreSQL: the identity row
holds the key sealed (never in the clear, nor anywhere else the service stores), open data
still works, data keys rotate, and a key that cannot be opened (its data key removed, the
value garbled or copied from another row) asks the client for a new login, never a 500."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import redis
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from tests.support.cli import run_cli
from tests.support.service import APPID, SECRET, Service
from wxsession.accounts import session_keys
from wxsession.data_keys import DataKeys, Sealed
from wxsession.db import create_engine
from wxsession.migrate import alembic_config
from wxsession.platforms.wechat.emulated import encrypt_for, sign

RAW = json.dumps({"nickName": "amy", "gender": 0})
PHONE = {"phoneNumber": "+86 13800138000", "purePhoneNumber": "13800138000", "countryCode": "86"}
OLD = "old:" + base64.b64encode(b"o" * 32).decode()
NEW = "new:" + base64.urlsafe_b64encode(b"n" * 32).decode()


def sql(database_url: str, statement: str, params: dict[str, Any] | None = None) -> list[Any]:
    """Run ``statement`` on the service's database directly; the rows it returns, if any."""

    async def run() -> list[Any]:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement), params or {})
                return [row._asdict() for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def identity_row(service: Service, openid: str) -> dict[str, Any]:
    rows = sql(
        service.settings.database_url,
        "SELECT * FROM identities WHERE subject = :openid",
        {"openid": openid},
    )
    assert len(rows) == 1
    found: dict[str, Any] = rows[0]
    return found


def stored_session_key(service: Service, openid: str) -> str | None:
    """The session_key on record for ``openid``, opened with the service's data keys."""
    row = identity_row(service, openid)
    if row["session_key_kid"] is None:
        return None
    keys = DataKeys.from_setting(service.settings.data_keys)
    sealed = Sealed(row["session_key_kid"], bytes(row["session_key_sealed"]))
    return session_keys.unseal(keys, "wechat", APPID, openid, sealed)


def openid(service: Service, user: str) -> str:
    return service.emulator.openid_for(APPID, user)


def verify(service: Service, token: str, signer: Service, user: str) -> httpx.Response:
    """POST /v1/wechat/verify with rawData signed by ``signer``'s emulator for ``user``."""
    signature = sign(signer.emulator, APPID, openid(signer, user), RAW)
    return service.post("/v1/wechat/verify", token, json={"rawData": RAW, "signature": signature})


def decrypt(service: Service, token: str, signer: Service, user: str) -> httpx.Response:
    encrypted, iv = encrypt_for(signer.emulator, APPID, openid(signer, user), PHONE)
    return service.post("/v1/wechat/decrypt", token, json={"encryptedData": encrypted, "iv": iv})


def relogin_required(response: httpx.Response) -> bool:
    assert response.status_code < 500, response.text
    return response.status_code == 400 and (
        response.json()["error"]["code"] == "WECHAT_RELOGIN_REQUIRED"
    )


def everything_stored(service: Service) -> bytes:
    """Every byte the service keeps: its SQLite files, or its PostgreSQL rows and the whole
    Redis keyspace."""
    url = service.settings.database_url
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        files = [path, path.with_name(path.name + "-wal")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    tables = ("users", "identities", "sessions", "union_ids", "wechat_access_tokens")
    dump = repr([sql(url, f"SELECT * FROM {table}") for table in tables]).encode()  # noqa: S608
    client = redis.Redis.from_url(service.settings.session_store)
    try:
        for key in client.scan_iter():
            kind = client.type(key)
            value = client.hgetall(key) if kind == b"hash" else client.get(key)
            dump += repr(value).encode() if kind in (b"hash", b"string") else b""
    finally:
        client.close()
    return dump


def assert_not_stored(service: Service, session_key: str) -> None:
    stored = everything_stored(service)
    assert session_key.encode() not in stored
    assert base64.b64decode(session_key) not in stored  # nor its 16 raw bytes


def test_the_row_holds_the_key_sealed_and_open_data_works(service: Service) -> None:
    token = service.session_for("amy")
    who = openid(service, "amy")
    key = service.emulator.session_key_for(APPID, who)
    assert key is not None

    row = identity_row(service, who)
    assert "session_key" not in row  # the plaintext column is gone
    assert row["session_key_kid"] == "test-1"
    assert len(row["session_key_sealed"]) == 1 + 12 + len(key) + 16  # version, nonce, tag
    assert_not_stored(service, key)
    assert stored_session_key(service, who) == key

    assert verify(service, token, service, "amy").json() == {"valid": True}
    assert decrypt(service, token, service, "amy").json()["purePhoneNumber"] == "13800138000"


def test_data_keys_rotate_and_a_removed_key_asks_for_a_new_login(make_service: Any) -> None:
    old: Service = make_service(data_keys=OLD)
    amy, cai = old.session_for("amy"), old.session_for("cai")
    assert identity_row(old, openid(old, "amy"))["session_key_kid"] == "old"

    rotated: Service = make_service(data_keys=f"{NEW},{OLD}")  # the same database and store
    assert verify(rotated, amy, old, "amy").status_code == 200  # sealed under old, opens
    assert decrypt(rotated, cai, old, "cai").status_code == 200
    bob = rotated.session_for("bob")
    assert identity_row(rotated, openid(rotated, "bob"))["session_key_kid"] == "new"
    amy = rotated.session_for("amy")  # amy logs in again: her key is resealed under new
    assert identity_row(rotated, openid(rotated, "amy"))["session_key_kid"] == "new"
    assert identity_row(rotated, openid(rotated, "cai"))["session_key_kid"] == "old"

    removed: Service = make_service(data_keys=NEW)
    assert verify(removed, amy, rotated, "amy").status_code == 200
    assert verify(removed, bob, rotated, "bob").status_code == 200
    # cai's key was sealed under the removed key: her session lives, open data needs a login.
    assert removed.get("/v1/me", cai).status_code == 200
    assert relogin_required(verify(removed, cai, old, "cai"))
    assert relogin_required(decrypt(removed, cai, old, "cai"))
    assert removed.get("/v1/wechat/session-key", cai).json() == {"valid": False}
    cai = removed.session_for("cai")  # as the client is told; the new key is sealed under new
    assert verify(removed, cai, removed, "cai").status_code == 200
    assert identity_row(removed, openid(removed, "cai"))["session_key_kid"] == "new"


def test_a_garbled_or_moved_sealed_key_asks_for_a_new_login(service: Service) -> None:
    amy, bob = service.session_for("amy"), service.session_for("bob")
    url = service.settings.database_url
    bobs = identity_row(service, openid(service, "bob"))

    def set_amys(sealed: bytes | None, kid: str | None) -> None:
        sql(
            url,
            "UPDATE identities SET session_key_sealed = :sealed, session_key_kid = :kid "
            "WHERE subject = :openid",
            {"sealed": sealed, "kid": kid, "openid": openid(service, "amy")},
        )

    # Bob's sealed key copied onto amy's row does not open there: bound to bob's identity.
    set_amys(bytes(bobs["session_key_sealed"]), bobs["session_key_kid"])
    assert relogin_required(verify(service, amy, service, "amy"))
    assert relogin_required(verify(service, amy, service, "bob"))
    assert verify(service, bob, service, "bob").status_code == 200

    sealed = bytearray(identity_row(service, openid(service, "bob"))["session_key_sealed"])
    sealed[-1] ^= 1
    for garbled in (bytes(sealed), b"", b"\x01", b"\x07" + bytes(60), b"not sealed at all"):
        set_amys(garbled, "test-1")
        assert relogin_required(verify(service, amy, service, "amy"))
        assert relogin_required(decrypt(service, amy, service, "amy"))
    set_amys(bytes(bobs["session_key_sealed"]), "no-such-key")
    assert relogin_required(verify(service, amy, service, "amy"))

    amy = service.session_for("amy")  # a login over the garbled row stores a good key
    assert verify(service, amy, service, "amy").status_code == 200


def test_a_pending_registration_keeps_its_key_sealed_in_the_session_store(
    make_service: Any,
) -> None:
    service: Service = make_service(registration="explicit")
    pending = service.login("amy").json()["session_id"]
    key = service.emulator.session_key_for(APPID, openid(service, "amy"))
    assert key is not None
    assert_not_stored(service, key)

    registered = service.post("/v1/auth/register", pending, json={}).json()["session_id"]
    assert verify(service, registered, service, "amy").status_code == 200
    assert_not_stored(service, key)


def test_admin_rekey_moves_every_key_so_the_old_one_can_go(
    make_service: Any, tmp_path: Path
) -> None:
    old: Service = make_service(data_keys=OLD)
    tokens = {user: old.session_for(user) for user in ("amy", "bob", "cai")}
    url = old.settings.database_url
    sql(  # one key no configured data key opens: counted, left alone
        url,
        "UPDATE identities SET session_key_kid = 'lost' WHERE subject = :openid",
        {"openid": openid(old, "cai")},
    )
    env = {
        "WXSESSION_APPID": APPID,
        "WXSESSION_SECRET": SECRET,
        "WXSESSION_DATABASE_URL": url,
        "WXSESSION_SESSION_STORE": old.settings.session_store,
        "WXSESSION_DATA_KEYS": f"{NEW},{OLD}",
        "WXSESSION_LOG_LEVEL": "warning",
    }
    done = run_cli("admin", "rekey", cwd=tmp_path, **env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"key_id": "new", "moved": 2, "unreadable": {"lost": 1}}
    for output in (done.stdout, done.stderr):
        assert NEW.split(":")[1] not in output and OLD.split(":")[1] not in output
    again = run_cli("admin", "rekey", cwd=tmp_path, **env)
    assert json.loads(again.stdout)["moved"] == 0

    removed: Service = make_service(data_keys=NEW)
    assert verify(removed, tokens["amy"], old, "amy").status_code == 200
    assert decrypt(removed, tokens["bob"], old, "bob").status_code == 200
    assert relogin_required(verify(removed, tokens["cai"], old, "cai"))


def test_migration_0007_drops_plaintext_keys(backend: dict[str, str]) -> None:
    """Rows from before 0007 hold the key in the clear: it is blanked and its column dropped
    (a migration holds no data key to seal it with); downgrading gives an empty column."""

    def migrate(connection: Connection, revision: str, *, down: bool = False) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    async def run() -> tuple[list[Any], list[Any]]:
        engine = create_engine(backend["database_url"])
        try:
            async with engine.begin() as connection:
                await connection.run_sync(migrate, "0006")
                created = datetime(2026, 1, 1, tzinfo=UTC)
                await connection.execute(
                    text(
                        "INSERT INTO users (id, disabled, created_at, session_epoch) "
                        "VALUES ('u1', false, :created, 0)"
                    ),
                    {"created": created},
                )
                await connection.execute(
                    text(
                        "INSERT INTO identities (user_id, provider, app_id, subject, "
                        "session_key, created_at) VALUES ('u1', 'wechat', :app, 'o-amy', "
                        "'c2VjcmV0LWtleS0xMjM0NQ==', :created)"
                    ),
                    {"app": APPID, "created": created},
                )
                await connection.run_sync(migrate, "head")
                upgraded = (await connection.execute(text("SELECT * FROM identities"))).all()
                await connection.run_sync(migrate, "0006", down=True)
                downgraded = (await connection.execute(text("SELECT * FROM identities"))).all()
                await connection.run_sync(migrate, "head")
                return [row._asdict() for row in upgraded], [row._asdict() for row in downgraded]
        finally:
            await engine.dispose()

    upgraded, downgraded = asyncio.run(run())
    assert len(upgraded) == 1 and "session_key" not in upgraded[0]
    assert upgraded[0]["session_key_sealed"] is None and upgraded[0]["session_key_kid"] is None
    assert "c2VjcmV0LWtleS0xMjM0NQ==" not in repr(upgraded)
    assert downgraded[0]["session_key"] is None and "session_key_kid" not in downgraded[0]
