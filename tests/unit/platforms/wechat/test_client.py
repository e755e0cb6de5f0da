"""WeChatClient against the emulator over real HTTP: answers, errcodes, outages and logs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from tests.support.emulator import running_emulator
from wxsession.core.errors import RateLimited, WxSessionError
from wxsession.core.platform_errors import (
    WeChatCodeInvalid,
    WeChatCodeUsed,
    WeChatError,
    WeChatMisconfigured,
    WeChatUnavailable,
    WeChatUserBlocked,
)
from wxsession.emulator import Emulator, create_emulator_app
from wxsession.platforms.http import DropQueryStrings, install_log_filter
from wxsession.platforms.wechat.client import WeChatClient, make_http_client
from wxsession.server.background import free_port

APPID = "wx5e1f0c3a9b7d2e46"
SECRET = "client-test-secret-9c1e5b2d4f607f3a"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Emulator]]:
    with running_emulator({APPID: SECRET}) as pair:
        yield pair


@pytest.fixture
def emulator(served: tuple[str, Emulator]) -> Iterator[Emulator]:
    yield served[1]
    served[1].reset_faults()


@pytest.fixture
def base_url(served: tuple[str, Emulator]) -> str:
    return served[0]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(2.0) as client:
        yield client


@pytest.fixture
def client(http: httpx.AsyncClient, base_url: str, emulator: Emulator) -> WeChatClient:
    return WeChatClient(http, APPID, SecretStr(SECRET), base_url=base_url)


async def test_success(client: WeChatClient, emulator: Emulator) -> None:
    result = await client.code2session(emulator.issue_code(APPID, "alice"))
    issued = emulator.issued_for("alice")
    assert result.openid == issued.openid
    assert result.session_key == issued.session_key
    assert result.unionid is None


async def test_success_with_unionid(
    client: WeChatClient, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emulator, "unionid", True)
    result = await client.code2session(emulator.issue_code(APPID, "bob"))
    assert result.unionid == emulator.unionid_for("bob")


async def test_trailing_slash_in_base_url(
    http: httpx.AsyncClient, base_url: str, emulator: Emulator
) -> None:
    client = WeChatClient(http, APPID, SecretStr(SECRET), base_url=base_url + "/")
    assert (await client.code2session(emulator.issue_code(APPID, "alice"))).openid


ERRCODES = [
    (40029, WeChatCodeInvalid, "WECHAT_CODE_INVALID", 401),
    (41008, WeChatCodeInvalid, "WECHAT_CODE_INVALID", 401),
    (40163, WeChatCodeUsed, "WECHAT_CODE_USED", 401),
    (45011, RateLimited, "RATE_LIMITED", 429),
    (40226, WeChatUserBlocked, "WECHAT_USER_BLOCKED", 403),
    (-1, WeChatUnavailable, "WECHAT_UNAVAILABLE", 503),
    (40013, WeChatMisconfigured, "WECHAT_MISCONFIGURED", 502),
    (40125, WeChatMisconfigured, "WECHAT_MISCONFIGURED", 502),
    (41002, WeChatMisconfigured, "WECHAT_MISCONFIGURED", 502),
    (41004, WeChatMisconfigured, "WECHAT_MISCONFIGURED", 502),
    (99999, WeChatError, "WECHAT_ERROR", 502),
]


@pytest.mark.parametrize(("errcode", "error_class", "code", "status"), ERRCODES)
async def test_every_errcode_maps_to_its_error(
    client: WeChatClient,
    emulator: Emulator,
    errcode: int,
    error_class: type[WxSessionError],
    code: str,
    status: int,
) -> None:
    emulator.set_faults(errcode=errcode)
    with pytest.raises(error_class) as caught:
        await client.code2session(emulator.issue_code(APPID, "carol"))
    assert type(caught.value) is error_class
    assert caught.value.code == code
    assert caught.value.status == status
    assert "rid" not in caught.value.message
    if status in (429, 503):
        assert int(caught.value.headers["Retry-After"]) > 0


async def test_real_unknown_and_reused_codes(client: WeChatClient, emulator: Emulator) -> None:
    with pytest.raises(WeChatCodeInvalid):
        await client.code2session("0" * 32)
    code = emulator.issue_code(APPID, "dave")
    await client.code2session(code)
    with pytest.raises(WeChatCodeUsed):
        await client.code2session(code)


async def test_real_wrong_credentials_are_misconfiguration(
    http: httpx.AsyncClient, base_url: str, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    code = emulator.issue_code(APPID, "erin")
    wrong_secret = WeChatClient(http, APPID, SecretStr("not-the-secret"), base_url=base_url)
    with pytest.raises(WeChatMisconfigured):
        await wrong_secret.code2session(code)
    wrong_appid = WeChatClient(http, "wxwrong00000000000", SecretStr(SECRET), base_url=base_url)
    with pytest.raises(WeChatMisconfigured):
        await wrong_appid.code2session(code)
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [("40125" in r.getMessage(), "40013" in r.getMessage()) for r in loud] == [
        (True, False),
        (False, True),
    ]


async def test_timeout_is_unavailable(base_url: str, emulator: Emulator) -> None:
    emulator.set_faults(latency_ms=500)
    async with make_http_client(0.1) as http:
        client = WeChatClient(http, APPID, SecretStr(SECRET), base_url=base_url)
        with pytest.raises(WeChatUnavailable) as caught:
            await client.code2session(emulator.issue_code(APPID, "frank"))
    assert isinstance(caught.value.__cause__, httpx.TimeoutException | TimeoutError)


async def test_httpx_read_timeout_is_unavailable(base_url: str, emulator: Emulator) -> None:
    emulator.set_faults(latency_ms=500)
    async with make_http_client(0.1) as http:
        client = WeChatClient(http, APPID, SecretStr(SECRET), base_url=base_url, timeout=5)
        with pytest.raises(WeChatUnavailable) as caught:
            await client.code2session(emulator.issue_code(APPID, "frank"))
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


async def test_overall_deadline_is_unavailable(
    http: httpx.AsyncClient, base_url: str, emulator: Emulator
) -> None:
    emulator.set_faults(latency_ms=500)
    client = WeChatClient(http, APPID, SecretStr(SECRET), base_url=base_url, timeout=0.1)
    with pytest.raises(WeChatUnavailable) as caught:
        await client.code2session(emulator.issue_code(APPID, "frank"))
    assert isinstance(caught.value.__cause__, TimeoutError)


async def test_deadline_holds_in_process_where_httpx_timeouts_do_not(
    emulator: Emulator,
) -> None:
    # Dev mode reaches the emulator through ASGITransport, which ignores httpx's timeouts.
    emulator.set_faults(latency_ms=2000)
    transport = httpx.ASGITransport(app=create_emulator_app(emulator))
    async with make_http_client(0.1, transport=transport) as http:
        client = WeChatClient(http, APPID, SecretStr(SECRET), base_url="http://emulator.invalid")
        with pytest.raises(WeChatUnavailable) as caught:
            await client.code2session(emulator.issue_code(APPID, "frank"))
    assert isinstance(caught.value.__cause__, TimeoutError)


async def test_connection_refused_is_unavailable(http: httpx.AsyncClient) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    client = WeChatClient(http, APPID, SecretStr(SECRET), base_url=closed)
    with pytest.raises(WeChatUnavailable) as caught:
        await client.code2session("a" * 32)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


async def test_garbage_body_is_a_gateway_error(client: WeChatClient, emulator: Emulator) -> None:
    emulator.set_faults(body="<html>502 Bad Gateway</html>")
    with pytest.raises(WeChatError) as caught:
        await client.code2session(emulator.issue_code(APPID, "grace"))
    assert caught.value.status == 502


async def test_oversized_body_is_a_gateway_error(client: WeChatClient, emulator: Emulator) -> None:
    emulator.set_faults(body='{"openid": "' + "x" * 100_000 + '"}')
    with pytest.raises(WeChatError):
        await client.code2session(emulator.issue_code(APPID, "grace"))


async def test_http_500_is_unavailable(client: WeChatClient, emulator: Emulator) -> None:
    emulator.set_faults(status=500)
    with pytest.raises(WeChatUnavailable):
        await client.code2session(emulator.issue_code(APPID, "heidi"))


async def test_http_error_with_errcode_body_is_still_unavailable(
    client: WeChatClient, emulator: Emulator
) -> None:
    emulator.set_faults(errcode=40029, status=502)
    with pytest.raises(WeChatUnavailable):
        await client.code2session(emulator.issue_code(APPID, "heidi"))


async def test_make_http_client_timeouts() -> None:
    async with make_http_client(5.0) as http, make_http_client(0.5) as short:
        assert http.timeout.connect == 2.0
        assert http.timeout.read == http.timeout.write == http.timeout.pool == 5.0
        assert http.follow_redirects is False
        assert short.timeout.connect == 0.5


# -- logs ---------------------------------------------------------------------------------


def test_log_filter_is_installed_once(http: httpx.AsyncClient) -> None:
    for _ in range(3):
        WeChatClient(http, APPID, SecretStr(SECRET))
        install_log_filter()
    for name in ("httpx", "aiohttp.client", "asyncio"):
        filters = logging.getLogger(name).filters
        assert sum(isinstance(f, DropQueryStrings) for f in filters) == 1, name


def test_an_unclosed_response_warning_does_not_log_the_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """aiohttp reports a response nobody closed through asyncio's logger, with its URL."""
    install_log_filter()
    url = "https://api.weixin.qq.com/sns/jscode2session?appid=a&secret=S3CRET&js_code=C0DE"
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        logging.getLogger("asyncio").error("Unclosed response\nclient_response: <%s>", url)
    assert "Unclosed response" in caplog.text
    assert "S3CRET" not in caplog.text and "C0DE" not in caplog.text


def test_log_filter_drops_query_strings_keeps_method_path_status() -> None:
    url = httpx.URL("https://api.weixin.qq.com/sns/jscode2session?appid=a&secret=S&js_code=C")
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, 'HTTP Request: %s %s "%s %d %s"',
        ("GET", url, "HTTP/1.1", 200, "OK"), None,
    )  # fmt: skip
    DropQueryStrings().filter(record)
    assert record.getMessage() == (
        'HTTP Request: GET https://api.weixin.qq.com/sns/jscode2session "HTTP/1.1 200 OK"'
    )
    preformatted = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, f"HTTP Request: GET {url} 200", None, None
    )
    DropQueryStrings().filter(preformatted)
    assert preformatted.getMessage() == (
        "HTTP Request: GET https://api.weixin.qq.com/sns/jscode2session 200"
    )


def _all_text(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter()
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.append(str(record.args))
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
    return "\n".join(parts)


async def test_no_secret_code_or_identity_in_any_log_record(
    http: httpx.AsyncClient,
    base_url: str,
    emulator: Emulator,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # root, so httpx's and aiohttp's records are captured
    client = WeChatClient(http, APPID, SecretStr(SECRET), base_url=base_url)
    monkeypatch.setattr(emulator, "unionid", True)
    code = emulator.issue_code(APPID, "ivan")
    result = await client.code2session(code)
    sensitive = [SECRET, code, result.openid, result.session_key, str(result.unionid)]

    failing: list[str] = []
    with pytest.raises(WeChatCodeUsed):
        await client.code2session(code)
    bad_secret = "wrong-secret-0123456789"
    with pytest.raises(WeChatMisconfigured):
        await WeChatClient(http, APPID, SecretStr(bad_secret), base_url=base_url).code2session(
            emulator.issue_code(APPID, "ivan")
        )
    faults: list[dict[str, Any]] = [{"errcode": 45011}, {"body": "garbage"}, {"status": 500}]
    for fault in faults:
        emulator.set_faults(**fault)
        failing.append(emulator.issue_code(APPID, "ivan"))
        with pytest.raises(WxSessionError):
            await client.code2session(failing[-1])
    emulator.set_faults(latency_ms=300)
    failing.append(emulator.issue_code(APPID, "ivan"))
    with pytest.raises(WeChatUnavailable):
        await WeChatClient(
            http, APPID, SecretStr(SECRET), base_url=base_url, timeout=0.05
        ).code2session(failing[-1])
    emulator.reset_faults()
    closed = f"http://127.0.0.1:{free_port()}"
    failing.append("c" * 32)
    with pytest.raises(WeChatUnavailable):
        await WeChatClient(http, APPID, SecretStr(SECRET), base_url=closed).code2session("c" * 32)

    text = _all_text(caplog.records)
    for value in [*sensitive, bad_secret, *failing]:
        assert value not in text
    requests = [r.getMessage() for r in caplog.records if r.name == "wxsession.providers"]
    assert any("/sns/jscode2session" in message for message in requests)
    assert not any("?" in message for message in requests)
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG really captured
