"""Verification codes as a person receives them: a dev-mode service sends them into its
emulator's outbox (``GET /_emulator/outbox?to=``), where a test reads them back."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.support.service import Service

CODES = "/v1/auth/codes"
CLIENT_IP = "203.0.113.7"


def dev_service(make_service: Any, **overrides: Any) -> Service:
    """A dev-mode service (its emulator, outbox and SMTP server in-process) that believes
    ``X-Forwarded-For`` from loopback, so a test can play several client IPs."""
    limits = {
        "code_send_interval": 1,
        "code_sends_per_address_day": 1000,
        "code_captcha_after": 1000,
    }
    service: Service = make_service(
        appid=None,
        secret=None,
        dev_mode=True,
        trusted_proxies="127.0.0.1",
        **{**limits, **overrides},
    )
    return service


def send(service: Service, ip: str = CLIENT_IP, **body: str) -> httpx.Response:
    """``POST /v1/auth/codes``; see :func:`post_sending`."""
    return post_sending(service, CODES, body, ip)


def post_sending(
    service: Service, path: str, body: dict[str, str], ip: str = CLIENT_IP
) -> httpx.Response:
    """POST to a route that sends a code; a 429 of the per-address interval (one second in
    :func:`dev_service`) is waited out once."""
    sent = service.http.post(path, json=body, headers={"X-Forwarded-For": ip})
    if sent.status_code == 429:  # SQL counters read the service's clock, Redis its own
        wait = float(sent.headers["Retry-After"])
        service.clock.advance(wait)
        time.sleep(wait)
        sent = service.http.post(path, json=body, headers={"X-Forwarded-For": ip})
    return sent


def messages(service: Service, to: str) -> list[dict[str, Any]]:
    """What the outbox holds for ``to``, newest first."""
    answer = service.http.get("/_emulator/outbox", params={"to": to})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["messages"]
    return found


def code_for(service: Service, purpose: str, ip: str = CLIENT_IP, **address: str) -> str:
    """Ask for a code (``phone=`` or ``email=``) and read it from the outbox."""
    sent = send(service, ip, **address, purpose=purpose)
    assert sent.status_code == 202, sent.text
    [to] = address.values()
    code: str | None = messages(service, to)[0]["code"]
    assert code is not None
    return code
