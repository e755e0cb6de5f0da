"""Password accounts over HTTP (ASVS 4.0.3 V2.1, V2.2, V2.4, 3.3.3), on real servers and both
backends. Argon2id runs at its real parameters, so each test keeps its hash count small."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import argon2
import httpx
import pytest

from tests.support.service import Service, error_code_of, session_id_of
from wxsession.accounts.passwords import MEMORY_COST_KIB, TIME_COST, PasswordHasher

REGISTER = "/v1/auth/password/register"
LOGIN = "/v1/auth/password/login"
CHANGE = "/v1/me/password"
GOOD = "correct horse 電池 staple"


def _register(service: Service, password: str = GOOD, **name: str) -> httpx.Response:
    return service.post(REGISTER, json={**(name or {"username": "ada"}), "password": password})


def _stored_hash(service: Service, name: str) -> str:
    query = (
        "SELECT p.hash FROM passwords p JOIN identities i ON i.user_id = p.user_id "
        "WHERE i.provider = 'password' AND i.subject = '%s'"
    )
    found: str = service.sql_scalar(query % name)
    return found


def test_v2_1_register_and_log_in_by_normalised_username_or_phone(service: Service) -> None:
    registered = _register(service, username="  Ada.Lovelace ")
    assert registered.status_code == 201
    assert registered.json()["registered"] is True
    token = session_id_of(registered)
    assert service.get("/v1/me", token).json()["id"] == registered.json()["user"]["id"]
    assert registered.headers["cache-control"] == "no-store"

    # The full-width form (U+FF21…) of "ADA.LOVELACE": NFKC + casefold make it the same account.
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "ADA.LOVELACE")
    login = service.post(LOGIN, json={"username": full_width, "password": GOOD})
    assert login.status_code == 200
    assert login.json()["user"]["id"] == registered.json()["user"]["id"]

    # A phone number as the name needs its code (tests/api/test_address_logins.py).
    for body in (
        {"phone": "138 0013-8000", "password": GOOD},
        {"password": GOOD},
        {"username": "ada", "phone": "+8613800138000", "password": GOOD},
        {"username": "12345", "password": GOOD},  # looks like a number: not a username
        {"phone": "12345", "password": GOOD},
    ):
        refused = service.post(REGISTER, json=body)
        assert refused.status_code == 422, body
        assert GOOD not in refused.text


def test_v2_1_1_and_2_1_2_length_limits_are_400s_with_clear_codes(service: Service) -> None:
    cases = [("x7Kq!pZ", "PASSWORD_TOO_SHORT"), ("密" * 129, "PASSWORD_TOO_LONG")]
    cases.append(("p" * 60_000, "PASSWORD_TOO_LONG"))  # under the body limit: still no hash
    for password, code in cases:
        response = _register(service, password, username="len")
        assert response.status_code == 400, response.text
        assert error_code_of(response) == code
    huge = _register(service, "p" * 1_000_000, username="len")
    assert huge.status_code == 413
    assert error_code_of(huge) == "PAYLOAD_TOO_LARGE"
    assert service.sql_scalar("SELECT count(*) FROM passwords") == 0

    assert _register(service, "x7Kq!pZw", username="eight").status_code == 201
    longest = "密码🔑" * 42 + "ab"  # 128 code points: CJK and emoji, 380 bytes of UTF-8
    assert len(longest) == 128
    assert _register(service, longest, username="longest").status_code == 201
    login = service.post(LOGIN, json={"username": "longest", "password": longest})
    assert login.status_code == 200


def test_v2_1_3_password_is_checked_exactly_as_typed(service: Service) -> None:
    password = "Grüße 你好世界 🐉 " * 5  # 80 code points, far beyond 72 bytes, mixed case
    assert _register(service, password, username="exact").status_code == 201
    for wrong in (password[:72] + "x", password.swapcase(), password.strip()):
        response = service.post(LOGIN, json={"username": "exact", "password": wrong})
        assert response.status_code == 401
        assert error_code_of(response) == "INVALID_CREDENTIALS"
    assert service.post(LOGIN, json={"username": "exact", "password": password}).status_code == 200


def test_v2_1_7_common_passwords_are_refused_on_register_and_change(service: Service) -> None:
    for common in ("password", "baseball", "Qwertyuiop", "1qaz2wsx"):
        response = _register(service, common, username="common")
        assert response.status_code == 400
        assert error_code_of(response) == "PASSWORD_TOO_COMMON"
    token = session_id_of(_register(service, username="common"))
    change = service.post(
        CHANGE, token, json={"current_password": GOOD, "new_password": "football"}
    )
    assert change.status_code == 400
    assert error_code_of(change) == "PASSWORD_TOO_COMMON"
    assert service.get("/v1/me", token).status_code == 200  # nothing happened


def test_v2_4_passwords_are_argon2id_at_owasp_parameters_with_unique_salts(
    service: Service,
) -> None:
    first = _register(service, username="salt1")
    second = _register(service, username="salt2")
    for response in (first, second):
        assert GOOD not in response.text
        assert "argon2" not in response.text
    hashes = [_stored_hash(service, name) for name in ("salt1", "salt2")]
    for stored in hashes:
        variant, version, params, salt, _digest = stored.split("$")[1:]
        assert (variant, version) == ("argon2id", "v=19")
        values = dict(item.split("=") for item in params.split(","))
        assert int(values["m"]) >= 19456
        assert int(values["t"]) >= 2
        assert values["p"] == "1"
        assert len(salt) >= 22  # 16 random bytes, base64 without padding
    assert hashes[0] != hashes[1]
    assert hashes[0].split("$")[4] != hashes[1].split("$")[4]


def test_v2_4_outdated_hash_is_replaced_on_the_next_login(service: Service) -> None:
    assert _register(service, username="legacy").status_code == 201
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(GOOD)
    service.sql_execute(f"UPDATE passwords SET hash = '{weak}'")  # noqa: S608 - a hash we made
    login = service.post(LOGIN, json={"username": "legacy", "password": GOOD})
    assert login.status_code == 200
    stored = _stored_hash(service, "legacy")
    assert f"m={MEMORY_COST_KIB},t={TIME_COST},p=1" in stored
    assert argon2.PasswordHasher().verify(stored, GOOD)


class CountingHasher(PasswordHasher):
    """The real hasher, with every verification recorded (and the parameters it ran at)."""

    def __init__(self) -> None:
        super().__init__(concurrency=2)
        self.verified: list[str] = []

    async def verify(self, stored: str, password: str) -> bool:
        self.verified.append(stored.split("$")[3])
        return await super().verify(stored, password)


def test_v2_2_unknown_user_and_wrong_password_answer_alike_after_the_same_work(
    make_service: Any,
) -> None:
    hasher = CountingHasher()
    service: Service = make_service(password_hasher=hasher)
    assert _register(service, username="known").status_code == 201

    answers = []
    for username in ("known", "nobody", "admin", "root"):
        hasher.verified.clear()
        response = service.post(LOGIN, json={"username": username, "password": "wrong-password"})
        assert hasher.verified == [f"m={MEMORY_COST_KIB},t={TIME_COST},p=1"], username
        answers.append((response.status_code, response.content))
    assert answers[0][0] == 401
    assert all(answer == answers[0] for answer in answers)  # byte for byte
    assert _code_of(answers[0][1]) == "INVALID_CREDENTIALS"


def _code_of(content: bytes) -> str:
    code: str = json.loads(content)["error"]["code"]
    return code


def test_a_taken_name_is_409_and_of_parallel_registrations_exactly_one_wins(
    service: Service,
) -> None:
    assert _register(service, username="Taken.Name").status_code == 201
    taken = _register(service, username=" TAKEN.name ")  # the same name, normalised
    assert taken.status_code == 409
    assert error_code_of(taken) == "IDENTITY_TAKEN"

    racers = 16
    barrier = threading.Barrier(racers)
    statuses: list[int] = []

    def register() -> None:
        barrier.wait()
        statuses.append(_register(service, username="Rush").status_code)

    threads = [threading.Thread(target=register) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * (racers - 1)
    assert service.sql_scalar("SELECT count(*) FROM identities WHERE subject = 'rush'") == 1
    assert service.sql_scalar("SELECT count(*) FROM users") == 2  # no user left half-made
    assert service.sql_scalar("SELECT count(*) FROM passwords") == 2


def test_v3_3_3_password_change_ends_other_sessions(service: Service) -> None:
    caller = session_id_of(_register(service, username="grace"))
    other = session_id_of(service.post(LOGIN, json={"username": "grace", "password": GOOD}))
    new = "a brand new passphrase 新しい"

    wrong = service.post(
        CHANGE, caller, json={"current_password": "not-it-at-all", "new_password": new}
    )
    assert wrong.status_code == 400
    assert error_code_of(wrong) == "CURRENT_PASSWORD_INCORRECT"
    assert service.get("/v1/me", other).status_code == 200  # nothing changed

    changed = service.post(CHANGE, caller, json={"current_password": GOOD, "new_password": new})
    assert changed.status_code == 200
    fresh = session_id_of(changed)
    assert fresh not in (caller, other)
    assert service.get("/v1/me", caller).status_code == 401
    assert service.get("/v1/me", other).status_code == 401
    assert service.get("/v1/me", fresh).status_code == 200

    old = service.post(LOGIN, json={"username": "grace", "password": GOOD})
    assert old.status_code == 401
    assert service.post(LOGIN, json={"username": "grace", "password": new}).status_code == 200


def test_password_change_needs_a_password_account(service: Service) -> None:
    token = service.session_for("wechat-only")
    response = service.post(CHANGE, token, json={"current_password": GOOD, "new_password": GOOD})
    assert response.status_code == 400
    assert error_code_of(response) == "PASSWORD_NOT_SET"
    anonymous = service.post(CHANGE, json={"current_password": GOOD, "new_password": GOOD})
    assert anonymous.status_code == 401


def test_password_audit_events_hold_no_passwords(
    make_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    service: Service = make_service()
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    new = "another good passphrase"
    token = session_id_of(_register(service, username="audited"))
    assert (
        service.post(LOGIN, json={"username": "audited", "password": "bad-guess-1"}).status_code
        == 401
    )
    token = session_id_of(service.post(LOGIN, json={"username": "audited", "password": GOOD}))
    body = {"current_password": "bad-guess-2", "new_password": new}
    assert service.post(CHANGE, token, json=body).status_code == 400
    body = {"current_password": GOOD, "new_password": new}
    assert service.post(CHANGE, token, json=body).status_code == 200

    events = [r for r in caplog.records if r.name == "wxsession.audit"]
    names = [r.__dict__["event"] for r in events]
    for name in (
        "registered",
        "login_failed",
        "login",
        "password_change_failed",
        "password_changed",
    ):
        assert name in names
    failed = next(r for r in events if r.__dict__["event"] == "login_failed")
    assert failed.__dict__["audit"]["reason"] == "INVALID_CREDENTIALS"
    assert failed.__dict__["audit"]["provider"] == "password"
    captured = caplog.text + " ".join(str(r.__dict__.get("audit")) for r in caplog.records)
    for secret in (GOOD, new, "bad-guess-1", "bad-guess-2", "argon2"):
        assert secret not in captured
