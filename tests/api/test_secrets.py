"""openid, unionid, session_key, the AppSecret, codes and raw tokens never leave the server:
not in any response, not in any log line."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.support.service import SECRET, Service


def _walk(service: Service) -> tuple[list[str], list[str]]:
    """Run the whole flow, returning every response text and every secret that was in play."""
    code = service.wx_code("yan")
    texts: list[str] = []
    login = service.post("/v1/auth/wechat/login", json={"code": code})
    texts.append(login.text + str(login.headers))
    token = login.json()["session_id"]
    for response in (
        service.get("/v1/me", token),
        service.post("/v1/auth/wechat/login", json={"code": code}),  # replay: an error
        service.post("/v1/auth/logout", token),
        service.get("/v1/me", token),
    ):
        texts.append(response.text + str(response.headers))
    issued = service.emulator.issued_for("yan")
    secrets = [SECRET, code, issued.openid, issued.session_key]
    if issued.unionid:
        secrets.append(issued.unionid)
    return texts, [*secrets, token]


@pytest.mark.parametrize("unionid", [False, True])
def test_responses_and_logs_hold_no_secrets(
    make_service: Any, caplog: pytest.LogCaptureFixture, unionid: bool
) -> None:
    service: Service = make_service()
    service.emulator.unionid = unionid
    caplog.set_level(logging.DEBUG)
    texts, secrets = _walk(service)
    token = secrets[-1]
    for text in texts[1:]:  # the login response carries the token, by design; nothing else
        assert token not in text
    for secret in secrets[:-1]:
        for text in texts:
            assert secret not in text
    log_text = "\n".join(record.getMessage() + str(record.args) for record in caplog.records)
    assert log_text, "the flow should have logged something"
    for secret in secrets:
        assert secret not in log_text
    assert "login user=" in log_text  # the audit line is there, naming the user, not secrets
