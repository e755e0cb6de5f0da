"""The SMS senders over real HTTP against the emulated vendors: a message arrives with its
code; an outage, a timeout or throttling is SENDER_UNAVAILABLE (503); refused credentials
SMS_MISCONFIGURED (502); a refused number PHONE_UNREACHABLE (400). Neither the code, the
number nor a secret reaches the log."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest

from tests.support.sms import ListInbox, sms_vendors
from wxsession.core.account_errors import SenderUnavailable
from wxsession.core.address import parse_phone
from wxsession.core.errors import WxSessionError
from wxsession.core.sms_errors import PhoneUnreachable, SmsMisconfigured
from wxsession.emulator.core import EmulatorCore
from wxsession.messaging import Message
from wxsession.messaging import sms_aliyun as aliyun_dev
from wxsession.messaging import sms_tencent as tencent_dev
from wxsession.messaging.sms_aliyun import wire as aliyun
from wxsession.messaging.sms_aliyun.sender import aliyun_sender
from wxsession.messaging.sms_sender import SmsSender
from wxsession.messaging.sms_tencent import emulated as tencent_emulated
from wxsession.messaging.sms_tencent import wire as tencent
from wxsession.messaging.sms_tencent.sender import dev_tencent_sender, tencent_sender
from wxsession.platforms.wechat.client import make_http_client

PHONE = parse_phone("+8613800138000")
CODE = Message(PHONE, "code", {"code": "482913", "minutes": "5"})
TEMPLATES = {"code": "1110"}

Served = tuple[str, EmulatorCore, ListInbox]


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with sms_vendors() as found:
        yield found


@pytest.fixture
def vendors(served: Served) -> Iterator[Served]:
    yield served
    served[1].reset_faults()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(5.0) as client:
        yield client


Make = Callable[..., SmsSender]


def _tencent(
    http: httpx.AsyncClient, url: str, key: str = tencent_dev.DEV_SECRET_KEY, timeout: float = 5.0
) -> SmsSender:
    return tencent_sender(
        http,
        api_base=url + tencent_dev.DEV_PREFIX,
        credentials=tencent.Credentials(tencent_dev.DEV_SECRET_ID, key),
        sdk_app_id=tencent_dev.DEV_SDK_APP_ID,
        sign_name="测试",
        region="ap-guangzhou",
        templates=TEMPLATES,
        params=("code", "minutes"),
        timeout=timeout,
        clock=time.time,
    )


def _aliyun(
    http: httpx.AsyncClient,
    url: str,
    secret: str = aliyun_dev.DEV_ACCESS_KEY_SECRET,
    timeout: float = 5.0,
) -> SmsSender:
    return aliyun_sender(
        http,
        api_base=url + aliyun_dev.DEV_PREFIX,
        credentials=aliyun.Credentials(aliyun_dev.DEV_ACCESS_KEY_ID, secret),
        sign_name="测试",
        region="cn-hangzhou",
        templates=TEMPLATES,
        params=("code",),
        timeout=timeout,
        clock=time.time,
    )


@pytest.mark.parametrize(("make", "via"), [(_tencent, "tencent"), (_aliyun, "aliyun")])
async def test_a_code_arrives(
    make: Make,
    via: str,
    vendors: Served,
    http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, _, inbox = vendors
    caplog.set_level(logging.DEBUG)
    await make(http, url).send(CODE)
    to, text, by = inbox.received[-1]
    assert (to, by) == ("+8613800138000", via)
    assert "482913" in text
    logged = caplog.text
    for secret in ("482913", "13800138000", tencent_dev.DEV_SECRET_KEY):
        assert secret not in logged
    assert aliyun_dev.DEV_ACCESS_KEY_SECRET not in logged


async def test_dev_mode_sends_through_the_emulators_tencent_api(
    vendors: Served, http: httpx.AsyncClient
) -> None:
    url, _, inbox = vendors
    await dev_tencent_sender(http, url, time.time).send(CODE)
    _, text, via = inbox.received[-1]
    assert via == "tencent"
    assert text.startswith("【wxsession】您的验证码是482913，5分钟内有效")  # noqa: RUF001


@pytest.mark.parametrize(
    "faults",
    [
        {"status": 503},
        {"errcode": "RequestLimitExceeded"},
        {"errcode": "LimitExceeded.PhoneNumberDailyLimit"},
        {"errcode": "InternalError"},
        {"latency_ms": 2000},
        {"body": "<html>gateway</html>"},
    ],
    ids=["5xx", "throttled", "number limit", "internal", "timeout", "garbage"],
)
async def test_tencent_down_is_503(
    faults: dict[str, object], vendors: Served, http: httpx.AsyncClient
) -> None:
    url, core, inbox = vendors
    before = len(inbox.received)
    core.set_faults(path=tencent_emulated.PATH, **faults)  # type: ignore[arg-type]
    with pytest.raises(SenderUnavailable) as raised:
        await _tencent(http, url, timeout=0.5).send(CODE)
    assert raised.value.status == 503
    assert len(inbox.received) == before


@pytest.mark.parametrize(("make", "field"), [(_tencent, "key"), (_aliyun, "secret")])
async def test_refused_credentials_are_502_and_logged_for_the_operator(
    make: Make,
    field: str,
    vendors: Served,
    http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, _, inbox = vendors
    before = len(inbox.received)
    with pytest.raises(SmsMisconfigured) as raised:
        await make(http, url, **{field: "not-the-real-one"}).send(CODE)
    assert raised.value.status == 502
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("SECRET" in line and "Signature" in line for line in errors), errors
    assert "not-the-real-one" not in caplog.text
    assert len(inbox.received) == before


@pytest.mark.parametrize(
    ("make", "path", "errcode"),
    [
        (_tencent, "/tencent-sms/", "InvalidParameterValue.IncorrectPhoneNumber"),
        (_aliyun, "/aliyun-sms/", "isv.MOBILE_NUMBER_ILLEGAL"),
    ],
)
async def test_a_refused_number_is_400(
    make: Make, path: str, errcode: str, vendors: Served, http: httpx.AsyncClient
) -> None:
    url, core, _ = vendors
    core.set_faults(errcode=errcode, path=path)
    with pytest.raises(PhoneUnreachable) as raised:
        await make(http, url).send(CODE)
    assert raised.value.status == 400


@pytest.mark.parametrize("make", [_tencent, _aliyun])
async def test_a_template_without_an_id_is_refused_without_a_call(
    make: Make, vendors: Served, http: httpx.AsyncClient
) -> None:
    url, core, _ = vendors
    calls = sum(core.calls.values())
    notice = Message(PHONE, "password_reset", {})
    with pytest.raises(WxSessionError) as raised:
        await make(http, url).send(notice)
    assert isinstance(raised.value, SmsMisconfigured)
    assert sum(core.calls.values()) == calls


async def test_a_tencent_base_with_its_default_port_signs_the_host_httpx_sends(
    http: httpx.AsyncClient,
) -> None:
    """httpx drops ``:443`` from ``Host``; the signature must cover what arrives."""
    signed = {}
    for base in ("https://sms.tencentcloudapi.com:443", "https://SMS.tencentcloudapi.com"):
        sender = tencent_sender(
            http,
            api_base=base,
            credentials=tencent.Credentials("AKIDexample", "secret-example"),
            sdk_app_id="1400000000",
            sign_name="测试",
            region="ap-guangzhou",
            templates=TEMPLATES,
            params=("code",),
            timeout=5.0,
            clock=lambda: 1_700_000_000,
        )
        request = sender.vendor.build("+8613800138000", "1110", [("code", "482913")])
        signed[base] = request.headers["Authorization"]
        assert httpx.Request("POST", base).headers["host"] == "sms.tencentcloudapi.com"
    plain = tencent.authorization(
        tencent.Credentials("AKIDexample", "secret-example"),
        1_700_000_000,
        "sms.tencentcloudapi.com",
        request.content or b"",
    )
    assert set(signed.values()) == {plain}
