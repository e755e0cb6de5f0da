"""The emulator's other platforms over real HTTP: the WeChat App (oauth2 access_token and
userinfo), QQ and Douyin jscode2session, each with its wire format and error shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.clock import MovableClock
from tests.support.emulator import running_emulator
from wxsession.emulator import Emulator
from wxsession.platforms.baidu import DEV_PREFIX as BAIDU_PREFIX
from wxsession.platforms.douyin import DEV_PREFIX as DOUYIN_PREFIX
from wxsession.platforms.kuaishou import DEV_PREFIX as KUAISHOU_PREFIX
from wxsession.platforms.qq import DEV_PREFIX as QQ_PREFIX

MINI = ("wxa1a1a1a1a1a1a1a1", "mini-secret")
APP = ("wxc3c3c3c3c3c3c3c3", "app-secret")
QQ = ("1101234567", "qq-secret")
DOUYIN = ("tt4d4d4d4d4d4d4d4d", "douyin-secret")
BAIDU = ("Bd5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e", "baidu-secret")
KUAISHOU = ("ks606060606060606060", "kuaishou-secret")
PLATFORM_APPS = {
    "wechat_app": dict([APP]),
    "qq": dict([QQ]),
    "douyin": dict([DOUYIN]),
    "baidu": dict([BAIDU]),
    "kuaishou": dict([KUAISHOU]),
}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Emulator]]:
    with running_emulator(dict([MINI]), unionid=True, platform_apps=PLATFORM_APPS) as pair:
        yield pair


def issue(http: httpx.Client, url: str, **body: str) -> str:
    response = http.post(f"{url}/_emulator/login", json=body)
    assert response.status_code == 200, response.text
    code: str = response.json()["code"]
    return code


def qq(http: httpx.Client, url: str, code: str, secret: str = QQ[1]) -> dict[str, Any]:
    params = {"appid": QQ[0], "secret": secret, "js_code": code, "grant_type": "authorization_code"}
    response = http.get(f"{url}{QQ_PREFIX}/sns/jscode2session", params=params)
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def douyin(http: httpx.Client, url: str, **body: Any) -> dict[str, Any]:
    payload = {"appid": DOUYIN[0], "secret": DOUYIN[1], **body}
    response = http.post(f"{url}{DOUYIN_PREFIX}/api/apps/v2/jscode2session", json=payload)
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def baidu(http: httpx.Client, url: str, status: int, **form: str) -> dict[str, Any]:
    """jscode2sessionkey on a form, as Baidu documents it (``curl -d``)."""
    payload = {"client_id": BAIDU[0], "sk": BAIDU[1], **form}
    response = http.post(f"{url}{BAIDU_PREFIX}/oauth/jscode2sessionkey", data=payload)
    assert response.status_code == status
    data: dict[str, Any] = response.json()
    return data


def kuaishou(http: httpx.Client, url: str, **form: str) -> dict[str, Any]:
    """code2session on a form, as the SDKs send it; every answer is HTTP 200."""
    payload = {"app_id": KUAISHOU[0], "app_secret": KUAISHOU[1], **form}
    response = http.post(f"{url}{KUAISHOU_PREFIX}/oauth2/mp/code2session", data=payload)
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def app_token(http: httpx.Client, url: str, code: str, secret: str = APP[1]) -> dict[str, Any]:
    params = {"appid": APP[0], "secret": secret, "code": code, "grant_type": "authorization_code"}
    response = http.get(f"{url}/sns/oauth2/access_token", params=params)
    assert response.status_code == 200
    data: dict[str, Any] = json.loads(response.content)
    return data


def userinfo(http: httpx.Client, url: str, **params: str) -> dict[str, Any]:
    response = http.get(f"{url}/sns/userinfo", params=params)
    data: dict[str, Any] = json.loads(response.content)
    return data


def test_a_registered_appid_picks_its_platform(http: httpx.Client, url: str) -> None:
    code = issue(http, url, appid=QQ[0], user="alice")
    assert qq(http, url, code)["errcode"] == 0


def test_qq_answers_like_qq(http: httpx.Client, url: str, emulator: Emulator) -> None:
    code = issue(http, url, user="alice", platform="qq")
    first = qq(http, url, code)
    assert first["errcode"] == 0
    assert first["openid"] == emulator.openid_for(QQ[0], "alice")
    assert first["unionid"] == emulator.unionid_for("alice", "qq")
    assert first["unionid"] != emulator.unionid_for("alice")  # not WeChat's
    assert emulator.session_key_for(QQ[0], first["openid"]) == first["session_key"]
    assert qq(http, url, code)["errcode"] == 40029  # used: QQ documents no other errcode
    assert qq(http, url, issue(http, url, user="b", platform="qq"), "wrong")["errcode"] == 40125


def test_douyin_answers_like_douyin(http: httpx.Client, url: str, emulator: Emulator) -> None:
    code = issue(http, url, user="alice", platform="douyin")
    first = douyin(http, url, code=code)
    assert (first["err_no"], first["err_tips"]) == (0, "success")
    assert first["data"]["openid"] == emulator.openid_for(DOUYIN[0], "alice")
    assert first["data"]["unionid"] == emulator.unionid_for("alice", "douyin")
    assert douyin(http, url, code=code)["err_no"] == 40018
    assert douyin(http, url)["err_no"] == 40014
    assert douyin(http, url, code="x", secret="wrong")["err_no"] == 40017
    assert douyin(http, url, code="x", appid="tt-unknown")["err_no"] == 40015
    not_json = http.post(f"{url}{DOUYIN_PREFIX}/api/apps/v2/jscode2session", content=b"{")
    assert not_json.json()["err_no"] == 40014


def test_baidu_answers_like_baidu(http: httpx.Client, url: str, emulator: Emulator) -> None:
    code = issue(http, url, user="alice", platform="baidu")
    first = baidu(http, url, 200, code=code)
    assert set(first) == {"openid", "session_key"}  # Baidu gives no unionid
    assert first["openid"] == emulator.openid_for(BAIDU[0], "alice")
    assert baidu(http, url, 400, code=code)["error"] == "invalid_grant"  # a code works once
    assert baidu(http, url, 400)["error"] == "invalid_request"
    assert baidu(http, url, 400, code="x", sk="wrong")["error"] == "invalid_client"
    assert baidu(http, url, 400, code="x", client_id="unknown")["error"] == "invalid_client"
    assert set(baidu(http, url, 400, code="x")) == {"error", "error_description"}


def test_kuaishou_answers_like_kuaishou(http: httpx.Client, url: str, emulator: Emulator) -> None:
    code = issue(http, url, user="alice", platform="kuaishou")
    first = kuaishou(http, url, js_code=code)
    assert set(first) == {"result", "open_id", "session_key"}  # no unionid
    assert (first["result"], first["open_id"]) == (1, emulator.openid_for(KUAISHOU[0], "alice"))
    assert kuaishou(http, url, js_code=code)["result"] == 100200105  # a code works once
    assert kuaishou(http, url)["result"] == 100200100
    assert kuaishou(http, url, js_code="x", app_secret="wrong")["result"] == 100200101
    assert set(kuaishou(http, url, js_code="x")) == {"result", "error_msg"}


def test_the_app_grant_and_userinfo(http: httpx.Client, url: str, emulator: Emulator) -> None:
    code = issue(http, url, user="alice", platform="wechat_app")
    grant = app_token(http, url, code)
    assert grant["openid"] == emulator.openid_for(APP[0], "alice")
    assert grant["unionid"] == emulator.unionid_for("alice")  # WeChat's, as the mini program's
    assert grant["scope"] == "snsapi_userinfo"
    assert app_token(http, url, code)["errcode"] == 40163
    assert app_token(http, url, "0" * 32)["errcode"] == 40029
    assert app_token(http, url, "0" * 32, secret="wrong")["errcode"] == 40125
    token, openid = grant["access_token"], grant["openid"]
    info = userinfo(http, url, access_token=token, openid=openid)
    assert (info["openid"], info["nickname"], info["unionid"]) == (
        openid,
        "alice",
        grant["unionid"],
    )
    assert userinfo(http, url, access_token=token, openid="other")["errcode"] == 40003
    assert userinfo(http, url, access_token="forged", openid=openid)["errcode"] == 40014
    assert userinfo(http, url, openid=openid)["errcode"] == 41001
    emulator.expire_access_tokens()
    assert userinfo(http, url, access_token=token, openid=openid)["errcode"] == 42001


def test_a_code_works_only_on_its_own_platform(http: httpx.Client, url: str) -> None:
    # The QQ app's code at the App endpoint (with the QQ appid, unknown to the App's host):
    code = issue(http, url, user="alice", platform="qq")
    params = {"appid": QQ[0], "secret": "x", "code": code, "grant_type": "authorization_code"}
    response = http.get(f"{url}/sns/oauth2/access_token", params=params)
    assert json.loads(response.content)["errcode"] == 40013  # not an App appid here
    assert qq(http, url, code)["errcode"] == 0


def test_open_mode_accepts_any_pair_but_keeps_platforms_apart(http: httpx.Client) -> None:
    with running_emulator() as (url, _):
        code = issue(http, url, appid="tt-any", user="alice", platform="douyin")
        response = http.get(
            f"{url}{QQ_PREFIX}/sns/jscode2session",
            params={"appid": "tt-any", "secret": "s", "js_code": code},
        )
        assert response.json()["errcode"] == 40029
        assert douyin(http, url, appid="tt-any", secret="s", code=code)["err_no"] == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"user": "a", "platform": "weibo"}, "unknown platform"),
        ({"appid": QQ[0], "user": "a", "platform": "douyin"}, "not a douyin app"),
        ({"user": "a", "platform": 5}, "unknown platform"),
        ({"appid": ["x"], "user": "a"}, "appid"),
    ],
)
def test_bad_platform_logins_are_400(
    http: httpx.Client, url: str, body: dict[str, Any], message: str
) -> None:
    response = http.post(f"{url}/_emulator/login", json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_a_fault_aimed_at_a_path_spares_the_others(
    http: httpx.Client, url: str, emulator: Emulator
) -> None:
    response = http.post(
        f"{url}/_emulator/faults", json={"errcode": -1, "path": "/sns/userinfo", "count": 1}
    )
    assert response.json()["path"] == "/sns/userinfo"
    grant = app_token(http, url, issue(http, url, user="alice", platform="wechat_app"))
    assert "access_token" in grant
    assert emulator.faults.count == 1
    info = userinfo(http, url, access_token=grant["access_token"], openid=grant["openid"])
    assert info["errcode"] == -1
    assert emulator.faults.count == 0
    assert http.post(f"{url}/_emulator/faults", json={"path": "nope"}).status_code == 400


def test_a_forced_error_speaks_douyins_shape(
    http: httpx.Client, url: str, emulator: Emulator
) -> None:
    emulator.set_faults(errcode=-1)
    answer = douyin(http, url, code="x")
    assert (answer["err_no"], answer["err_tips"]) == (-1, "system error")
    assert "errcode" not in answer


def test_app_tokens_expire_after_two_hours(http: httpx.Client) -> None:
    clock = MovableClock(1_700_000_000)
    with running_emulator(clock=clock) as (url, _):
        code = issue(http, url, appid="wx-app", user="alice", platform="wechat_app")
        params = {"appid": "wx-app", "secret": "s", "code": code}
        grant = http.get(f"{url}/sns/oauth2/access_token", params=params).json()
        query = {"access_token": grant["access_token"], "openid": grant["openid"]}
        assert "nickname" in userinfo(http, url, **query)
        clock.advance(7200)
        assert userinfo(http, url, **query)["errcode"] == 42001


def test_unknown_platform_apps_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown platform"):
        Emulator(platform_apps={"weibo": {"a": "b"}})
