"""``POST /v1/auth/{provider}/login`` through the real server (uvicorn, SQLite and
Redis + PostgreSQL) against the emulator over HTTP: each platform's success and error codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.alipay import ALIPAY, ALIPAY_PUBLIC_KEY
from tests.support.service import Service
from wxsession.platforms.alipay import DEV_PREFIX as ALIPAY_PREFIX
from wxsession.platforms.baidu import DEV_PREFIX as BAIDU_PREFIX
from wxsession.platforms.douyin import DEV_PREFIX as DOUYIN_PREFIX
from wxsession.platforms.kuaishou import DEV_PREFIX as KUAISHOU_PREFIX
from wxsession.platforms.qq import DEV_PREFIX as QQ_PREFIX
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings

PLATFORMS: dict[str, dict[str, str]] = {
    "wechat_app": {"wechat_app_appid": "wxa9b8c7d6e5f4a3b2", "wechat_app_secret": "app-s"},
    "qq": {"qq_appid": "1109876543", "qq_secret": "qq-s"},
    "douyin": {"douyin_appid": "tt1a2b3c4d5e6f7a8b", "douyin_secret": "douyin-s"},
    "baidu": {"baidu_app_key": "Kp3Xb7Qz9Lm2Wv5Rt8Yc1Nd4Hf6Gj0Sa", "baidu_app_secret": "bd-s"},
    "kuaishou": {"kuaishou_appid": "ks715790869885440001", "kuaishou_secret": "ks-s"},
    "alipay": {
        "alipay_appid": ALIPAY[0],
        "alipay_private_key": ALIPAY[1],
        "alipay_public_key": ALIPAY_PUBLIC_KEY,
    },
}
PATHS = {
    "wechat_app": "/sns/oauth2/access_token",
    "qq": QQ_PREFIX + "/sns/jscode2session",
    "douyin": DOUYIN_PREFIX + "/api/apps/v2/jscode2session",
    "baidu": BAIDU_PREFIX + "/oauth/jscode2sessionkey",
    "kuaishou": KUAISHOU_PREFIX + "/oauth2/mp/code2session",
    "alipay": ALIPAY_PREFIX + "/gateway.do",
}
BUSY: dict[str, tuple[dict[str, Any], str]] = {
    "baidu": ({"status": 503}, "1"),
    "kuaishou": ({"errcode": 100200500}, "5"),
    "alipay": ({"errcode": 20000}, "5"),
}
"""A platform without a documented busy error code: its outage is an HTTP 503, which is not
a reason to back off, so its Retry-After is the plain 503's."""
REFUSED_SECRET: dict[str, int | str] = {
    "douyin": 40017,
    "baidu": "invalid_client",
    "kuaishou": 100200101,
    "alipay": "isv.invalid-signature",
}


def appid_of(provider: str) -> str:
    """The app's id, whatever its platform calls the setting."""
    return next(iter(PLATFORMS[provider].values()))


def codes(provider: str) -> dict[str, str]:
    """The stable error codes a client of ``provider`` sees."""
    if provider == "wechat_app":
        return {
            "invalid": "WECHAT_CODE_INVALID",
            "used": "WECHAT_CODE_USED",
            "busy": "WECHAT_UNAVAILABLE",
            "garbage": "WECHAT_ERROR",
            "secret": "WECHAT_MISCONFIGURED",
        }
    return {
        "invalid": "PROVIDER_CODE_INVALID",
        "used": "PROVIDER_CODE_INVALID",
        "busy": "PROVIDER_UNAVAILABLE",
        "garbage": "PROVIDER_ERROR",
        "secret": "PROVIDER_MISCONFIGURED",
    }


def every_platform() -> dict[str, str]:
    return {key: value for creds in PLATFORMS.values() for key, value in creds.items()}


def platform_code(service: Service, provider: str, user: str = "alice") -> str:
    """Play the platform's client login (SendAuth, qq.login(), tt.login()) on the emulator."""
    appid = appid_of(provider)
    response = httpx.post(
        f"{service.emulator_url}/_emulator/login",
        json={"appid": appid, "user": user, "platform": provider},
    )
    response.raise_for_status()
    code: str = response.json()["code"]
    return code


def error_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.mark.parametrize("provider", list(PLATFORMS))
def test_login_and_its_error_codes(make_service: Any, provider: str) -> None:
    service: Service = make_service(**every_platform())
    path = f"/v1/auth/{provider}/login"
    code = platform_code(service, provider)

    ok = service.http.post(path, json={"code": code})
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["registered"] is True
    assert set(body) == {"session_id", "expires_in", "registered", "user"}
    me = service.get("/v1/me", body["session_id"])
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]
    openid = service.emulator.openid_for(appid_of(provider), "alice")
    assert openid not in ok.text
    query = f"SELECT subject FROM identities WHERE provider = '{provider}'"  # noqa: S608
    assert service.sql_scalar(query) == openid

    expected = codes(provider)
    assert error_of(service.http.post(path, json={"code": code})) == (401, expected["used"])
    assert error_of(service.http.post(path, json={"code": "0" * 32})) == (
        401,
        expected["invalid"],
    )
    fault, retry_after = BUSY.get(provider, ({"errcode": -1}, "5"))
    service.emulator.set_faults(**fault, path=PATHS[provider])
    busy = service.http.post(path, json={"code": platform_code(service, provider)})
    assert error_of(busy) == (503, expected["busy"])
    assert busy.headers["Retry-After"] == retry_after  # 5: the platform is left alone that long
    service.clock.advance(5)
    service.emulator.set_faults(body="<html>bad gateway</html>", path=PATHS[provider])
    garbage = service.http.post(path, json={"code": platform_code(service, provider)})
    assert error_of(garbage) == (502, expected["garbage"])
    service.emulator.set_faults(latency_ms=3500, path=PATHS[provider])  # the timeout is 2 s
    slow = service.http.post(path, json={"code": platform_code(service, provider)})
    assert error_of(slow) == (503, expected["busy"])
    service.emulator.reset_faults()


@pytest.mark.parametrize("provider", list(PLATFORMS))
def test_refused_credentials_are_502(make_service: Any, provider: str) -> None:
    service: Service = make_service(**every_platform())
    errcode = REFUSED_SECRET.get(provider, 40125)
    service.emulator.set_faults(errcode=errcode, path=PATHS[provider])
    response = service.http.post(
        f"/v1/auth/{provider}/login", json={"code": platform_code(service, provider)}
    )
    assert error_of(response) == (502, codes(provider)["secret"])


def test_unknown_and_unconfigured_providers_are_404(make_service: Any) -> None:
    service: Service = make_service(**PLATFORMS["qq"])
    for name in ("douyin", "wechat_app", "nope", "QQ"):
        response = service.http.post(f"/v1/auth/{name}/login", json={"code": "abc"})
        assert error_of(response) == (404, "NOT_FOUND"), name
        assert "login provider" in response.json()["error"]["message"]
    qq = service.http.post("/v1/auth/qq/login", json={"code": platform_code(service, "qq")})
    assert qq.status_code == 200
    # A fixed route wins over the pattern: this is the password route's own validation.
    password = service.http.post("/v1/auth/password/login", json={"code": "abc"})
    assert error_of(password) == (422, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "body",
    [{}, {"code": ""}, {"code": "a b"}, {"code": 5}, {"code": "x", "anonymous_code": "y"}],
)
def test_a_malformed_body_is_422(make_service: Any, body: dict[str, Any]) -> None:
    service: Service = make_service(**PLATFORMS["douyin"])
    response = service.http.post("/v1/auth/douyin/login", json=body)
    assert error_of(response) == (422, "VALIDATION_ERROR")


def test_a_too_long_qq_code_is_400_before_qq_is_called(make_service: Any) -> None:
    service: Service = make_service(**PLATFORMS["qq"])
    service.emulator.set_faults(errcode=-1, path=PATHS["qq"])
    response = service.http.post("/v1/auth/qq/login", json={"code": "a" * 129})
    assert error_of(response) == (400, "INVALID_REQUEST")
    assert service.emulator.faults.count == 1


def test_an_app_login_fills_the_new_users_profile(make_service: Any) -> None:
    service: Service = make_service(**PLATFORMS["wechat_app"])
    response = service.http.post(
        "/v1/auth/wechat_app/login", json={"code": platform_code(service, "wechat_app", "Mei")}
    )
    user = response.json()["user"]
    assert user["nickname"] == "Mei"
    assert user["avatar_url"].startswith("https://thirdwx.qlogo.cn/")


def test_the_mini_program_route_is_unchanged(make_service: Any) -> None:
    service: Service = make_service(**every_platform())
    assert service.login().status_code == 200
    assert error_of(service.http.post("/v1/auth/wechat/login", json={"code": "0" * 32})) == (
        401,
        "WECHAT_CODE_INVALID",
    )


def test_dev_mode_serves_every_login_method(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'dev.db'}")
    with serve_in_thread(create_app(settings)) as url, httpx.Client(base_url=url) as http:
        for provider in ("wechat", *PLATFORMS):
            issued = http.post("/_emulator/login", json={"user": "zoe", "platform": provider})
            login = http.post(f"/v1/auth/{provider}/login", json={"code": issued.json()["code"]})
            assert login.status_code == 200, (provider, login.text)
            me = http.get(
                "/v1/me", headers={"Authorization": f"Bearer {login.json()['session_id']}"}
            )
            assert me.status_code == 200


def test_the_app_and_the_mini_program_are_one_user_by_unionid(make_service: Any) -> None:
    service: Service = make_service(unionid=True, **every_platform())
    mini = service.login("lin").json()["user"]["id"]
    app = service.http.post(
        "/v1/auth/wechat_app/login", json={"code": platform_code(service, "wechat_app", "lin")}
    )
    assert app.json()["user"]["id"] == mini
    qq = service.http.post("/v1/auth/qq/login", json={"code": platform_code(service, "qq", "lin")})
    assert qq.json()["user"]["id"] != mini  # QQ's unionid is not WeChat's: another user
