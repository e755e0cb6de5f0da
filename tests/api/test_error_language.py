"""Error messages in Chinese when the request's Accept-Language prefers it, wherever the
error is rendered: the fast path, FastAPI's handlers, the body-size middleware and Starlette's
own 404/405. The code, status and headers never change with the language."""

from __future__ import annotations

import pytest

from tests.support.service import Service, bearer
from wxsession.core.errors import InvalidRequest, SessionMissing
from wxsession.core.messages_zh import BY_CODE, BY_TEXT
from wxsession.server.errors import UNPARSABLE_BODY

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-US,en;q=0.9,zh-CN;q=0.8"}
JSON = {"Content-Type": "application/json"}


def _error(response: object) -> dict[str, str]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    error: dict[str, str] = body["error"]
    return error


def test_the_fast_path_answers_in_chinese(service: Service) -> None:
    chinese = service.http.get("/v1/me", headers=ZH)
    english = service.http.get("/v1/me", headers=EN)
    assert chinese.status_code == english.status_code == 401
    assert _error(chinese) == {"code": "SESSION_MISSING", "message": BY_CODE["SESSION_MISSING"]}
    assert _error(english) == {"code": "SESSION_MISSING", "message": SessionMissing.default_message}
    assert chinese.headers["www-authenticate"] == english.headers["www-authenticate"]
    introspect = service.http.get("/v1/session/introspect", headers={**bearer("junk"), **ZH})
    assert _error(introspect)["message"] == BY_CODE["SESSION_INVALID"]


def test_a_valid_request_is_the_same_in_both_languages(service: Service) -> None:
    token = service.session_for("mei")
    chinese = service.http.get("/v1/me", headers={**bearer(token), **ZH})
    assert chinese.status_code == 200
    assert chinese.content == service.http.get("/v1/me", headers={**bearer(token), **EN}).content


def test_fastapis_handlers_answer_in_chinese(service: Service) -> None:
    unreadable = service.http.post(
        "/v1/auth/password/login", content=b"{not json", headers={**JSON, **ZH}
    )
    assert unreadable.status_code == 400
    assert _error(unreadable) == {"code": "INVALID_REQUEST", "message": BY_TEXT[UNPARSABLE_BODY]}
    english = service.http.post("/v1/auth/password/login", content=b"{not json", headers=JSON)
    assert _error(english)["message"] == UNPARSABLE_BODY != InvalidRequest.default_message

    invalid = service.http.post("/v1/auth/password/login", json={"username": 1}, headers=ZH)
    assert invalid.status_code == 422
    error = _error(invalid)
    assert error["code"] == "VALIDATION_ERROR"
    assert error["message"] == BY_CODE["VALIDATION_ERROR"]
    assert error["details"]  # for machines: as in English


def test_a_session_route_answers_in_chinese(service: Service) -> None:
    response = service.http.get("/v1/sessions", headers={**bearer("junk"), **ZH})
    assert response.status_code == 401
    assert _error(response) == {"code": "SESSION_INVALID", "message": BY_CODE["SESSION_INVALID"]}


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [("GET", "/v1/nowhere", 404, "NOT_FOUND"), ("DELETE", "/v1/me", 405, "METHOD_NOT_ALLOWED")],
)
def test_starlettes_own_errors_answer_in_chinese(
    service: Service, method: str, path: str, status: int, code: str
) -> None:
    response = service.http.request(method, path, headers=ZH)
    assert response.status_code == status
    assert _error(response) == {"code": code, "message": BY_CODE[code]}


def test_the_body_size_cap_answers_in_chinese(service: Service) -> None:
    body = b" " * (service.settings.max_body_bytes + 1)
    response = service.http.post("/v1/auth/password/login", content=body, headers={**JSON, **ZH})
    assert response.status_code == 413
    assert _error(response) == {
        "code": "PAYLOAD_TOO_LARGE",
        "message": BY_CODE["PAYLOAD_TOO_LARGE"],
    }


def test_a_garbled_header_is_english_not_a_failure(service: Service) -> None:
    response = service.http.get("/v1/me", headers={"Accept-Language": "zh;q=;;,=,*;q=x" * 50})
    assert response.status_code == 401
    assert _error(response)["message"] == SessionMissing.default_message
