"""The emulator over real HTTP: WeChat's jscode2session behaviour, fault injection, controls."""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.clock import MovableClock
from tests.support.emulator import running_emulator
from wxsession.emulator import CODE_TTL, Emulator, parse_app_option, parse_app_options
from wxsession.platforms.wechat import emulated as wechat

APP_A = "wxa1a1a1a1a1a1a1a1"
SECRET_A = "secret-of-app-a-0123456789abcdef"
APP_B = "wxb2b2b2b2b2b2b2b2"
SECRET_B = "secret-of-app-b-0123456789abcdef"
APPS = {APP_A: SECRET_A, APP_B: SECRET_B}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Emulator]]:
    """One emulator for the tests that need nothing special (faults reset after each)."""
    with running_emulator(APPS, default_appid=APP_A) as pair:
        yield pair


@dataclass
class Wx:
    """Plays the mini program (wx.login) and our server (jscode2session) against one URL."""

    url: str
    http: httpx.Client

    def login(self, user: str, appid: str | None = APP_A) -> str:
        payload = {"user": user} if appid is None else {"appid": appid, "user": user}
        response = self.http.post(f"{self.url}/_emulator/login", json=payload)
        assert response.status_code == 200, response.text
        code: str = response.json()["code"]
        return code

    def exchange(
        self, code: str | None, appid: str = APP_A, secret: str | None = None, **extra: str
    ) -> httpx.Response:
        params = {"appid": appid, "secret": secret or APPS.get(appid, "x"), **extra}
        if code is not None:
            params["js_code"] = code
        params.setdefault("grant_type", "authorization_code")
        return self.http.get(f"{self.url}/sns/jscode2session", params=params)


@pytest.fixture
def wx(url: str, http: httpx.Client) -> Wx:
    return Wx(url, http)


def answer(response: httpx.Response) -> dict[str, Any]:
    """WeChat's body: JSON labelled text/plain, HTTP 200 even for errcodes."""
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    data: dict[str, Any] = json.loads(response.content)
    return data


def errcode(response: httpx.Response) -> int | None:
    return answer(response).get("errcode")


# -- codes --------------------------------------------------------------------------------


def test_code_looks_like_wechats_and_is_fresh_each_time(wx: Wx) -> None:
    codes = {wx.login("alice") for _ in range(5)}
    assert len(codes) == 5
    for code in codes:
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", code)


def test_code_exchanges_once_then_is_used(wx: Wx) -> None:
    code = wx.login("alice")
    first = answer(wx.exchange(code))
    assert set(first) == {"openid", "session_key"}
    second = answer(wx.exchange(code))
    assert second["errcode"] == 40163
    assert re.fullmatch(
        r"code been used, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}", second["errmsg"]
    )
    assert errcode(wx.exchange(code)) == 40163


def test_unknown_code_is_40029(wx: Wx) -> None:
    assert errcode(wx.exchange("0" * 32)) == 40029


def test_code_of_another_appid_is_40029_and_stays_usable_for_its_own(wx: Wx) -> None:
    code = wx.login("alice", appid=APP_A)
    assert errcode(wx.exchange(code, appid=APP_B)) == 40029
    assert "openid" in answer(wx.exchange(code, appid=APP_A))


def test_code_expires_after_five_minutes(http: httpx.Client) -> None:
    clock = MovableClock(1_700_000_000)
    with running_emulator(APPS, clock=clock) as (url, _):
        wx = Wx(url, http)
        late = wx.login("alice")
        in_time = wx.login("alice")
        clock.advance(CODE_TTL - 1)
        assert "openid" in answer(wx.exchange(in_time))
        clock.advance(2)
        assert errcode(wx.exchange(late)) == 40029
        fresh = wx.login("alice")
        assert "openid" in answer(wx.exchange(fresh))


def test_unknown_appid_is_40013(wx: Wx) -> None:
    assert errcode(wx.exchange("0" * 32, appid="wxunknown000000000", secret="x")) == 40013


def test_wrong_secret_is_40125_and_does_not_spend_the_code(wx: Wx) -> None:
    code = wx.login("alice")
    assert errcode(wx.exchange(code, secret="wrong-secret")) == 40125
    assert "openid" in answer(wx.exchange(code))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"secret": SECRET_A, "js_code": "c"}, 41002),
        ({"appid": APP_A, "js_code": "c"}, 41004),
        ({"appid": APP_A, "secret": SECRET_A}, 41008),
        ({"appid": "", "secret": SECRET_A, "js_code": "c"}, 41002),
    ],
)
def test_missing_parameters(wx: Wx, params: dict[str, str], expected: int) -> None:
    response = wx.http.get(f"{wx.url}/sns/jscode2session", params=params)
    assert errcode(response) == expected


def test_unknown_parameters_are_ignored(wx: Wx) -> None:
    code = wx.login("alice")
    assert "openid" in answer(wx.exchange(code, access_token="ACCESS_TOKEN", lang="zh_CN"))


def test_any_appid_and_secret_are_accepted_when_no_app_is_registered(http: httpx.Client) -> None:
    with running_emulator() as (url, _):
        wx = Wx(url, http)
        code = wx.login("alice", appid="wxanything00000000")
        assert "openid" in answer(wx.exchange(code, appid="wxanything00000000", secret="any"))
        missing = wx.http.post(f"{wx.url}/_emulator/login", json={"user": "alice"})
        assert missing.status_code == 400


def test_concurrent_exchanges_of_one_code_succeed_exactly_once() -> None:
    emulator = Emulator(APPS)
    code = emulator.issue_code(APP_A, "alice")
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(16)

    def race() -> None:
        barrier.wait()
        results.append(wechat.exchange(emulator, APP_A, SECRET_A, code))

    threads = [threading.Thread(target=race) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum("openid" in result for result in results) == 1
    assert sum(result.get("errcode") == 40163 for result in results) == 15


# -- identities ---------------------------------------------------------------------------


def test_openid_is_stable_per_app_and_user(wx: Wx) -> None:
    def openid(user: str, appid: str) -> str:
        value: str = answer(wx.exchange(wx.login(user, appid), appid=appid))["openid"]
        return value

    alice_a = openid("alice", APP_A)
    assert openid("alice", APP_A) == alice_a
    assert re.fullmatch(r"o[A-Za-z0-9_-]{27}", alice_a)
    assert openid("alice", APP_B) != alice_a
    assert openid("bob", APP_A) != alice_a


def test_openid_does_not_depend_on_the_server_instance() -> None:
    one, two = Emulator(APPS), Emulator({APP_A: "other"})
    assert one.openid_for(APP_A, "alice") == two.openid_for(APP_A, "alice")
    assert Emulator(seed="other").openid_for(APP_A, "alice") != one.openid_for(APP_A, "alice")


def test_unionid_is_the_same_across_apps_when_enabled(http: httpx.Client) -> None:
    with running_emulator(APPS, unionid=True) as (url, _):
        wx = Wx(url, http)
        alice_a = answer(wx.exchange(wx.login("alice", APP_A), appid=APP_A))
        alice_b = answer(wx.exchange(wx.login("alice", APP_B), appid=APP_B))
        bob_a = answer(wx.exchange(wx.login("bob", APP_A), appid=APP_A))
    assert alice_a["openid"] != alice_b["openid"]
    assert alice_a["unionid"] == alice_b["unionid"]
    assert bob_a["unionid"] != alice_a["unionid"]
    assert alice_a["unionid"] not in (alice_a["openid"], alice_b["openid"])


def test_unionid_is_absent_when_disabled(wx: Wx) -> None:
    assert "unionid" not in answer(wx.exchange(wx.login("alice")))


def test_session_key_is_fresh_per_code_and_the_newest_is_kept(wx: Wx, emulator: Emulator) -> None:
    first = answer(wx.exchange(wx.login("carol")))
    second = answer(wx.exchange(wx.login("carol")))
    assert first["openid"] == second["openid"]
    assert first["session_key"] != second["session_key"]
    for key in (first["session_key"], second["session_key"]):
        assert len(key) == 24
        assert len(base64.b64decode(key, validate=True)) == 16
    assert emulator.session_key_for(APP_A, first["openid"]) == second["session_key"]
    issued = emulator.issued_for("carol")
    assert (issued.appid, issued.openid, issued.session_key, issued.unionid) == (
        APP_A,
        second["openid"],
        second["session_key"],
        None,
    )
    with pytest.raises(KeyError):
        emulator.issued_for("nobody")


# -- faults -------------------------------------------------------------------------------


def test_forced_errcode_answers_exactly_count_calls_then_the_real_answer(
    wx: Wx, emulator: Emulator
) -> None:
    code = wx.login("dave")
    emulator.set_faults(errcode=-1, count=2)
    first = answer(wx.exchange(code))
    assert first["errcode"] == -1
    assert first["errmsg"].startswith("system error, rid: ")
    assert emulator.faults.count == 1
    assert errcode(wx.exchange(code)) == -1
    assert "openid" in answer(wx.exchange(code))  # forced answers did not spend the code
    assert emulator.faults.count == 0


def test_garbage_body_fault(wx: Wx, emulator: Emulator) -> None:
    emulator.set_faults(body="<html>502 Bad Gateway</html>")
    response = wx.exchange(wx.login("erin"))
    assert response.status_code == 200
    assert response.text == "<html>502 Bad Gateway</html>"


def test_http_status_fault(wx: Wx, emulator: Emulator) -> None:
    emulator.set_faults(status=500)
    response = wx.exchange(wx.login("erin"))
    assert response.status_code == 500
    assert "500" in response.text
    assert errcode(wx.exchange("0" * 32)) == 40029


def test_latency_applies_to_every_call_until_reset(wx: Wx, emulator: Emulator) -> None:
    emulator.set_faults(latency_ms=300)
    for _ in range(2):
        started = time.perf_counter()
        assert errcode(wx.exchange("0" * 32)) == 40029
        assert time.perf_counter() - started >= 0.3
    emulator.reset_faults()
    started = time.perf_counter()
    wx.exchange("0" * 32)
    assert time.perf_counter() - started < 0.3


def test_a_slow_call_in_flight_does_not_take_a_later_fault(wx: Wx, emulator: Emulator) -> None:
    emulator.set_faults(latency_ms=400)
    slow: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: slow.append(wx.exchange("0" * 32)))
    thread.start()
    time.sleep(0.1)  # the slow call has arrived and is waiting out its latency
    emulator.set_faults(errcode=-1)
    assert errcode(wx.exchange("0" * 32)) == -1
    thread.join()
    assert errcode(slow[0]) == 40029


def test_faults_over_http(wx: Wx) -> None:
    assert wx.http.get(f"{wx.url}/_emulator/faults").json() == {
        "latency_ms": 0,
        "errcode": None,
        "count": 0,
        "body": None,
        "status": 200,
        "path": None,
    }
    set_ = wx.http.post(f"{wx.url}/_emulator/faults", json={"errcode": 45011, "count": 3})
    assert set_.status_code == 200
    assert set_.json()["errcode"] == 45011
    assert set_.json()["count"] == 3
    assert errcode(wx.exchange("0" * 32)) == 45011
    assert wx.http.get(f"{wx.url}/_emulator/faults").json()["count"] == 2
    reset = wx.http.delete(f"{wx.url}/_emulator/faults")
    assert reset.status_code == 200
    assert reset.json()["count"] == 0
    assert errcode(wx.exchange("0" * 32)) == 40029
    word = wx.http.post(f"{wx.url}/_emulator/faults", json={"errcode": "invalid_client"})
    assert word.json()["errcode"] == "invalid_client"  # for platforms whose codes are words


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[1, 2]",
        b"[" * 100_000,
        b'{"latency": 5}',
        b'{"latency_ms": "5"}',
        b'{"latency_ms": true}',
        b'{"latency_ms": -1}',
        b'{"count": 0, "errcode": -1}',
        b'{"status": 99}',
        b'{"errcode": -1, "body": "x"}',
        b'{"errcode": 1.5}',
    ],
)
def test_bad_fault_requests_are_400(wx: Wx, content: bytes) -> None:
    response = httpx.post(
        f"{wx.url}/_emulator/faults", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)


# -- control routes -----------------------------------------------------------------------


def test_login_defaults_to_the_default_appid(wx: Wx) -> None:
    code = wx.login("frank", appid=None)
    assert "openid" in answer(wx.exchange(code, appid=APP_A))


def test_login_defaults_to_the_only_registered_app(http: httpx.Client) -> None:
    with running_emulator({APP_B: SECRET_B}) as (url, _):
        wx = Wx(url, http)
        code = wx.login("frank", appid=None)
        assert "openid" in answer(wx.exchange(code, appid=APP_B))


def test_login_without_appid_and_no_default_is_400(http: httpx.Client) -> None:
    with running_emulator(APPS) as (url, _):
        wx = Wx(url, http)
        response = wx.http.post(f"{wx.url}/_emulator/login", json={"user": "frank"})
        assert response.status_code == 400
        assert "appid" in response.json()["error"]


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"",
        b"[]",
        b'"alice"',
        b"{" * 50_000,
        b"{}",
        b'{"user": ""}',
        b'{"user": 42}',
        b'{"user": null}',
        b'{"user": "' + b"u" * 65 + b'"}',
        b'{"user": "alice", "appid": "wxunknown000000000"}',
        b'{"user": "alice", "appid": 7}',
        b'{"user": "alice", "openid": "oX"}',
    ],
)
def test_bad_login_requests_are_400(wx: Wx, content: bytes) -> None:
    response = httpx.post(
        f"{wx.url}/_emulator/login", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)


def test_user_of_64_characters_is_accepted(wx: Wx, emulator: Emulator) -> None:
    answer = wx.exchange(wx.login("u" * 64)).json()
    assert answer["openid"] == emulator.openid_for(APP_A, "u" * 64)


def test_health(wx: Wx) -> None:
    response = wx.http.get(f"{wx.url}/_emulator/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_emulator_logs_neither_secrets_nor_codes(
    wx: Wx, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    code = wx.login("grace")
    ok = answer(wx.exchange(code))
    wx.exchange(code)
    wx.exchange(code, secret="wrong-secret-value")
    emulator.set_faults(errcode=40226)
    wx.exchange(code)
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "/sns/jscode2session" in text
    for secret in (SECRET_A, "wrong-secret-value", code, ok["openid"], ok["session_key"]):
        assert secret not in text


# -- construction and the CLI option ------------------------------------------------------


def test_default_appid_must_be_registered() -> None:
    with pytest.raises(ValueError, match="default_appid"):
        Emulator(APPS, default_appid="wxother")


def test_parse_app_option() -> None:
    assert parse_app_option("wx123:s3cret") == ("wx123", "s3cret")
    assert parse_app_option("wx123:with:colons") == ("wx123", "with:colons")


@pytest.mark.parametrize("option", ["", "wx123", "wx123:", ":s3cret", "wx 123:s3cret"])
def test_parse_app_option_refuses_without_echoing_the_value(option: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_app_option(option)
    assert "s3cret" not in str(caught.value)


def test_one_option_may_register_several_apps() -> None:
    assert parse_app_options("wxa:sa, wxb:sb,") == {"wxa": "sa", "wxb": "sb"}
    for option in ("wxa:s3cret,wxa:s3cret", " , ", "wxa:s3cret,wxb"):
        with pytest.raises(ValueError) as caught:
            parse_app_options(option)
        assert "s3cret" not in str(caught.value)
