"""Brute-force throttling of password logins over HTTP, on real servers (ASVS 4.0.3 2.2.1,
ASVS 5.0 6.1.1 / 6.3.1, 15.3.4): per account and client IP, per account from anywhere,
429 ``RATE_LIMITED`` with ``Retry-After`` before any hashing, no lockout of WeChat login;
the current password at a password change likewise, per user.

Counters live in Redis on the Redis backend and in SQL otherwise; the window tests move the
server's clock, which the SQL counters follow (Redis expires its own keys in real time).
The hasher is Argon2id at toy cost: these tests count attempts, not hashing strength.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from devtools.servers import RedisProcess
from tests.support.emulator import running_emulator
from tests.support.service import APPID, SECRET, Service, error_code_of
from wxsession.accounts.passwords import PasswordHasher
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings

REGISTER = "/v1/auth/password/register"
LOGIN = "/v1/auth/password/login"
GOOD = "correct horse 電池 staple"
WRONG = "not the password at all"
ATTACKER = "203.0.113.66"


class CountingHasher(PasswordHasher):
    """Cheap Argon2id that records each verification, to prove a refusal costs no hashing."""

    def __init__(self) -> None:
        super().__init__(concurrency=2, time_cost=1, memory_cost=64)
        self.verified = 0

    async def verify(self, stored: str, password: str) -> bool:
        self.verified += 1
        return await super().verify(stored, password)


def _start(make_service: Any, **overrides: Any) -> tuple[Service, CountingHasher]:
    """A server that believes X-Forwarded-For from loopback, so tests can play many IPs."""
    hasher = CountingHasher()
    options = {"trusted_proxies": "127.0.0.1", **overrides}
    service: Service = make_service(password_hasher=hasher, **options)
    return service, hasher


def _register(service: Service, name: str) -> None:
    response = service.http.post(REGISTER, json={"username": name, "password": GOOD})
    assert response.status_code == 201, response.text


def _login(service: Service, name: str, password: str, ip: str = ATTACKER) -> httpx.Response:
    body = {"username": name, "password": password}
    return service.http.post(LOGIN, json=body, headers={"X-Forwarded-For": ip})


def _retry_after(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert error_code_of(response) == "RATE_LIMITED"
    assert "session_id" not in response.text
    return int(response.headers["retry-after"])  # whole seconds, as the header requires


def test_v2_2_1_ten_failures_per_account_and_ip_then_429_before_any_hashing(
    make_service: Any,
) -> None:
    service, hasher = _start(make_service)  # the defaults: 10 per account and IP in 15 min
    _register(service, "victim")
    for _ in range(10):
        assert _login(service, "victim", WRONG).status_code == 401
    hasher.verified = 0
    locked = _login(service, "victim", GOOD)  # the right password does not help
    assert 890 <= _retry_after(locked) <= 901
    assert hasher.verified == 0

    # An unknown name is throttled the same way and answers byte for byte alike.
    for _ in range(10):
        assert error_code_of(_login(service, "nobody", WRONG)) == "INVALID_CREDENTIALS"
    unknown = _login(service, "nobody", GOOD)
    assert (unknown.status_code, unknown.content) == (locked.status_code, locked.content)
    assert 890 <= _retry_after(unknown) <= 901


def test_v2_2_1_a_parallel_burst_gets_no_more_guesses_than_the_limit(make_service: Any) -> None:
    service, hasher = _start(make_service)
    _register(service, "burst")
    hasher.verified = 0
    with ThreadPoolExecutor(max_workers=30) as pool:
        responses = list(pool.map(lambda _: _login(service, "burst", WRONG), range(30)))
    statuses = sorted(response.status_code for response in responses)
    # Every attempt takes its slot before hashing, so the ones still hashing count too.
    assert statuses == [401] * 10 + [429] * 20
    assert hasher.verified == 10


def test_v2_2_1_failures_count_for_the_normalised_account(make_service: Any) -> None:
    service, _ = _start(make_service, login_attempts_per_account_ip=3)
    _register(service, "alice")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "ALICE")
    for spelling in ("Alice", " alice ", full_width):
        assert _login(service, spelling, WRONG).status_code == 401
    assert _retry_after(_login(service, "ALICE", GOOD)) > 0


def test_v2_2_1_the_window_moves_with_the_clock(make_service: Any) -> None:
    # Counters in SQL (SQLite, or PostgreSQL on the other backend): they follow the clock.
    service, _ = _start(make_service, session_store="sql", login_attempts_per_account_ip=3)
    _register(service, "mover")
    assert _login(service, "mover", WRONG).status_code == 401  # t = 0
    service.clock.advance(400)
    for _ in range(2):
        assert _login(service, "mover", WRONG).status_code == 401  # t = 400, twice
    # Free again once the t = 0 failure is more than a window old: at t = 901.
    assert _retry_after(_login(service, "mover", GOOD)) == 501

    service.clock.advance(499)
    assert _retry_after(_login(service, "mover", GOOD)) == 2
    service.clock.advance(2)  # t = 901: one slot free, not three (a moving window)
    assert _login(service, "mover", WRONG).status_code == 401
    assert _retry_after(_login(service, "mover", GOOD)) == 400

    service.clock.advance(400)  # t = 1301: both t = 400 failures have left the window
    assert _login(service, "mover", GOOD).status_code == 200


def test_v2_2_1_at_most_100_failures_an_hour_per_account_from_rotating_ips(
    make_service: Any,
) -> None:
    service, hasher = _start(make_service, session_store="sql")  # the default account cap
    _register(service, "target")
    for attempt in range(100):
        ip = f"198.51.{attempt // 10}.{attempt % 10 + 1}"  # 10 IPs: under each pair limit
        assert _login(service, "target", WRONG, ip=ip).status_code == 401
    hasher.verified = 0
    fresh = _login(service, "target", GOOD, ip="192.0.2.200")  # the 101st, a new IP
    assert 3590 <= _retry_after(fresh) <= 3601
    assert hasher.verified == 0

    service.clock.advance(3601)
    assert _login(service, "target", GOOD, ip="192.0.2.200").status_code == 200


def test_only_failures_count_a_success_clears_the_account_ip_window(make_service: Any) -> None:
    limits = {"login_attempts_per_account_ip": 3, "login_attempts_per_account_hour": 6}
    service, _ = _start(make_service, **limits)
    _register(service, "steady")
    a, b, c = "192.0.2.1", "192.0.2.2", "192.0.2.3"
    for _ in range(2):
        assert _login(service, "steady", WRONG, a).status_code == 401
    assert _login(service, "steady", GOOD, a).status_code == 200
    for _ in range(3):  # the success cleared A's window: three more failures fit
        assert _login(service, "steady", WRONG, a).status_code == 401
    assert _retry_after(_login(service, "steady", GOOD, a)) > 0  # and they count

    # The account has 5 failures; the success above did not use one of its 6 slots...
    assert _login(service, "steady", GOOD, b).status_code == 200
    assert _login(service, "steady", WRONG, b).status_code == 401
    # ...nor did this one: the 6th failure fills the account's hour, from any IP.
    assert _retry_after(_login(service, "steady", GOOD, c)) > 3000


def test_an_attacker_cannot_lock_out_wechat_login_other_accounts_or_other_ips(
    make_service: Any,
) -> None:
    limits = {"login_attempts_per_account_ip": 3, "login_attempts_per_account_hour": 6}
    service, _ = _start(make_service, **limits)
    for name in ("victim", "bystander"):
        _register(service, name)
    for _ in range(3):
        assert _login(service, "victim", WRONG).status_code == 401
    assert _login(service, "victim", GOOD).status_code == 429

    # The attacker's IP is limited for this account only; the victim's own IP is not.
    assert _login(service, "bystander", GOOD).status_code == 200
    assert _login(service, "victim", GOOD, ip="192.0.2.10").status_code == 200

    # The attacker fills the account's hour from other IPs: password login waits...
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        assert _login(service, "victim", WRONG, ip=ip).status_code == 401
    assert _login(service, "victim", GOOD, ip="192.0.2.10").status_code == 429
    # ...but WeChat login is never throttled by password failures, from any IP.
    wechat = service.http.post(
        "/v1/auth/wechat/login",
        json={"code": service.wx_code("victim-on-wechat")},
        headers={"X-Forwarded-For": ATTACKER},
    )
    assert wechat.status_code == 200, wechat.text
    assert _login(service, "bystander", GOOD, ip="192.0.2.10").status_code == 200


def test_a5_15_3_4_spoofed_forwarded_for_from_an_untrusted_peer_does_not_split_the_count(
    make_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    service, _ = _start(make_service, trusted_proxies="", login_attempts_per_account_ip=3)
    _register(service, "spoofed")
    for n in range(3):
        assert _login(service, "spoofed", WRONG, ip=f"192.0.2.{n + 1}").status_code == 401
    assert _login(service, "spoofed", GOOD, ip="192.0.2.99").status_code == 429
    failures = [r for r in caplog.records if r.__dict__.get("event") == "login_failed"]
    assert {r.__dict__["audit"]["ip"] for r in failures} == {"127.0.0.1"}


def test_throttling_is_audited_and_counted_without_names_or_ips_in_the_store(
    make_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    service, _ = _start(make_service, login_attempts_per_account_ip=2)
    _register(service, "secretive")
    for _ in range(2):
        _login(service, "secretive", WRONG)
    assert _login(service, "secretive", GOOD).status_code == 429

    [throttled] = [r for r in caplog.records if r.__dict__.get("event") == "login_throttled"]
    fields = throttled.__dict__["audit"]
    assert fields["limit"] == "account_ip"
    assert fields["ip"] == ATTACKER
    assert fields["retry_after"] > 0
    assert len(fields["account"]) == 32  # a digest, never the name
    assert "secretive" not in throttled.getMessage()

    metrics = service.http.get("/metrics").text
    assert (
        'wxsession_logins_total{app="local",provider="password",result="RATE_LIMITED"} 1.0'
        in metrics
    )

    if service.settings.session_store == "sql":
        count = "SELECT count(*) FROM rate_limits"
        assert service.sql_scalar(count) == 2  # the account+IP window and the account's hour
        for clear in ("secretive", ATTACKER):
            assert service.sql_scalar(f"{count} WHERE key LIKE '%{clear}%'") == 0
        keys = []
    else:
        client = redis.Redis.from_url(service.settings.session_store, decode_responses=True)
        keys = list(client.scan_iter("wxs:throttle:*"))
        client.close()
        assert len(keys) == 2
    assert all(clear not in key for key in keys for clear in ("secretive", ATTACKER))


def _change(service: Service, token: str, current: str, ip: str = ATTACKER) -> httpx.Response:
    body = {"current_password": current, "new_password": "a brand new 密码 phrase"}
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": ip}
    return service.http.post("/v1/me/password", json=body, headers=headers)


def _session(service: Service, name: str, ip: str = ATTACKER) -> str:
    response = _login(service, name, GOOD, ip)
    assert response.status_code == 200, response.text
    token: str = response.json()["session_id"]
    return token


def test_v2_2_1_password_change_guesses_are_throttled_per_user_before_any_hashing(
    make_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A stolen session cannot guess the current password at ``POST /v1/me/password``."""
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    limits = {"login_attempts_per_account_ip": 3, "login_attempts_per_account_hour": 5}
    service, hasher = _start(make_service, **limits)
    for name in ("victim", "bystander"):
        _register(service, name)
    stolen, bystander = _session(service, "victim"), _session(service, "bystander")
    for _ in range(3):
        wrong = _change(service, stolen, WRONG)
        assert (wrong.status_code, error_code_of(wrong)) == (400, "CURRENT_PASSWORD_INCORRECT")
    hasher.verified = 0
    locked = _change(service, stolen, GOOD)  # the right password does not help
    assert 890 <= _retry_after(locked) <= 901
    assert hasher.verified == 0

    # Another IP gets the rest of the user's hour (5), then waits too, before any hashing.
    for ip in ("198.51.100.1", "198.51.100.2"):
        assert _change(service, stolen, WRONG, ip=ip).status_code == 400
    hasher.verified = 0
    assert _retry_after(_change(service, stolen, GOOD, ip="192.0.2.10")) > 3000
    assert hasher.verified == 0
    [throttled, *_] = [
        r.__dict__["audit"]
        for r in caplog.records
        if r.__dict__.get("event") == "password_change_failed"
        and r.__dict__["audit"]["reason"] == "RATE_LIMITED"
    ]
    assert (throttled["limit"], throttled["ip"]) == ("account_ip", ATTACKER)

    # Another user, from the attacker's IP too, is not affected, and the counts are not the
    # login's: the victim still signs in with the password, which nothing changed.
    changed = _change(service, bystander, GOOD)
    assert changed.status_code == 200, changed.text
    assert _login(service, "victim", GOOD).status_code == 200
    assert _login(service, "victim", "a brand new 密码 phrase").status_code == 401


def _unbind_with(service: Service, token: str, password: str, ip: str = ATTACKER) -> httpx.Response:
    body = {"reauth": {"password": password}}
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": ip}
    return service.http.request("DELETE", "/v1/me/identities/password", json=body, headers=headers)


def test_v2_2_1_reauthentication_passwords_count_with_the_password_change_per_user(
    make_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A stolen session cannot guess the password through a ``reauth`` proof either: wrong
    ones count in the password change's windows, and a full window is 429 before hashing."""
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    limits = {"login_attempts_per_account_ip": 3, "login_attempts_per_account_hour": 50}
    service, hasher = _start(make_service, **limits)
    _register(service, "victim")
    stolen = _session(service, "victim")
    for _ in range(2):
        wrong = _unbind_with(service, stolen, WRONG)
        assert (wrong.status_code, error_code_of(wrong)) == (401, "REAUTHENTICATION_FAILED")
    assert _change(service, stolen, WRONG).status_code == 400  # the third, at the change
    hasher.verified = 0
    for locked in (_unbind_with(service, stolen, GOOD), _change(service, stolen, GOOD)):
        assert 890 <= _retry_after(locked) <= 901  # the right password does not help
    assert hasher.verified == 0
    [throttled] = [
        r.__dict__["audit"]
        for r in caplog.records
        if r.__dict__.get("event") == "reauth_failed"
        and r.__dict__["audit"]["reason"] == "RATE_LIMITED"
    ]
    assert (throttled["limit"], throttled["ip"]) == ("account_ip", ATTACKER)
    # Nothing was unbound; the password login is not the change's count.
    assert _login(service, "victim", GOOD).status_code == 200


def test_limiter_store_down_fails_closed_without_hashing(
    own_redis: RedisProcess, tmp_path: Path
) -> None:
    hasher = CountingHasher()
    with running_emulator({APPID: SECRET}) as (emulator_url, _):
        settings = Settings(
            appid=APPID,
            secret=SECRET,
            wechat_api_base=emulator_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'users.db'}",
            session_store=own_redis.url,
        )
        app = create_app(settings, password_hasher=hasher)
        with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=15) as http:
            body = {"username": "downer", "password": GOOD}
            assert http.post(REGISTER, json=body).status_code == 201
            own_redis.kill()
            hasher.verified = 0
            for password in (WRONG, GOOD):
                body = {"username": "downer", "password": password}
                response = http.post(LOGIN, json=body)
                assert response.status_code == 503  # never 401, never a session
                assert error_code_of(response) == "SESSION_STORE_UNAVAILABLE"
                assert int(response.headers["retry-after"]) >= 1
            assert hasher.verified == 0
