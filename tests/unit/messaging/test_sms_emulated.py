"""Both vendors' SendSms as the emulator plays them, over real HTTP: our signed requests
(from the wire modules) are accepted and land in the inbox; a wrong key gets the vendor's
signature error in its shape and status; forced faults answer instead."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from tests.support.sms import ListInbox, sms_vendors
from wxsession.emulator.core import EmulatorCore
from wxsession.messaging import sms_aliyun, sms_tencent
from wxsession.messaging.sms_aliyun import emulated as aliyun_emulated
from wxsession.messaging.sms_aliyun import wire as aliyun
from wxsession.messaging.sms_tencent import emulated as tencent_emulated
from wxsession.messaging.sms_tencent import wire as tencent
from wxsession.messaging.sms_wire import Verdict
from wxsession.platforms.http import encoded_body
from wxsession.platforms.wire import PlatformRequest


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, EmulatorCore, ListInbox]]:
    with sms_vendors() as found:
        yield found
        found[1].reset_faults()


def _send(base: str, request: PlatformRequest) -> httpx.Response:
    content, headers = encoded_body(request)
    return httpx.post(base + request.path, content=content, headers=headers, timeout=5)


def _tencent(url: str, key: str = sms_tencent.DEV_SECRET_KEY, now: float | None = None) -> bytes:
    base = url + sms_tencent.DEV_PREFIX
    credentials = tencent.Credentials(sms_tencent.DEV_SECRET_ID, key)
    app = tencent.SmsApp(
        credentials, sms_tencent.DEV_SDK_APP_ID, "测试", "ap-guangzhou", urlsplit(url).netloc
    )
    stamp = int(time.time() if now is None else now)
    request = tencent.send_sms(app, "+8613800138000", "1110", ["482913", "5"], stamp)
    answer = _send(base, request)
    assert answer.status_code == 200
    return answer.content


def _aliyun(url: str, secret: str = sms_aliyun.DEV_ACCESS_KEY_SECRET) -> httpx.Response:
    credentials = aliyun.Credentials(sms_aliyun.DEV_ACCESS_KEY_ID, secret)
    app = aliyun.SmsApp(credentials, "测试", "cn-hangzhou")
    request = aliyun.send_sms(
        app, "+8613900139000", "SMS_1", {"code": "705112"}, timestamp=int(time.time()), nonce="n"
    )
    return _send(url + sms_aliyun.DEV_PREFIX, request)


def test_tencent_accepts_our_signed_call(served: tuple[str, EmulatorCore, ListInbox]) -> None:
    url, _, inbox = served
    assert tencent.parse_send_sms(200, _tencent(url)).verdict is Verdict.SENT
    to, text, via = inbox.received[-1]
    assert (to, via) == ("+8613800138000", "tencent")
    assert text.startswith("【测试】482913 5")


def test_tencent_refuses_a_wrong_key_or_a_stale_time(
    served: tuple[str, EmulatorCore, ListInbox],
) -> None:
    url, _, inbox = served
    before = len(inbox.received)
    wrong = tencent.parse_send_sms(200, _tencent(url, key="not-the-key"))
    assert (wrong.verdict, wrong.code) == (Verdict.MISCONFIGURED, "AuthFailure.SignatureFailure")
    stale = tencent.parse_send_sms(200, _tencent(url, now=time.time() - 3600))
    assert stale.code == "AuthFailure.SignatureExpire"
    assert len(inbox.received) == before


def test_tencent_answers_a_forced_fault(served: tuple[str, EmulatorCore, ListInbox]) -> None:
    url, core, _ = served
    path = tencent_emulated.PATH
    core.set_faults(errcode="RequestLimitExceeded", path=path)
    assert tencent.parse_send_sms(200, _tencent(url)).code == "RequestLimitExceeded"
    core.set_faults(status=503, path=path)
    down = httpx.post(url + path, content=b"{}", timeout=5)
    assert tencent.parse_send_sms(down.status_code, down.content).verdict is Verdict.UNAVAILABLE
    assert tencent.parse_send_sms(200, _tencent(url)).verdict is Verdict.SENT  # count was 1


def test_aliyun_accepts_our_signed_call(served: tuple[str, EmulatorCore, ListInbox]) -> None:
    url, _, inbox = served
    answer = _aliyun(url)
    assert aliyun.parse_send_sms(answer.status_code, answer.content).verdict is Verdict.SENT
    to, text, via = inbox.received[-1]
    assert (to, via) == ("+8613900139000", "aliyun")
    assert "705112" in text


def test_aliyun_refuses_a_wrong_secret_with_400(
    served: tuple[str, EmulatorCore, ListInbox],
) -> None:
    url, _, inbox = served
    before = len(inbox.received)
    answer = _aliyun(url, secret="not-the-secret")
    assert answer.status_code == 400
    found = aliyun.parse_send_sms(answer.status_code, answer.content)
    assert (found.verdict, found.code) == (Verdict.MISCONFIGURED, "SignatureDoesNotMatch")
    assert len(inbox.received) == before


def test_aliyun_refuses_an_unknown_key_and_a_bad_number(
    served: tuple[str, EmulatorCore, ListInbox],
) -> None:
    url, _, _ = served
    form = {"AccessKeyId": "LTAIunknown", "Action": "SendSms", "Signature": "x"}
    form |= {"SignatureNonce": "n", "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25"}
    unknown = httpx.post(
        url + aliyun_emulated.PATH,
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert unknown.status_code == 404
    assert unknown.json()["Code"] == "InvalidAccessKeyId.NotFound"
    inbox = ListInbox()
    refused = aliyun_emulated.send_sms({"PhoneNumbers": "12ab", "SignName": "s"}, inbox)
    assert refused["Code"] == "isv.MOBILE_NUMBER_ILLEGAL"
    assert inbox.received == []
