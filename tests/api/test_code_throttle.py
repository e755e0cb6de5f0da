"""Code logins spend the platform's quota (issue 19), over HTTP on real servers and the emulator:
codes a platform refused are limited per client IP, checked before the platform is called
(429 ``RATE_LIMITED`` with ``Retry-After``; successes never count), and a platform that
answers 45011 or -1 is left alone for a while (503 with ``Retry-After``, no call).

Both through the WeChat mini program's fast path (``POST /v1/auth/wechat/login``) and through
``POST /v1/auth/qq/login``. The emulator counts the calls it receives, so "the platform was not
called" is what it saw. Counters live in Redis or SQL (``backend``); tests that move time use
SQL counters, which follow the server's clock, as the backoff does.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.servers import RedisProcess
from tests.api.test_login_routes import PATHS, PLATFORMS, platform_code
from tests.support.emulator import running_emulator
from tests.support.service import APPID, SECRET, Service, code_proof, error_code_of
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings

ATTACKER = "203.0.113.66"
NEIGHBOUR = "198.51.100.7"
JUNK = "0" * 32


@dataclass(frozen=True)
class Route:
    """One login route and the platform behind it, as the emulator names its path."""

    provider: str
    path: str
    emulator_path: str
    busy: str  # the platform's own 503 code
    invalid: str  # its code for a refused code

    def code(self, service: Service, user: str = "alice") -> str:
        if self.provider == "wechat":
            return service.wx_code(user)
        return platform_code(service, self.provider, user)


WECHAT = Route(
    "wechat",
    "/v1/auth/wechat/login",
    "/sns/jscode2session",
    "WECHAT_UNAVAILABLE",
    "WECHAT_CODE_INVALID",
)
QQ = Route("qq", "/v1/auth/qq/login", PATHS["qq"], "PROVIDER_UNAVAILABLE", "PROVIDER_CODE_INVALID")
ROUTES = [pytest.param(WECHAT, id="wechat-fast-path"), pytest.param(QQ, id="qq")]


def _start(make_service: Any, **overrides: Any) -> Service:
    """A server that believes X-Forwarded-For from loopback (tests play many IPs), with QQ."""
    service: Service = make_service(trusted_proxies="127.0.0.1", **PLATFORMS["qq"], **overrides)
    return service


def _login(service: Service, route: Route, code: str, ip: str = ATTACKER) -> httpx.Response:
    return service.http.post(route.path, json={"code": code}, headers={"X-Forwarded-For": ip})


def _calls(service: Service, route: Route) -> int:
    return service.emulator.calls[route.emulator_path]


def _throttled(response: httpx.Response, window: int) -> int:
    assert response.status_code == 429, response.text
    assert error_code_of(response) == "RATE_LIMITED"
    assert "session_id" not in response.text
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= window + 1
    return retry_after


@pytest.mark.parametrize("route", ROUTES)
def test_junk_codes_from_one_ip_are_refused_before_the_platform_is_called(
    make_service: Any, route: Route
) -> None:
    service = _start(make_service, code_login_failures_per_ip=5)
    for _ in range(5):
        refused = _login(service, route, JUNK)
        assert (refused.status_code, error_code_of(refused)) == (401, route.invalid)
    assert _calls(service, route) == 5

    _throttled(_login(service, route, JUNK), window=600)
    _throttled(_login(service, route, route.code(service)), window=600)  # a good code too
    assert _calls(service, route) == 5  # the platform saw neither

    # Another IP is unaffected, for good codes and for its own failures.
    assert _login(service, route, route.code(service, "bob"), ip=NEIGHBOUR).status_code == 200
    assert _login(service, route, JUNK, ip=NEIGHBOUR).status_code == 401
    # The limit is per client IP whichever platform: the attacker's QQ or WeChat logins too,
    # and binding a code to a signed-in account from there.
    other = QQ if route is WECHAT else WECHAT
    _throttled(_login(service, other, other.code(service)), window=600)
    before = _calls(service, route) + _calls(service, other)
    token = service.session_for("mallory")  # signed in from another address
    bind = service.http.post(
        f"/v1/me/identities/{other.provider}",
        json={"code": other.code(service, "mallory"), "reauth": code_proof(service, "mallory")},
        headers={"X-Forwarded-For": ATTACKER, "Authorization": f"Bearer {token}"},
    )
    _throttled(bind, window=600)  # the proof's code, the first one exchanged, already is
    assert _calls(service, route) + _calls(service, other) == before + 1  # the login only


@pytest.mark.parametrize("route", ROUTES)
def test_successes_never_count(make_service: Any, route: Route) -> None:
    service = _start(make_service, code_login_failures_per_ip=3)
    for n in range(8):  # a carrier-grade NAT: many users, one IP
        assert _login(service, route, route.code(service, f"user-{n}")).status_code == 200
    for _ in range(2):
        assert _login(service, route, JUNK).status_code == 401
    # The IP has failures now, so its logins are checked at the store: still only failures
    # count, whether the login succeeds or the platform refuses it.
    for n in range(5):
        assert _login(service, route, route.code(service, f"later-{n}")).status_code == 200
    assert _login(service, route, JUNK).status_code == 401  # the third failure
    before = _calls(service, route)
    _throttled(_login(service, route, route.code(service)), window=600)
    assert _calls(service, route) == before


@pytest.mark.parametrize("route", ROUTES)
def test_a_parallel_burst_of_junk_gets_no_more_calls_than_the_limit(
    make_service: Any, route: Route
) -> None:
    service = _start(make_service, code_login_failures_per_ip=5)
    assert _login(service, route, JUNK).status_code == 401  # the network is a suspect now
    service.emulator.set_faults(latency_ms=150)  # so that the burst overlaps
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda _: _login(service, route, JUNK), range(20)))
    statuses = [response.status_code for response in responses]
    assert set(statuses) == {401, 429}, statuses
    # Every login of a suspect network goes through the shared counter first: the burst
    # gets what is left of the limit (4), not 20 calls.
    assert _calls(service, route) == 5
    assert statuses.count(401) == 4


@pytest.mark.parametrize("route", ROUTES)
def test_parallel_good_logins_from_one_network_never_count(make_service: Any, route: Route) -> None:
    """A carrier-grade NAT: many users behind one address log in at once. However many are
    at the platform together, none is refused: only refused codes count."""
    service = _start(make_service, code_login_failures_per_ip=5)
    codes = [route.code(service, f"nat-{n}") for n in range(40)]
    service.emulator.set_faults(latency_ms=150)  # forty logins at the platform together
    with ThreadPoolExecutor(max_workers=40) as pool:
        responses = list(pool.map(lambda code: _login(service, route, code), codes))
    assert [response.status_code for response in responses] == [200] * 40


def test_the_window_moves_with_the_clock_and_ipv6_counts_by_its_64(make_service: Any) -> None:
    service = _start(make_service, session_store="sql", code_login_failures_per_ip=2)
    first, second = "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe"
    assert _login(service, QQ, JUNK, ip=first).status_code == 401  # t = 0
    service.clock.advance(300)
    assert _login(service, WECHAT, JUNK, ip=second).status_code == 401  # t = 300, same /64
    assert _throttled(_login(service, QQ, QQ.code(service), ip=first), window=600) == 301
    assert _login(service, QQ, QQ.code(service), ip="2001:db8:1:3::1").status_code == 200

    service.clock.advance(301)  # t = 601: the first failure has left the window
    assert _login(service, QQ, QQ.code(service), ip=second).status_code == 200


def test_throttling_is_audited_and_counted(
    make_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    service = _start(make_service, code_login_failures_per_ip=1)
    assert _login(service, QQ, JUNK).status_code == 401
    _throttled(_login(service, QQ, JUNK), window=600)
    [event] = [r for r in caplog.records if r.__dict__.get("event") == "login_throttled"]
    fields = event.__dict__["audit"]
    assert (fields["provider"], fields["limit"], fields["ip"]) == ("qq", "code_ip", ATTACKER)
    assert fields["retry_after"] > 0
    metrics = service.http.get("/metrics").text
    qq_app = PLATFORMS["qq"]["qq_appid"]
    counted = f'wxsession_logins_total{{app="{qq_app}",provider="qq",result="RATE_LIMITED"}} 1.0'
    assert counted in metrics


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # in-process state: any store
@pytest.mark.parametrize("route", ROUTES)
def test_a_busy_platform_is_left_alone_for_a_while_then_used_again(
    make_service: Any, route: Route
) -> None:
    service = _start(make_service)  # backoff 5 s, doubling up to 60 s
    service.emulator.set_faults(errcode=45011, count=1, path=route.emulator_path)
    quota = _login(service, route, route.code(service))
    assert (quota.status_code, error_code_of(quota)) == (429, "RATE_LIMITED")
    assert quota.headers["retry-after"] == "60"  # 45011: WeChat's quota is per minute
    assert _calls(service, route) == 1

    for wait in ("5", "5"):
        held = _login(service, route, route.code(service))
        assert (held.status_code, error_code_of(held)) == (503, route.busy)
        assert held.headers["retry-after"] == wait
        assert "session_id" not in held.text
    service.clock.advance(3)
    assert _login(service, route, route.code(service)).headers["retry-after"] == "2"
    assert _calls(service, route) == 1  # none of them reached the platform

    # Another platform of the same service is not held back.
    other = QQ if route is WECHAT else WECHAT
    assert _login(service, other, other.code(service)).status_code == 200

    service.clock.advance(2.5)
    assert _login(service, route, route.code(service)).status_code == 200
    assert _calls(service, route) == 2

    # Busy again soon after: "system busy" (-1) backs off too, twice as long now.
    service.emulator.set_faults(errcode=-1, count=1, path=route.emulator_path)
    busy = _login(service, route, route.code(service))
    assert (busy.status_code, error_code_of(busy)) == (503, route.busy)
    assert busy.headers["retry-after"] == "10"
    assert _login(service, route, route.code(service)).headers["retry-after"] == "10"
    service.clock.advance(10.5)
    assert _login(service, route, route.code(service)).status_code == 200
    assert _calls(service, route) == 4


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_backoff_zero_passes_every_login_through(make_service: Any) -> None:
    service = _start(make_service, platform_backoff_seconds=0)
    service.emulator.set_faults(errcode=-1, count=1, path=QQ.emulator_path)
    assert _login(service, QQ, QQ.code(service)).headers["retry-after"] == "1"
    assert _login(service, QQ, QQ.code(service)).status_code == 200


def test_a_counter_store_down_fails_closed_before_the_platform_is_called(
    own_redis: RedisProcess, tmp_path: Path
) -> None:
    with running_emulator({APPID: SECRET}) as (emulator_url, emulator):
        settings = Settings(
            appid=APPID,
            secret=SECRET,
            wechat_api_base=emulator_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'users.db'}",
            session_store=own_redis.url,
        )
        with (
            serve_in_thread(create_app(settings)) as url,
            httpx.Client(base_url=url, timeout=15) as http,
        ):
            assert http.post(WECHAT.path, json={"code": JUNK}).status_code == 401
            own_redis.kill()  # this IP has a failure: its next login is checked first
            code = emulator.issue_code(APPID, "carol")
            response = http.post(WECHAT.path, json={"code": code})
            assert response.status_code == 503  # never a pass, never a session
            assert error_code_of(response) == "SESSION_STORE_UNAVAILABLE"
            assert int(response.headers["retry-after"]) >= 1
            assert emulator.calls[WECHAT.emulator_path] == 1
