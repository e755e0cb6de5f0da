"""The platform call shell's rules hold on both of its routes, against the emulator over real
HTTP: straight onto aiohttp's pool (production's client) and through httpx's own transport
(what a proxy, or dev mode's in-process emulator, goes through). The deadline, the 64 KiB
bound, unreachable → 503, non-2xx answers, and no query string in any log or error."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.support.platforms import BAIDU, MINI, TIMEOUT
from wxsession.core.errors import WxSessionError
from wxsession.core.platform_errors import WeChatError, WeChatUnavailable
from wxsession.emulator import Emulator
from wxsession.platforms.baidu import DEV_PREFIX as BAIDU_PREFIX
from wxsession.platforms.baidu.wire import session_key_request
from wxsession.platforms.http import MAX_BODY_BYTES, PlatformClient, PlatformHttp, encoded_body
from wxsession.platforms.wechat import api
from wxsession.platforms.wechat.client import make_http_client
from wxsession.platforms.wechat.wire import code2session_request
from wxsession.platforms.wire import PlatformRequest
from wxsession.server.background import free_port

APPID, SECRET = MINI  # served by the default emulator of tests/support/platforms.py
ROUTES = ["aiohttp", "httpx"]


def client_for(route: str, timeout: float = TIMEOUT) -> PlatformClient:
    """Production's client, or the same with httpx's own pool (as when a proxy is set)."""
    transport = httpx.AsyncHTTPTransport() if route == "httpx" else None
    return make_http_client(timeout, transport=transport)


@pytest.fixture(params=ROUTES)
async def http(request: pytest.FixtureRequest) -> AsyncIterator[PlatformClient]:
    async with client_for(request.param) as client:
        yield client


def shell(http: httpx.AsyncClient, base_url: str, timeout: float = TIMEOUT) -> PlatformHttp:
    return PlatformHttp(
        http,
        base_url,
        timeout=timeout,
        platform="WeChat",
        unavailable=WeChatUnavailable,
        malformed=WeChatError,
    )


def login(emulator: Emulator) -> tuple[str, PlatformRequest]:
    code = emulator.issue_code(APPID, "alice")
    return code, code2session_request(APPID, SECRET, code)


@pytest.mark.parametrize("route", ROUTES)
async def test_only_an_injected_transport_goes_through_httpx(
    route: str, served: tuple[str, Emulator], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with client_for(route) as http:
        assert (http.pool is None) == (route == "httpx")
        status, _ = await shell(http, served[0]).send(login(served[1])[1])
    assert status == 200
    through_httpx = [r for r in caplog.records if r.name == "httpx"]
    assert bool(through_httpx) == (route == "httpx")


async def test_query_and_json_body_reach_the_platform(
    http: PlatformClient, served: tuple[str, Emulator], emulator: Emulator
) -> None:
    platform = shell(http, served[0])
    status, body = await platform.send(login(emulator)[1])
    assert status == 200
    assert b'"openid"' in body  # appid, secret and code all arrived in the query
    token = api.parse_access_token(*await platform.send(api.stable_token_request(APPID, SECRET)))
    assert token.token  # the POST's JSON body arrived


async def test_a_form_body_reaches_the_platform(
    http: PlatformClient, served: tuple[str, Emulator], emulator: Emulator
) -> None:
    """Baidu's jscode2sessionkey reads an HTML form: code, AppKey and secret all arrive."""
    code = emulator.issue_code(BAIDU[0], "alice", "baidu")
    status, body = await shell(http, served[0] + BAIDU_PREFIX).send(
        session_key_request(*BAIDU, code)
    )
    assert (status, body.count(b'"openid"')) == (200, 1)


async def test_the_overall_deadline_bounds_a_call(
    http: PlatformClient, served: tuple[str, Emulator], emulator: Emulator
) -> None:
    emulator.set_faults(latency_ms=1000)
    with pytest.raises(WeChatUnavailable) as caught:
        await shell(http, served[0], timeout=0.1).send(login(emulator)[1])
    assert caught.value.status == 503
    assert type(caught.value.__cause__) is TimeoutError  # ours, not a read timeout (1 s)


@pytest.mark.parametrize("route", ROUTES)
async def test_the_clients_read_timeout_applies(
    route: str, served: tuple[str, Emulator], emulator: Emulator
) -> None:
    emulator.set_faults(latency_ms=1000)
    async with client_for(route, timeout=0.1) as http:
        with pytest.raises(WeChatUnavailable) as caught:
            await shell(http, served[0], timeout=5.0).send(login(emulator)[1])
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


async def test_an_answer_of_64_kib_is_read_one_byte_more_is_malformed(
    http: PlatformClient,
    served: tuple[str, Emulator],
    emulator: Emulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    platform = shell(http, served[0])
    emulator.set_faults(body="x" * MAX_BODY_BYTES)
    assert await platform.send(login(emulator)[1]) == (200, b"x" * MAX_BODY_BYTES)
    emulator.set_faults(body="x" * (MAX_BODY_BYTES + 1))
    with pytest.raises(WeChatError) as caught:
        await platform.send(login(emulator)[1])
    assert caught.value.status == 502
    assert "/sns/jscode2session answer is too large" in caplog.text


async def test_an_unreachable_platform_is_unavailable(http: PlatformClient) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(WeChatUnavailable) as caught:
        await shell(http, closed).send(code2session_request(APPID, SECRET, "c" * 32))
    assert caught.value.status == 503
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


async def test_a_non_2xx_answer_is_passed_on_and_logged_by_path(
    http: PlatformClient,
    served: tuple[str, Emulator],
    emulator: Emulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator.set_faults(status=500, body="busy")
    assert await shell(http, served[0]).send(login(emulator)[1]) == (500, b"busy")
    assert "WeChat /sns/jscode2session answered HTTP 500" in caplog.text


def _chain(error: BaseException | None) -> Iterator[BaseException]:
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


async def test_no_query_string_reaches_a_log_or_an_error(
    http: PlatformClient,
    served: tuple[str, Emulator],
    emulator: Emulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # root: httpx's, aiohttp's and our records
    codes: list[str] = []
    errors: list[BaseException] = []
    base_urls = [served[0]] * 3 + [f"http://127.0.0.1:{free_port()}"]
    faults: list[dict[str, Any]] = [
        {"latency_ms": 300},
        {"body": "x" * (MAX_BODY_BYTES + 1)},
        {"status": 502},
        {},
    ]
    for base_url, fault in zip(base_urls, faults, strict=True):
        emulator.set_faults(**fault)
        code, request = login(emulator)
        codes.append(code)
        try:
            status, _ = await shell(http, base_url, timeout=0.1).send(request)
        except WxSessionError as error:
            errors.extend(_chain(error))
        else:
            assert status == 502
    assert {type(e) for e in errors} >= {WeChatUnavailable, WeChatError, httpx.ConnectError}
    formatter = logging.Formatter()
    logged = [
        r.getMessage() + (formatter.formatException(r.exc_info) if r.exc_info else "")
        for r in caplog.records
    ]
    text = "\n".join(logged + [f"{e!s} {e!r}" for e in errors])
    assert "/sns/jscode2session" in text
    for secret in [SECRET, *codes, "secret=", "js_code="]:
        assert secret not in text


async def test_with_a_proxy_set_calls_go_through_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    async with make_http_client(TIMEOUT) as direct:
        assert direct.pool is not None
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # httpx routes through proxies
    async with make_http_client(TIMEOUT) as proxied:
        assert proxied.pool is None


@pytest.mark.parametrize(
    ("request_", "content", "content_type"),
    [
        (PlatformRequest("GET", "/x", params={"a": "1"}), None, None),
        (
            PlatformRequest("POST", "/x", body={"k": "码"}),
            '{"k":"码"}'.encode(),
            "application/json",
        ),
        (
            PlatformRequest("POST", "/x", form={"code": "a b&c=d", "sk": "码"}),
            b"code=a+b%26c%3Dd&sk=%E7%A0%81",
            "application/x-www-form-urlencoded",
        ),
        (
            PlatformRequest(
                "POST", "/x", content=b'{"a": 1}', headers={"Content-Type": "text/x-signed"}
            ),
            b'{"a": 1}',
            "text/x-signed",
        ),
        (
            PlatformRequest("POST", "/x", body={}, headers={"Content-Type": "application/x"}),
            b"{}",
            "application/x",
        ),
    ],
    ids=["none", "json", "form", "raw content", "own headers win"],
)
def test_a_body_is_encoded_with_its_content_type(
    request_: PlatformRequest, content: bytes | None, content_type: str | None
) -> None:
    encoded, headers = encoded_body(request_)
    assert encoded == content
    assert (headers or {}).get("Content-Type") == content_type
