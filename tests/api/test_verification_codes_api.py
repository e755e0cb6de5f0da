"""``POST /v1/auth/codes`` and ``GET /v1/auth/captcha`` over HTTP on a dev-mode service (both
backends): codes read back from the emulator's outbox (mail over its real SMTP server, SMS
into the outbox), the same 202 for any address, 400/422 for bad input, 429 with
``Retry-After``, the CAPTCHA solved through ``/_emulator/captcha/{id}``, and a 503 with
nothing written while the SMTP server is stopped."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.support.service import Service, error_code_of
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.services.captcha import CaptchaAnswer, Challenge
from wxsession.settings import Settings

CODES = "/v1/auth/codes"


def dev_service(make_service: Any, **overrides: Any) -> Service:
    """A dev-mode service (its own emulator, on its own port), believing X-Forwarded-For
    from loopback so a test can play many client IPs."""
    service: Service = make_service(
        appid=None, secret=None, dev_mode=True, trusted_proxies="127.0.0.1", **overrides
    )
    return service


def send(service: Service, ip: str = "203.0.113.7", **body: Any) -> httpx.Response:
    return service.http.post(CODES, json=body, headers={"X-Forwarded-For": ip})


def outbox(service: Service, to: str) -> list[dict[str, Any]]:
    answer = service.http.get("/_emulator/outbox", params={"to": to})
    assert answer.status_code == 200, answer.text
    messages: list[dict[str, Any]] = answer.json()["messages"]
    return messages


def test_a_code_goes_out_by_mail_and_by_sms(make_service: Any) -> None:
    service = dev_service(make_service)
    mailed = send(service, email="Ann@Example.COM", purpose="login")
    assert mailed.status_code == 202, mailed.text
    assert mailed.json() == {"status": "accepted", "expires_in": 300}
    [mail] = outbox(service, "Ann@example.com")
    assert (mail["channel"], mail["via"], mail["subject"]) == (
        "mail",
        "smtp",
        "Your verification code",
    )
    assert len(mail["code"]) == 6

    texted = service.http.post(
        CODES,
        json={"phone": "138 0013 8000", "purpose": "register"},
        headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    assert texted.status_code == 202
    [sms] = outbox(service, "+8613800138000")
    assert sms["channel"] == "sms" and "验证码" in sms["text"] and sms["code"] in sms["text"]


def test_bad_input_is_a_client_error(make_service: Any) -> None:
    service = dev_service(make_service)
    assert error_code_of(send(service, phone="12345", purpose="login")) == "PHONE_INVALID"
    assert error_code_of(send(service, email="bob@", purpose="login")) == "EMAIL_INVALID"
    for body in (
        {"phone": "13800138000", "email": "a@example.com", "purpose": "login"},
        {"purpose": "login"},
        {"phone": "13800138000", "purpose": "steal"},
        {"phone": "13800138000", "purpose": "login", "extra": 1},
    ):
        answer = send(service, **body)
        assert answer.status_code == 422, body


def test_a_second_send_within_a_minute_is_429_with_retry_after(make_service: Any) -> None:
    service = dev_service(make_service)
    assert send(service, email="ann@example.com", purpose="login").status_code == 202
    again = send(service, email="ann@example.com", purpose="reset", ip="198.51.100.2")
    assert again.status_code == 429
    assert error_code_of(again) == "RATE_LIMITED"
    assert 1 <= int(again.headers["Retry-After"]) <= 61
    assert len(outbox(service, "ann@example.com")) == 1


def test_the_captcha_is_asked_and_solved(make_service: Any) -> None:
    service = dev_service(make_service, code_captcha_after=0)
    asked = send(service, email="ann@example.com", purpose="login")
    assert asked.status_code == 403 and error_code_of(asked) == "CAPTCHA_REQUIRED"
    challenge = service.http.get("/v1/auth/captcha")
    assert challenge.status_code == 200
    assert challenge.headers["Cache-Control"] == "no-store"
    body = challenge.json()
    assert body["image"].startswith("data:image/png;base64,")
    answer = service.http.get(f"/_emulator/captcha/{body['id']}").json()["answer"]
    wrong = send(
        service,
        email="ann@example.com",
        purpose="login",
        captcha={"id": body["id"], "answer": "WRONG"},
    )
    assert error_code_of(wrong) == "CAPTCHA_FAILED"
    fresh = service.http.get("/v1/auth/captcha").json()
    answer = service.http.get(f"/_emulator/captcha/{fresh['id']}").json()["answer"]
    solved = send(
        service,
        email="ann@example.com",
        purpose="login",
        captcha={"id": fresh["id"], "answer": answer},
    )
    assert solved.status_code == 202, solved.text
    assert len(outbox(service, "ann@example.com")) == 1


def test_a_stopped_smtp_server_is_a_503_and_the_send_can_be_retried(make_service: Any) -> None:
    service = dev_service(make_service)
    stopped = service.http.post("/_emulator/smtp", json={"running": False})
    assert stopped.json()["running"] is False
    down = send(service, email="ann@example.com", purpose="login")
    assert down.status_code == 503
    assert error_code_of(down) == "SENDER_UNAVAILABLE"
    assert down.headers["Retry-After"] == "1"
    assert outbox(service, "ann@example.com") == []
    assert service.http.post("/_emulator/smtp", json={"running": True}).json()["running"]
    again = send(service, email="ann@example.com", purpose="login")
    assert again.status_code == 202, again.text  # the failed send spent no quota
    assert len(outbox(service, "ann@example.com")) == 1


class _Hosted:
    """A CAPTCHA verifier of one's own (as a hosted one would be): its challenge is a fixed
    picture, and it takes the answer ``ok`` once per challenge."""

    def __init__(self) -> None:
        self.issued: set[str] = set()
        self.drawn = 0

    async def challenge(self) -> Challenge:
        challenge_id = f"hosted-{self.drawn}"
        self.drawn += 1
        self.issued.add(challenge_id)
        return Challenge(challenge_id, b"\x89PNG hosted", "image/png", 60)

    async def verify(self, answer: CaptchaAnswer) -> bool:
        if answer.id not in self.issued:
            return False
        self.issued.discard(answer.id)
        return answer.answer == "ok"


def test_the_captcha_verifier_is_pluggable(sqlite_url: str) -> None:
    settings = Settings(dev_mode=True, database_url=sqlite_url, code_captcha_after=0)
    with serve_in_thread(create_app(settings, captcha=_Hosted())) as url:
        http = httpx.Client(base_url=url)
        body = {"email": "ann@example.com", "purpose": "login"}
        challenge = http.get("/v1/auth/captcha").json()
        assert challenge["id"] == "hosted-0" and challenge["expires_in"] == 60
        refused = http.post(CODES, json=body | {"captcha": {"id": "hosted-0", "answer": "no"}})
        assert error_code_of(refused) == "CAPTCHA_FAILED"
        http.get("/v1/auth/captcha")
        sent = http.post(CODES, json=body | {"captcha": {"id": "hosted-1", "answer": "ok"}})
        assert sent.status_code == 202, sent.text


def test_outside_dev_mode_no_captcha_answer_is_told(make_service: Any) -> None:
    service: Service = make_service()
    assert not service.settings.dev_mode
    challenge = service.http.get("/v1/auth/captcha")
    assert challenge.status_code == 200
    told = service.http.get(f"/_emulator/captcha/{challenge.json()['id']}")
    assert told.status_code == 404
    assert "answer" not in told.text


def test_the_audit_table_keeps_sends_and_refusals_without_the_code(make_service: Any) -> None:
    service = dev_service(make_service, audit_flush_seconds=0.05)
    assert send(service, email="ann@example.com", purpose="login").status_code == 202
    assert send(service, email="ann@example.com", purpose="login").status_code == 429
    code = outbox(service, "ann@example.com")[0]["code"]
    count = "SELECT count(*) FROM audit_events WHERE event = '{}' AND outcome = '{}'"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if service.sql_scalar(count.format("code_send_throttled", "throttled")):
            break
        time.sleep(0.05)
    assert service.sql_scalar(count.format("code_sent", "success")) == 1
    assert service.sql_scalar(count.format("code_send_throttled", "throttled")) == 1
    sent = service.sql_scalar("SELECT details FROM audit_events WHERE event = 'code_sent'")
    throttled = service.sql_scalar(
        "SELECT details FROM audit_events WHERE event = 'code_send_throttled'"
    )
    details = f"{sent} {throttled}"
    assert "code_address" in details and "email" in details and "login" in details
    assert code not in details and "ann@" not in details
