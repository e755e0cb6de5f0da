"""Phone number, session_key health and the shared access token, over HTTP against the
emulator, on SQLite and on Redis + PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from tests.support.cli import TEST_DATA_KEYS, serving
from tests.support.emulator import running_emulator
from tests.support.service import APPID, SECRET, Service


def phone(service: Service, token: str, code: str) -> httpx.Response:
    return service.post("/v1/me/phone", token, json={"code": code})


def test_phone_number_from_a_getphonenumber_code(service: Service) -> None:
    token = service.session_for("amy")
    code = service.emulator.issue_phone_code(APPID, "amy", "13800138000", country_code=86)
    ok = phone(service, token, code)
    assert ok.status_code == 200, ok.text
    assert ok.json() == {
        "phone_number": "+86 13800138000",
        "pure_phone_number": "13800138000",
        "country_code": "86",  # WeChat sent a number: we answer text
    }
    assert service.sql_scalar("SELECT phone_number FROM users") == "+86 13800138000"

    again = phone(service, token, code)  # a code works once
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "WECHAT_PHONE_CODE_INVALID"
    assert phone(service, token, "made-up").json()["error"]["code"] == "WECHAT_PHONE_CODE_INVALID"
    assert service.post("/v1/me/phone", json={"code": code}).status_code == 401
    assert phone(service, token, "").status_code == 422
    assert service.emulator.token_fetches == 1  # three calls, one token


def test_a_refused_access_token_is_refreshed_once_and_the_call_retried(service: Service) -> None:
    token = service.session_for("amy")
    first = phone(service, token, service.emulator.issue_phone_code(APPID, "amy"))
    assert first.status_code == 200
    service.emulator.expire_access_tokens()  # WeChat now answers 42001 to the cached token
    second = phone(service, token, service.emulator.issue_phone_code(APPID, "amy"))
    assert second.status_code == 200, second.text
    assert service.emulator.token_fetches == 2

    refused = service.sql_scalar("SELECT access_token FROM wechat_access_tokens")
    service.emulator.set_faults(errcode=40001, count=1)  # the next call refuses the token
    third = phone(service, token, service.emulator.issue_phone_code(APPID, "amy"))
    assert third.status_code == 200, third.text
    assert service.emulator.token_fetches == 3
    # stable_token hands back a token it still thinks valid unless asked for a new one: the
    # refresh asked (force_refresh), so the refused token is not cached for two more hours.
    assert service.sql_scalar("SELECT access_token FROM wechat_access_tokens") != refused


def test_a_refused_appsecret_is_the_operators_fault(service: Service) -> None:
    token = service.session_for("amy")
    service.emulator.set_faults(errcode=40001, count=1)  # stable_token: wrong AppSecret
    refused = phone(service, token, service.emulator.issue_phone_code(APPID, "amy"))
    assert refused.status_code == 502
    assert refused.json()["error"]["code"] == "WECHAT_MISCONFIGURED"
    assert phone(service, token, service.emulator.issue_phone_code(APPID, "amy")).status_code == 200


def test_session_key_health(service: Service) -> None:
    token = service.session_for("amy")
    healthy = service.get("/v1/wechat/session-key", token)
    assert healthy.status_code == 200, healthy.text
    assert healthy.json() == {"valid": True}
    openid = service.emulator.issued_for("amy", APPID).openid
    service.emulator.rotate_session_key(APPID, openid)
    assert service.get("/v1/wechat/session-key", token).json() == {"valid": False}
    relogged = service.session_for("amy")
    assert service.get("/v1/wechat/session-key", relogged).json() == {"valid": True}
    assert service.get("/v1/wechat/session-key").status_code == 401


def test_fifty_needs_across_two_processes_fetch_one_token(
    backend: dict[str, str], tmp_path: Path
) -> None:
    with running_emulator({APPID: SECRET}) as (emulator_url, emulator):
        env = {
            "WXSESSION_APPID": APPID,
            "WXSESSION_SECRET": SECRET,
            "WXSESSION_DATA_KEYS": TEST_DATA_KEYS,
            "WXSESSION_WECHAT_API_BASE": emulator_url,
            "WXSESSION_DATABASE_URL": backend["database_url"],
            "WXSESSION_SESSION_STORE": backend["session_store"],
            "WXSESSION_LOG_LEVEL": "warning",  # the output pipe is not drained
        }
        with serving(tmp_path, **env) as (_, one), serving(tmp_path, **env) as (_, two):
            code = emulator.issue_code(APPID, "amy")
            login = one.post("/v1/auth/wechat/login", json={"code": code})
            assert login.status_code == 200, login.text
            token = login.json()["session_id"]
            codes = [emulator.issue_phone_code(APPID, "amy") for _ in range(50)]
            urls = [str(server.base_url) for server in (one, two)]
            statuses = asyncio.run(_concurrent_phone_calls(urls, token, codes))
        assert statuses == [200] * 50
        assert emulator.token_fetches == 1


async def _concurrent_phone_calls(urls: list[str], token: str, codes: list[str]) -> list[int]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=30, headers=headers) as http:

        async def one(index: int, code: str) -> Any:
            response = await http.post(f"{urls[index % 2]}/v1/me/phone", json={"code": code})
            return response.status_code

        return list(await asyncio.gather(*(one(i, c) for i, c in enumerate(codes))))
