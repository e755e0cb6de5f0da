"""Scripted floods of ``POST /v1/auth/codes`` on a dev-mode service (both backends): many
addresses from one network meet the CAPTCHA and the per-IP limit; many addresses from many
networks meet the total per minute; one address from many networks meets its own limits.
What the emulator's outbox received is what was really sent."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.api.test_verification_codes_api import dev_service, outbox, send
from tests.support.service import Service, error_code_of


def _flood(service: Service, bodies: list[tuple[str, dict[str, Any]]]) -> list[httpx.Response]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda item: send(service, item[0], **item[1]), bodies))


def _delivered(service: Service, addresses: list[str]) -> int:
    return sum(len(outbox(service, address)) for address in addresses)


def test_many_addresses_from_one_network_meet_the_captcha(make_service: Any) -> None:
    service = dev_service(make_service, code_captcha_after=3)
    addresses = [f"victim{n}@example.com" for n in range(12)]
    answers = _flood(
        service, [("203.0.113.9", {"email": a, "purpose": "login"}) for a in addresses]
    )
    codes = Counter(a.status_code if a.status_code != 403 else error_code_of(a) for a in answers)
    # the attention window holds 3 sends; parallel ones may slip past its check together,
    # but never more than the workers that raced it
    assert codes[202] <= 3 + 8
    assert codes["CAPTCHA_REQUIRED"] >= 12 - (3 + 8)
    assert _delivered(service, addresses) == codes[202]
    later = send(service, "203.0.113.9", email="another@example.com", purpose="login")
    assert error_code_of(later) == "CAPTCHA_REQUIRED"


def test_the_per_network_limit_holds_with_the_captcha_solved(make_service: Any) -> None:
    """A CAPTCHA farm solving every challenge still meets the per-IP limit."""
    service = dev_service(make_service, code_captcha_after=0, code_sends_per_ip=5)
    sent = 0
    for n in range(8):
        challenge = service.http.get("/v1/auth/captcha").json()
        answer = service.http.get(f"/_emulator/captcha/{challenge['id']}").json()["answer"]
        captcha = {"id": challenge["id"], "answer": answer}
        reply = send(
            service,
            f"2001:db8:1:2::{n + 1}",
            email=f"v{n}@example.com",
            purpose="login",
            captcha=captcha,
        )
        if reply.status_code == 202:
            sent += 1
        else:
            assert reply.status_code == 429, reply.text
            assert int(reply.headers["Retry-After"]) > 0
    assert sent == 5  # one /64, however many addresses in it


def test_many_networks_and_addresses_meet_the_total_per_minute(make_service: Any) -> None:
    service = dev_service(make_service, code_sends_per_minute=10, code_captcha_after=50)
    addresses = [f"spray{n}@example.com" for n in range(25)]
    bodies = [
        (f"198.51.{n}.7", {"email": a, "purpose": "register"}) for n, a in enumerate(addresses)
    ]
    answers = _flood(service, bodies)
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {202: 10, 429: 15}
    assert all(error_code_of(a) == "RATE_LIMITED" for a in answers if a.status_code == 429)
    assert _delivered(service, addresses) == 10


def test_one_address_from_many_networks_gets_one_code_a_minute(make_service: Any) -> None:
    service = dev_service(make_service, code_captcha_after=50)
    bodies = [(f"192.0.2.{n}", {"phone": "13800138000", "purpose": "login"}) for n in range(10)]
    answers = _flood(service, bodies)
    assert Counter(a.status_code for a in answers) == {202: 1, 429: 9}
    assert len(outbox(service, "+8613800138000")) == 1


def test_drawing_challenges_is_limited_per_network(make_service: Any) -> None:
    service = dev_service(make_service, captcha_challenges_per_ip=3)
    answers = [
        service.http.get("/v1/auth/captcha", headers={"X-Forwarded-For": "203.0.113.50"})
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert error_code_of(answers[3]) == "RATE_LIMITED" and answers[3].headers["Retry-After"]
    other = service.http.get("/v1/auth/captcha", headers={"X-Forwarded-For": "203.0.113.51"})
    assert other.status_code == 200
