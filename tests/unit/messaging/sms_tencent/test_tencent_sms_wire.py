"""Tencent Cloud SMS on the wire: TC3-HMAC-SHA256 against Tencent's published example, the
``SendSms`` request, and every kind of answer as its verdict."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from wxsession.messaging.sms_tencent import wire
from wxsession.messaging.sms_wire import Verdict

# Tencent's worked example of signature v3 (https://cloud.tencent.com/document/api/213/30654):
# CVM DescribeInstances, its published key (masked as published) and its published results.
EXAMPLE_KEY = "Gu5t9xGARNpq86cd98joQYCN3*******"
EXAMPLE_PAYLOAD = (
    b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
)
EXAMPLE_TIME = 1551113065
APP = wire.SmsApp(
    wire.Credentials("AKIDexample", "secret-key"), "1400006666", "腾讯云", "ap-guangzhou"
)


def test_the_canonical_request_hashes_to_tencents_example() -> None:
    canonical = wire.canonical_request("cvm.tencentcloudapi.com", EXAMPLE_PAYLOAD)
    assert canonical.splitlines()[-1] == (
        "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    assert hashlib.sha256(canonical.encode()).hexdigest() == (
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )


def test_the_signature_is_tencents_example() -> None:
    canonical = wire.canonical_request("cvm.tencentcloudapi.com", EXAMPLE_PAYLOAD)
    assert wire.string_to_sign(EXAMPLE_TIME, canonical, "cvm").splitlines()[:3] == [
        "TC3-HMAC-SHA256",
        "1551113065",
        "2019-02-25/cvm/tc3_request",
    ]
    assert wire.signature(EXAMPLE_KEY, EXAMPLE_TIME, canonical, "cvm") == (
        "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    )


def test_the_derived_key_is_the_documented_chain() -> None:
    """Computed here step by step, independently of the module's loop."""
    step = hmac.new(b"TC3k", b"2019-02-25", hashlib.sha256).digest()
    step = hmac.new(step, b"sms", hashlib.sha256).digest()
    step = hmac.new(step, b"tc3_request", hashlib.sha256).digest()
    assert wire.signing_key("k", "2019-02-25") == step


def test_send_sms_is_a_signed_post_of_one_number() -> None:
    request = wire.send_sms(APP, "+8613800138000", "1110", ["482913", "5"], EXAMPLE_TIME)
    assert (request.method, request.path) == ("POST", "/")
    assert request.content is not None
    body = json.loads(request.content)
    assert body == {
        "PhoneNumberSet": ["+8613800138000"],
        "SmsSdkAppId": "1400006666",
        "SignName": "腾讯云",
        "TemplateId": "1110",
        "TemplateParamSet": ["482913", "5"],
    }
    headers = request.headers
    assert headers["X-TC-Action"] == "SendSms"
    assert headers["X-TC-Version"] == "2021-01-11"
    assert headers["X-TC-Region"] == "ap-guangzhou"
    assert headers["X-TC-Timestamp"] == str(EXAMPLE_TIME)
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    canonical = wire.canonical_request(wire.DEFAULT_HOST, request.content)
    expected = wire.signature("secret-key", EXAMPLE_TIME, canonical)
    assert headers["Authorization"] == (
        "TC3-HMAC-SHA256 Credential=AKIDexample/2019-02-25/sms/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={expected}"
    )
    assert "482913" not in repr(request)
    assert "secret-key" not in repr(APP)


def test_the_signature_covers_the_body_and_the_host() -> None:
    one = wire.send_sms(APP, "+8613800138000", "1110", ["111111"], EXAMPLE_TIME)
    other = wire.send_sms(APP, "+8613800138000", "1110", ["222222"], EXAMPLE_TIME)
    assert one.headers["Authorization"] != other.headers["Authorization"]
    moved = wire.SmsApp(APP.credentials, "1400006666", "腾讯云", "ap-guangzhou", "127.0.0.1:9")
    elsewhere = wire.send_sms(moved, "+8613800138000", "1110", ["111111"], EXAMPLE_TIME)
    assert one.headers["Authorization"] != elsewhere.headers["Authorization"]


def _answer(response: dict[str, Any]) -> bytes:
    return json.dumps({"Response": {**response, "RequestId": "a0b1"}}).encode()


def _status(code: str, message: str = "") -> bytes:
    entry = {"SerialNo": "2640", "PhoneNumber": "+8613800138000", "Fee": 1, "Code": code}
    return _answer({"SendStatusSet": [{**entry, "Message": message}]})


def test_a_sent_message() -> None:
    assert wire.parse_send_sms(200, _status("Ok", "send success")).verdict is Verdict.SENT


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        ("LimitExceeded.PhoneNumberThirtySecondLimit", Verdict.UNAVAILABLE),
        ("LimitExceeded.PhoneNumberDailyLimit", Verdict.UNAVAILABLE),
        ("InvalidParameterValue.IncorrectPhoneNumber", Verdict.RECIPIENT_REFUSED),
        ("FailedOperation.PhoneNumberInBlacklist", Verdict.RECIPIENT_REFUSED),
        ("FailedOperation.InsufficientBalanceInSmsPackage", Verdict.MISCONFIGURED),
        ("SomethingNew", Verdict.MALFORMED),
    ],
)
def test_a_number_that_was_not_sent_to(code: str, verdict: Verdict) -> None:
    found = wire.parse_send_sms(200, _status(code, "why " * 100))
    assert (found.verdict, found.code) == (verdict, code)
    assert len(found.message) <= 200


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        ("AuthFailure.SignatureFailure", Verdict.MISCONFIGURED),
        ("AuthFailure.SecretIdNotFound", Verdict.MISCONFIGURED),
        ("AuthFailure.SignatureExpire", Verdict.MISCONFIGURED),
        ("FailedOperation.SignatureIncorrectOrUnapproved", Verdict.MISCONFIGURED),
        ("FailedOperation.TemplateIncorrectOrUnapproved", Verdict.MISCONFIGURED),
        ("UnauthorizedOperation.SmsSdkAppIdVerifyFail", Verdict.MISCONFIGURED),
        ("RequestLimitExceeded", Verdict.UNAVAILABLE),
        ("InternalError.Timeout", Verdict.UNAVAILABLE),
        ("InternalError", Verdict.UNAVAILABLE),
    ],
)
def test_a_refused_call(code: str, verdict: Verdict) -> None:
    body = _answer({"Error": {"Code": code, "Message": "no"}})
    found = wire.parse_send_sms(200, body)
    assert (found.verdict, found.code, found.message) == (verdict, code, "no")


@pytest.mark.parametrize("status", [500, 502, 503, 404])
def test_a_non_2xx_status_is_an_outage(status: int) -> None:
    found = wire.parse_send_sms(status, b"<html>busy</html>")
    assert (found.verdict, found.code) == (Verdict.UNAVAILABLE, f"HTTP {status}")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"Response": []}',
        b'{"Response": {"SendStatusSet": []}}',
        b'{"Response": {"SendStatusSet": [1]}}',
        b'{"Response": {"SendStatusSet": [{"Code": "Ok"}, {"Code": "Ok"}]}}',
        b'{"Response": {"SendStatusSet": [{"Code": 0}]}}',
    ],
)
def test_an_answer_in_no_documented_shape_is_malformed(body: bytes) -> None:
    assert wire.parse_send_sms(200, body).verdict is Verdict.MALFORMED


def test_numbers_and_codes_the_vendor_echoes_are_masked_for_the_log() -> None:
    body = _status("InvalidParameterValue.IncorrectPhoneNumber", "+8613800138000 bad, 482913")
    assert wire.parse_send_sms(200, body).message == "+*** bad, ***"
