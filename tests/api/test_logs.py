"""JSON log lines of real requests, failures included: the shape every line has, the request
id that ties a request's lines together, and no secret or user identifier anywhere."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.logs import attached
from tests.support.service import SECRET, Service
from wxsession.logging_setup import JsonFormatter, RequestIdFilter, new_request_id

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged in this process at DEBUG, as the JSON lines `serve` would write."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    with attached(handler):
        yield buffer


def _lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def _walk(service: Service) -> tuple[list[str], list[str]]:
    """Successes and failures; returns the request ids sent and the secrets in play."""
    code = service.wx_code("qing")
    ids = [f"req-{n}" for n in range(6)]
    login = service.http.post(
        "/v1/auth/wechat/login", json={"code": code}, headers={"X-Request-Id": ids[0]}
    )
    assert login.headers["x-request-id"] == ids[0]
    token = login.json()["session_id"]
    auth = {"Authorization": f"Bearer {token}", "X-Request-Id": ids[1]}
    assert service.http.get("/v1/me", headers=auth).status_code == 200
    replay = service.http.post(
        "/v1/auth/wechat/login", json={"code": code}, headers={"X-Request-Id": ids[2]}
    )
    assert replay.status_code == 401
    service.emulator.set_faults(errcode=40125)  # WeChat refuses our AppSecret: an ERROR line
    refused_code = service.wx_code("qing")
    refused = service.http.post(
        "/v1/auth/wechat/login", json={"code": refused_code}, headers={"X-Request-Id": ids[3]}
    )
    assert refused.status_code == 502
    assert (
        service.http.get(f"/v1/me?session_id={token}", headers={"X-Request-Id": ids[4]}).status_code
        == 401
    )
    assert (
        service.http.post("/v1/auth/logout", headers={**auth, "X-Request-Id": ids[5]}).status_code
        == 204
    )
    issued = service.emulator.issued_for("qing")
    secrets = [SECRET, code, refused_code, token, issued.openid, issued.session_key]
    if issued.unionid:
        secrets.append(issued.unionid)
    return ids, secrets


@SQLITE_ONLY
@pytest.mark.parametrize("unionid", [False, True])
def test_json_lines_carry_request_ids_and_no_secrets(
    make_service: Any, json_log: io.StringIO, unionid: bool
) -> None:
    service: Service = make_service()
    service.emulator.unionid = unionid
    ids, secrets = _walk(service)

    raw = json_log.getvalue()
    for secret in secrets:
        assert secret not in raw
    lines = _lines(json_log)
    for line in lines:
        assert {"time", "level", "logger", "message", "request_id"} <= line.keys()
    by_id: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_id.setdefault(line["request_id"], []).append(line)
    for rid in ids:
        access = [line for line in by_id[rid] if line["logger"] == "wxsession.access"]
        assert len(access) == 1, rid
    assert by_id[ids[0]][-1]["status"] == 200
    # The lines written while a request ran carry its id: the audit line of the login, the
    # ERROR line about the refused AppSecret.
    assert any(line["logger"] == "wxsession.audit" for line in by_id[ids[0]])
    assert any(line["level"] == "ERROR" for line in by_id[ids[3]])
    assert "session_id" not in json.dumps([line["path"] for line in lines if "path" in line])


def test_request_id_is_honoured_only_when_well_formed() -> None:
    assert new_request_id("9f1c-2b:proxy.7") == "9f1c-2b:proxy.7"
    for bad in ("", "two words", "x" * 129, 'forged"}\n{"level":"ERROR', "é"):
        fresh = new_request_id(bad)
        assert fresh != bad and len(fresh) == 16


@SQLITE_ONLY
def test_a_fresh_id_replaces_a_malformed_one(make_service: Any, json_log: io.StringIO) -> None:
    service: Service = make_service()
    response = service.http.get("/healthz", headers={"X-Request-Id": "not ok, {}"})
    rid = response.headers["x-request-id"]
    assert rid != "not ok, {}" and len(rid) == 16
    assert any(line["request_id"] == rid for line in _lines(json_log))
    other = service.http.get("/healthz").headers["x-request-id"]
    assert other != rid
