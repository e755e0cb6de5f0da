"""Every answer of an operation that reads the session is ``Cache-Control: no-store``: it names
the user or the session, and no cache (shared or the client's) may keep it (ASVS 4.0.3 8.2.1,
A5 14.3.2). The operations are read from the OpenAPI document, so a route added later is
walked too, and fails here until it has an example below."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.api.test_login_routes import PLATFORMS, platform_code
from tests.api.test_wechat_data import PHONE, RAW, openid
from tests.support.service import APPID, Service, code_proof, session_id_of
from tests.support.smtp import ThreadedSmtp
from wxsession.platforms.wechat.emulated import encrypt_for, sign

GOOD = "correct horse 電池 staple"

Call = tuple[str, str, dict[str, Any]]
"""The session to present, the concrete path, and the rest of the request."""


def registered(service: Service, person: str) -> str:
    pending = service.session_for(person)
    return session_id_of(service.post("/v1/auth/register", pending, json={"nickname": person}))


def with_password(service: Service, person: str) -> str:
    token = registered(service, person)
    body = {"username": person, "password": GOOD, "reauth": code_proof(service, person)}
    return session_id_of(service.post("/v1/me/identities/password", token, json=body))


def other_session(service: Service, person: str) -> Call:
    token = registered(service, person)
    service.session_for(person)  # a second device
    listed = service.get("/v1/sessions", token).json()["sessions"]
    other = next(s["id"] for s in listed if not s["current"])
    return token, f"/v1/sessions/{other}", {}


MAILS: list[ThreadedSmtp] = []
"""The SMTP server the test's service mails through (set by the test), where codes arrive."""


def mailed_code(service: Service, email: str, purpose: str) -> str:
    sent = service.http.post("/v1/auth/codes", json={"email": email, "purpose": purpose})
    assert sent.status_code == 202, sent.text
    code = MAILS[0].outbox.latest_code(email)
    assert code is not None
    return code


ELSEWHERE = {
    ("POST", "/v1/auth/phone/login"): "tests/api/test_address_logins.py",
    ("POST", "/v1/me/identities/phone"): "tests/api/test_address_binding.py",
}
"""Operations whose success needs an SMS code, which a service outside dev mode sends only
through a configured vendor: their no-store answers are held in dev mode there."""


def plain(path: str, **request: Any) -> Callable[[Service, str], Call]:
    return lambda service, person: (registered(service, person), path, request)


EXAMPLES: dict[tuple[str, str], Callable[[Service, str], Call]] = {
    ("POST", "/v1/auth/wechat/login"): lambda s, p: (
        registered(s, p),
        "/v1/auth/wechat/login",
        {"json": {"code": s.wx_code(p)}},
    ),
    ("POST", "/v1/auth/register"): lambda s, p: (
        s.session_for(p),
        "/v1/auth/register",
        {"json": {"nickname": p}},
    ),
    ("POST", "/v1/auth/logout"): plain("/v1/auth/logout"),
    ("GET", "/v1/me"): plain("/v1/me"),
    ("PUT", "/v1/me/profile"): plain("/v1/me/profile", json={"nickname": "新"}),
    ("POST", "/v1/auth/password/login"): lambda s, p: (
        with_password(s, p),
        "/v1/auth/password/login",
        {"json": {"username": p, "password": GOOD}},
    ),
    ("POST", "/v1/me/password"): lambda s, p: (
        with_password(s, p),
        "/v1/me/password",
        {"json": {"current_password": GOOD, "new_password": GOOD + "!"}},
    ),
    ("GET", "/v1/me/identities"): plain("/v1/me/identities"),
    ("GET", "/v1/me/activity"): plain("/v1/me/activity"),
    ("POST", "/v1/me/identities/password"): lambda s, p: (
        registered(s, p),
        "/v1/me/identities/password",
        {"json": {"username": "pw-user", "password": GOOD, "reauth": code_proof(s, p)}},
    ),
    ("POST", "/v1/me/identities/{provider}"): lambda s, p: (
        registered(s, p),
        "/v1/me/identities/qq",
        {"json": {"code": platform_code(s, "qq", p), "reauth": code_proof(s, p)}},
    ),
    ("DELETE", "/v1/me/identities/{provider}"): lambda s, p: (
        with_password(s, p),
        "/v1/me/identities/password",
        {"json": {"reauth": {"password": GOOD}}},
    ),
    ("GET", "/v1/sessions"): plain("/v1/sessions"),
    ("DELETE", "/v1/sessions"): plain("/v1/sessions"),
    ("DELETE", "/v1/sessions/{session_id}"): other_session,
    ("POST", "/v1/auth/logout-all"): plain("/v1/auth/logout-all"),
    ("POST", "/v1/wechat/verify"): lambda s, p: (
        registered(s, p),
        "/v1/wechat/verify",
        {"json": {"rawData": RAW, "signature": sign(s.emulator, APPID, openid(s, p), RAW)}},
    ),
    ("POST", "/v1/wechat/decrypt"): lambda s, p: (
        registered(s, p),
        "/v1/wechat/decrypt",
        {
            "json": dict(
                zip(
                    ("encryptedData", "iv"),
                    encrypt_for(s.emulator, APPID, openid(s, p), PHONE),
                    strict=True,
                )
            )
        },
    ),
    ("POST", "/v1/me/phone"): lambda s, p: (
        registered(s, p),
        "/v1/me/phone",
        {"json": {"code": s.emulator.issue_phone_code(APPID, p, "13800138000", country_code=86)}},
    ),
    ("GET", "/v1/wechat/session-key"): plain("/v1/wechat/session-key"),
    ("GET", "/v1/session/introspect"): plain("/v1/session/introspect"),
    ("GET", "/v1/session/auth"): plain("/v1/session/auth"),
    ("POST", "/v1/auth/email/login"): lambda s, p: (
        registered(s, p),
        "/v1/auth/email/login",
        {
            "json": {
                "email": f"{p}@example.com",
                "code": mailed_code(s, f"{p}@example.com", "login"),
            }
        },
    ),
    ("POST", "/v1/me/identities/email"): lambda s, p: (
        registered(s, p),
        "/v1/me/identities/email",
        {
            "json": {
                "email": f"{p}@example.com",
                "code": mailed_code(s, f"{p}@example.com", "bind"),
                "reauth": code_proof(s, p),
            }
        },
    ),
    ("POST", "/v1/auth/wechat/phone-login"): lambda s, p: (
        registered(s, p),
        "/v1/auth/wechat/phone-login",
        {
            "json": {
                "code": s.wx_code(p),
                "phone_code": s.emulator.issue_phone_code(APPID, p, "13800138000"),
            }
        },
    ),
    ("DELETE", "/v1/me"): lambda s, p: (
        registered(s, p),
        "/v1/me",
        {"json": {"reauth": code_proof(s, p)}},
    ),
    ("POST", "/v1/auth/{provider}/login"): lambda s, p: (
        registered(s, p),
        "/v1/auth/qq/login",
        {"json": {"code": platform_code(s, "qq", p)}},
    ),
}


def session_operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    """Every operation whose security names the session (required or optional) and that
    answers a client, not a browser on its way elsewhere: the browser-login callback (its
    success is a 302) reads only the session cookie, and its answers are held no-store by
    tests/api/test_web_login.py."""
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
        and any("session" in need for need in operation.get("security", []))
        and "302" not in operation["responses"]
    ]


def test_every_answer_that_reads_the_session_is_no_store(
    make_service: Any, smtp_outbox: ThreadedSmtp
) -> None:
    MAILS[:] = [smtp_outbox]
    service: Service = make_service(
        registration="explicit",
        smtp_host=smtp_outbox.server.host,
        smtp_port=smtp_outbox.server.port,
        smtp_starttls=False,
        code_captcha_after=1000,
        **PLATFORMS["qq"],
    )
    operations = session_operations(service.http.get("/openapi.json").json())
    assert ("GET", "/v1/me") in operations
    assert set(operations) <= set(EXAMPLES) | set(ELSEWHERE), "add an example for each new one"
    for number, (method, template) in enumerate(operations):
        if (method, template) in ELSEWHERE:
            continue
        token, path, request = EXAMPLES[method, template](service, f"person{number}")
        headers = {"Authorization": f"Bearer {token}"}
        answer = service.http.request(method, path, headers=headers, **request)
        assert answer.is_success, (method, path, answer.text)
        assert answer.headers.get_list("cache-control") == ["no-store"], (method, path)
        refused = service.http.request(method, path, headers={"Authorization": "Bearer x"})
        assert refused.status_code in (401, 422), (method, path)
        assert refused.headers["cache-control"] == "no-store", (method, path)
