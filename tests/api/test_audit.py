"""Audit events: every security-relevant act leaves one structured line, and no secret."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.support.service import SECRET, Service
from wxsession.core import tokens


def test_audit_events_name_user_ip_and_fingerprint_never_secrets(
    make_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    service: Service = make_service(registration="explicit")
    caplog.set_level(logging.INFO, logger="wxsession.audit")

    bad = service.post("/v1/auth/wechat/login", json={"code": "0" * 32})
    assert bad.status_code == 401
    code = service.wx_code("rue")
    pending = service.post("/v1/auth/wechat/login", json={"code": code}).json()["session_id"]
    first = service.post("/v1/auth/register", pending, json={"nickname": "Rue"})
    token = first.json()["session_id"]
    user_id = first.json()["user"]["id"]
    second = service.session_for("rue")
    listed = service.get("/v1/sessions", token).json()["sessions"]
    second_id = next(s["id"] for s in listed if not s["current"])
    assert service.http.delete(f"/v1/sessions/{second_id}", headers=_auth(token)).status_code == 204
    third = service.session_for("rue")
    assert service.post("/v1/auth/logout", third).status_code == 204
    assert service.post("/v1/auth/logout-all", token).status_code == 204

    events = [r for r in caplog.records if r.name == "wxsession.audit"]
    by_name: dict[str, list[logging.LogRecord]] = {}
    for record in events:
        by_name.setdefault(record.__dict__["event"], []).append(record)
    assert {
        "login_failed",
        "login",
        "registered",
        "session_revoked",
        "logout",
        "logout_all",
    } <= set(by_name)
    assert _fields(by_name["login_failed"][0])["reason"] == "WECHAT_CODE_INVALID"
    assert _fields(by_name["registered"][0])["user"] == user_id
    logins = [_fields(r) for r in by_name["login"]]
    assert {"session": tokens.fingerprint(token), "ip": "127.0.0.1"}.items() <= logins[1].items()
    assert _fields(by_name["logout"][0])["session"] == tokens.fingerprint(third)
    assert _fields(by_name["logout_all"][0])["user"] == user_id
    for record in events:
        assert record.levelno >= logging.INFO and record.created > 0  # the event time
        assert "ip" in _fields(record)

    issued = service.emulator.issued_for("rue")
    secrets = [pending, token, second, third, code, issued.openid, issued.session_key, SECRET]
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for secret in secrets:
        assert secret not in text


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields a JSON formatter renders (``extra={"audit": ...}``)."""
    fields: dict[str, Any] = record.__dict__["audit"]
    return fields


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
