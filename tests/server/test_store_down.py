"""Fail closed: with the session store down, nothing gets through and nothing is lost."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.server.conftest import APPID, SECRET
from tests.support.emulator import running_emulator
from tests.support.servers import RedisProcess
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings


def test_redis_down_is_503_never_a_pass(own_redis: RedisProcess, tmp_path: Path) -> None:
    with running_emulator({APPID: SECRET}) as (emulator_url, _):
        settings = Settings(
            appid=APPID,
            secret=SECRET,
            wechat_api_base=emulator_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'users.db'}",
            session_store=own_redis.url,
        )
        with serve_in_thread(create_app(settings)) as url, httpx.Client(base_url=url) as http:

            def code() -> str:
                reply = httpx.post(f"{emulator_url}/_emulator/login", json={"user": "una"})
                return str(reply.json()["code"])

            token = http.post("/v1/auth/wechat/login", json={"code": code()}).json()["session_id"]
            auth = {"Authorization": f"Bearer {token}"}
            assert http.get("/v1/me", headers=auth).status_code == 200

            own_redis.stop()
            for response in (
                http.get("/v1/me", headers=auth),
                http.post("/v1/auth/logout", headers=auth),
                http.post("/v1/auth/wechat/login", json={"code": code()}),
            ):
                assert response.status_code == 503
                assert response.json()["error"]["code"] == "SESSION_STORE_UNAVAILABLE"
                assert int(response.headers["retry-after"]) >= 1
                assert "session_id" not in response.json()

            own_redis.restart()
            fresh = http.post("/v1/auth/wechat/login", json={"code": code()})
            assert fresh.status_code == 200
            fresh_auth = {"Authorization": f"Bearer {fresh.json()['session_id']}"}
            assert http.get("/v1/me", headers=fresh_auth).status_code == 200
