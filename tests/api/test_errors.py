"""Every WeChat errcode and every kind of bad input gets a clear error, never a 500."""

from __future__ import annotations

import pytest

from tests.support.service import Service

WECHAT_ERRCODES = [
    (40029, 401, "WECHAT_CODE_INVALID"),
    (40163, 401, "WECHAT_CODE_USED"),
    (45011, 429, "RATE_LIMITED"),
    (40226, 403, "WECHAT_USER_BLOCKED"),
    (-1, 503, "WECHAT_UNAVAILABLE"),
    (40013, 502, "WECHAT_MISCONFIGURED"),
    (40125, 502, "WECHAT_MISCONFIGURED"),
    (99999, 502, "WECHAT_ERROR"),
]


@pytest.mark.parametrize(("errcode", "status", "code"), WECHAT_ERRCODES)
def test_wechat_errcodes_map_to_our_errors(
    service: Service, errcode: int, status: int, code: str
) -> None:
    wx_code = service.wx_code("grace")
    service.emulator.set_faults(errcode=errcode, count=1)
    response = service.post("/v1/auth/wechat/login", json={"code": wx_code})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert "session_id" not in response.json()
    if status in (429, 503):
        assert int(response.headers["retry-after"]) > 0


def test_wechat_timeout_is_unavailable(service: Service) -> None:
    wx_code = service.wx_code("heidi")
    service.emulator.set_faults(latency_ms=3000)  # over the 2 s client timeout
    response = service.post("/v1/auth/wechat/login", json={"code": wx_code})
    service.emulator.reset_faults()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "WECHAT_UNAVAILABLE"


def test_wechat_garbage_answer_is_a_gateway_error(service: Service) -> None:
    wx_code = service.wx_code("ivan")
    service.emulator.set_faults(body="<html>502 Bad Gateway</html>", count=1)
    response = service.post("/v1/auth/wechat/login", json={"code": wx_code})
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "WECHAT_ERROR"


def test_wechat_unreachable_is_unavailable(make_service: object) -> None:
    unreachable = make_service(wechat_api_base="http://127.0.0.1:9")  # type: ignore[operator]
    response = unreachable.post("/v1/auth/wechat/login", json={"code": "a" * 32})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "WECHAT_UNAVAILABLE"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"not json", 400, "INVALID_REQUEST"),
        (b"{}", 422, "VALIDATION_ERROR"),
        (b'{"code": ""}', 422, "VALIDATION_ERROR"),
        (b'{"code": 42}', 422, "VALIDATION_ERROR"),
        (b'{"code": "' + b"x" * 129 + b'"}', 422, "VALIDATION_ERROR"),
        (b'{"code": "abc", "openid": "victim"}', 422, "VALIDATION_ERROR"),
        (b"[]", 422, "VALIDATION_ERROR"),
    ],
)
def test_malformed_login_bodies(service: Service, body: bytes, status: int, code: str) -> None:
    response = service.http.post(
        "/v1/auth/wechat/login", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_validation_errors_do_not_echo_input(service: Service) -> None:
    secret_looking = "x" * 200
    response = service.post("/v1/auth/wechat/login", json={"code": secret_looking})
    assert response.status_code == 422
    assert secret_looking not in response.text


def test_oversized_body_is_413(service: Service) -> None:
    response = service.post("/v1/auth/wechat/login", content=b"{" + b" " * 100_000 + b"}")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_unknown_route_and_method_are_json_errors(service: Service) -> None:
    missing = service.get("/v1/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"
    wrong_method = service.http.put("/v1/me")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "SESSION_MISSING"),
        ("Bearer", "SESSION_MISSING"),
        ("Basic dXNlcjpwYXNz", "SESSION_MISSING"),
        ("Bearer abc", "SESSION_INVALID"),
        ("Bearer " + "A" * 10_000, "SESSION_INVALID"),
        ("Bearer " + "*" * 43, "SESSION_INVALID"),
        ("Bearer " + "{x}?" * 11, "SESSION_INVALID"),
        ("Bearer " + "a" * 43, "SESSION_INVALID"),
    ],
)
def test_missing_malformed_and_unknown_tokens(
    service: Service, authorization: str | None, code: str
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = service.http.get("/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code


def test_tampered_token_is_refused(service: Service) -> None:
    token = service.session_for("judy")
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = service.get("/v1/me", flipped)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "SESSION_INVALID"
    assert service.get("/v1/me", token).status_code == 200


def challenge(code: str, error: str | None = None) -> str:
    described = f', error="{error}"' if error else ""
    return f'Bearer realm="wxsession"{described}, wx_error="{code}"'


def test_session_401s_carry_a_bearer_challenge_naming_the_code(service: Service) -> None:
    """RFC 6750 section 3: no token, no ``error``; a bad or expired one is ``invalid_token``."""
    token = service.session_for("ivan")
    cases = [
        (None, challenge("SESSION_MISSING")),
        ("not-a-token", challenge("SESSION_INVALID", "invalid_token")),
        ("A" * 43, challenge("SESSION_INVALID", "invalid_token")),
    ]
    for path in ("/v1/me", "/v1/sessions"):  # the fast path and a FastAPI route
        for sent, expected in cases:
            response = service.get(path, sent)
            assert response.status_code == 401
            assert response.headers.get_list("www-authenticate") == [expected], (path, sent)
        assert "www-authenticate" not in service.get(path, token).headers
    service.clock.advance(7200 + 1)
    expired = service.get("/v1/me", token)
    assert expired.json()["error"]["code"] == "SESSION_EXPIRED"
    assert expired.headers["www-authenticate"] == challenge("SESSION_EXPIRED", "invalid_token")
