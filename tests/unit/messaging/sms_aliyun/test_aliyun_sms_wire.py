"""Alibaba Cloud SMS on the wire: the RPC HMAC-SHA1 signature against the SMS documentation's
worked example, the ``SendSms`` request, and every kind of answer as its verdict."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import quote

import pytest

from wxsession.messaging.sms_aliyun import wire
from wxsession.messaging.sms_wire import Verdict

# Alibaba's worked example (https://help.aliyun.com/document_detail/56189.html): the
# parameters, the key "testSecret" and the published signature.
EXAMPLE = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
APP = wire.SmsApp(wire.Credentials("LTAIexample", "the-secret"), "阿里云短信测试", "cn-hangzhou")


def test_the_signature_is_alibabas_example() -> None:
    assert wire.string_to_sign("GET", EXAMPLE).startswith(
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123"
        "%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF"
    )
    assert wire.signature("GET", EXAMPLE, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert wire.signature("GET", {**EXAMPLE, "Signature": "x"}, "testSecret") == (
        "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    )


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("a b", "a%20b"),
        ("*", "%2A"),
        ("~-_.", "~-_."),
        ("/=&+", "%2F%3D%26%2B"),
        ("码", "%E7%A0%81"),
    ],
)
def test_percent_encoding_is_rfc_3986(text: str, encoded: str) -> None:
    assert wire.percent_encode(text) == encoded


def test_send_sms_is_a_signed_post_form() -> None:
    request = wire.send_sms(
        APP, "+8613800138000", "SMS_1", {"code": "482913"}, timestamp=1499827339, nonce="n-1"
    )
    assert (request.method, request.path, request.params) == ("POST", "/", {})
    form = dict(request.form or {})
    signed = form.pop("Signature")
    assert form == {
        "AccessKeyId": "LTAIexample",
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": "8613800138000",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "n-1",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_1",
        "TemplateParam": '{"code":"482913"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    # Recomputed here from the documented rule, not through the module's helpers.
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in sorted(form.items()))
    to_sign = "POST&%2F&" + quote(query, safe="")
    mac = hmac.new(b"the-secret&", to_sign.encode(), hashlib.sha1).digest()
    assert signed == base64.b64encode(mac).decode()
    assert "482913" not in repr(request)
    assert "the-secret" not in repr(APP)


def _answer(code: str, message: str = "") -> bytes:
    return json.dumps({"Code": code, "Message": message, "RequestId": "r1"}).encode()


def test_a_sent_message() -> None:
    body = json.dumps({"Code": "OK", "Message": "OK", "BizId": "9006^1", "RequestId": "r"})
    assert wire.parse_send_sms(200, body.encode()).verdict is Verdict.SENT


@pytest.mark.parametrize(
    ("status", "code", "verdict"),
    [
        (200, "isv.BUSINESS_LIMIT_CONTROL", Verdict.UNAVAILABLE),
        (200, "isv.DAY_LIMIT_CONTROL", Verdict.UNAVAILABLE),
        (200, "isp.SYSTEM_ERROR", Verdict.UNAVAILABLE),
        (503, "ServiceUnavailable", Verdict.UNAVAILABLE),
        (400, "Throttling.User", Verdict.UNAVAILABLE),
        (200, "isv.MOBILE_NUMBER_ILLEGAL", Verdict.RECIPIENT_REFUSED),
        (200, "isv.BLACK_KEY_CONTROL_LIMIT", Verdict.RECIPIENT_REFUSED),
        (200, "isv.SMS_SIGNATURE_ILLEGAL", Verdict.MISCONFIGURED),
        (200, "isv.SMS_TEMPLATE_ILLEGAL", Verdict.MISCONFIGURED),
        (200, "isv.AMOUNT_NOT_ENOUGH", Verdict.MISCONFIGURED),
        (200, "isp.RAM_PERMISSION_DENY", Verdict.MISCONFIGURED),
        (400, "SignatureDoesNotMatch", Verdict.MISCONFIGURED),
        (404, "InvalidAccessKeyId.NotFound", Verdict.MISCONFIGURED),
        (400, "InvalidTimeStamp.Expired", Verdict.MISCONFIGURED),
        (200, "SomethingNew", Verdict.MALFORMED),
        (500, "SomethingNew", Verdict.UNAVAILABLE),
    ],
)
def test_a_refusal(status: int, code: str, verdict: Verdict) -> None:
    found = wire.parse_send_sms(status, _answer(code, "why"))
    assert (found.verdict, found.code, found.message) == (verdict, code, "why")


def test_ok_with_an_error_status_is_not_a_send() -> None:
    assert wire.parse_send_sms(500, _answer("OK")).verdict is Verdict.UNAVAILABLE


@pytest.mark.parametrize(
    ("status", "body", "verdict"),
    [
        (502, b"<html>bad gateway</html>", Verdict.UNAVAILABLE),
        (200, b"<xml/>", Verdict.MALFORMED),
        (200, b'{"Code": 1}', Verdict.MALFORMED),
        (200, b"[]", Verdict.MALFORMED),
        (403, b"", Verdict.MALFORMED),
    ],
)
def test_an_answer_without_a_code(status: int, body: bytes, verdict: Verdict) -> None:
    assert wire.parse_send_sms(status, body).verdict is verdict
