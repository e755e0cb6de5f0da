"""`wxsession serve` as operators run it: a real process, its log output, and SIGTERM."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import httpx

from tests.support.cli import serving


def test_sigterm_lets_the_in_flight_login_finish(tmp_path: Path) -> None:
    with serving(tmp_path) as (server, http):
        code = http.post("/_emulator/login", json={"user": "slow"}).json()["code"]
        assert http.post("/_emulator/faults", json={"latency_ms": 1500}).status_code == 200
        results: list[httpx.Response | BaseException] = []

        def login() -> None:
            try:
                with httpx.Client(base_url=str(http.base_url), timeout=10) as own:
                    results.append(
                        own.post(
                            "/v1/auth/wechat/login",
                            json={"code": code},
                            headers={"X-Request-Id": "in-flight-1"},
                        )
                    )
            except BaseException as exc:
                results.append(exc)

        in_flight = threading.Thread(target=login)
        in_flight.start()
        time.sleep(0.5)  # the login is now waiting on the slow WeChat call
        server.send_signal(signal.SIGTERM)
        in_flight.join(timeout=15)
        output, _ = server.communicate(timeout=20)

    (response,) = results
    assert isinstance(response, httpx.Response), response
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "in-flight-1"
    assert server.returncode == 0, output
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert not [line for line in lines if line["level"] in ("ERROR", "CRITICAL")], output
    access = [line for line in lines if line["logger"] == "wxsession.access"]
    login_line = next(line for line in access if line["path"] == "/v1/auth/wechat/login")
    assert login_line["request_id"] == "in-flight-1"
    assert login_line["status"] == 200
    assert login_line["duration_ms"] >= 1500
    messages = [line["message"] for line in lines]
    assert "Application shutdown complete." in messages  # the lifespan closed the pools


def test_text_logs_for_development(tmp_path: Path) -> None:
    with serving(tmp_path, WXSESSION_LOG_FORMAT="text") as (server, http):
        rid = http.get("/readyz").headers["x-request-id"]
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=20)
    assert server.returncode == 0
    access = [line for line in output.splitlines() if "wxsession.access" in line]
    assert any(f"[{rid}] GET /readyz 200" in line for line in access)
    assert not output.lstrip().startswith("{")
