"""Phone codes in dev mode take the real SMS path: the service signs a Tencent Cloud SendSms
call to the emulator mounted in it, which checks the signature and delivers into the outbox;
the SMS fault switch (``/_emulator/faults`` scoped to the vendor's path) makes the vendor
fail, and the send is then a 503 with no code sent or kept."""

from __future__ import annotations

from typing import Any

from tests.support.service import Service, error_code_of

PHONE = "+8613800138000"


def dev_service(make_service: Any) -> Service:
    service: Service = make_service(appid=None, secret=None, dev_mode=True)
    return service


def outbox(service: Service) -> list[dict[str, Any]]:
    answer = service.http.get("/_emulator/outbox", params={"to": PHONE})
    assert answer.status_code == 200, answer.text
    messages: list[dict[str, Any]] = answer.json()["messages"]
    return messages


def test_a_dev_mode_phone_code_goes_through_the_emulated_tencent_api(make_service: Any) -> None:
    service = dev_service(make_service)
    sent = service.http.post("/v1/auth/codes", json={"phone": PHONE, "purpose": "login"})
    assert sent.status_code == 202, sent.text
    [message] = outbox(service)
    assert (message["channel"], message["via"]) == ("sms", "tencent")
    assert message["code"] is not None and message["code"] in message["text"]


def test_the_sms_fault_switch_makes_a_send_503(make_service: Any) -> None:
    service = dev_service(make_service)
    down = {"status": 503, "count": 1, "path": "/tencent-sms/"}
    assert service.http.post("/_emulator/faults", json=down).status_code == 200
    sent = service.http.post("/v1/auth/codes", json={"phone": PHONE, "purpose": "login"})
    assert sent.status_code == 503, sent.text
    assert error_code_of(sent) == "SENDER_UNAVAILABLE"
    assert outbox(service) == []
    again = service.http.post("/v1/auth/codes", json={"phone": PHONE, "purpose": "login"})
    assert again.status_code == 202, again.text
    assert len(outbox(service)) == 1
