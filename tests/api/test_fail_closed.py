"""Fail closed with a real Redis that dies and comes back inside the test (ASVS 4.0.3 V1.4 /
A5 16.5.3): while it is down every protected route answers 503 and nothing gets through; once
it is back, sessions issued before the crash work again (the server persists every write)."""

from __future__ import annotations

from pathlib import Path

import httpx

from devtools.servers import RedisProcess
from tests.support.emulator import running_emulator
from tests.support.service import APPID, SECRET
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings


def test_redis_crash_fails_closed_and_sessions_survive_it(
    persistent_redis: RedisProcess, tmp_path: Path
) -> None:
    with running_emulator({APPID: SECRET}) as (emulator_url, _):
        settings = Settings(
            appid=APPID,
            secret=SECRET,
            wechat_api_base=emulator_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'users.db'}",
            session_store=persistent_redis.url,
        )
        with serve_in_thread(create_app(settings)) as url, httpx.Client(base_url=url) as http:

            def code() -> str:
                reply = httpx.post(f"{emulator_url}/_emulator/login", json={"user": "wyn"})
                return str(reply.json()["code"])

            tokens = [
                http.post("/v1/auth/wechat/login", json={"code": code()}).json()["session_id"]
                for _ in range(2)
            ]
            auth = {"Authorization": f"Bearer {tokens[0]}"}
            assert http.get("/v1/me", headers=auth).status_code == 200

            persistent_redis.kill()  # SIGKILL: a crash, not a clean shutdown
            for response in (
                http.get("/v1/me", headers=auth),
                http.get("/v1/sessions", headers=auth),
                http.delete("/v1/sessions", headers=auth),
                http.post("/v1/auth/logout", headers=auth),
                http.post("/v1/auth/logout-all", headers=auth),
                http.post("/v1/auth/wechat/login", json={"code": code()}),
                http.get("/v1/session/introspect", headers=auth),
            ):
                assert response.status_code == 503, response.request.url
                assert response.json()["error"]["code"] == "SESSION_STORE_UNAVAILABLE"
                assert int(response.headers["retry-after"]) >= 1
                assert "session_id" not in response.text
            nginx = http.get("/v1/session/auth", headers=auth)  # auth_request: no body by design
            assert nginx.status_code == 503 and "x-user-id" not in nginx.headers

            persistent_redis.start()
            for token in tokens:
                again = http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
                assert again.status_code == 200
            assert len(http.get("/v1/sessions", headers=auth).json()["sessions"]) == 2
