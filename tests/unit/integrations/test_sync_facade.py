"""The sync facade: the async rules on one loop thread, failing closed on a hung store."""

from __future__ import annotations

import time
from typing import Any

import pytest

from devtools.servers import RedisProcess
from tests.support.service import Service, bearer
from wxsession.core.errors import SessionMissing, SessionStoreUnavailable
from wxsession.sync import Headers, RequestSnapshot, SyncRuntime


def _request(token: str | None = None) -> RequestSnapshot:
    return RequestSnapshot(headers=Headers(bearer(token) if token else {}))


def test_headers_ignore_case() -> None:
    headers = Headers({"X-Session-Id": "abc"})
    assert headers.get("x-session-id") == headers["X-SESSION-ID"] == "abc"
    assert list(headers) == ["x-session-id"]


def test_body_carrier_reads_the_copied_body(make_service: Any) -> None:
    service: Service = make_service()
    token = service.session_for("bo")
    settings = service.settings.model_copy(update={"carriers": ["body"]})
    runtime = SyncRuntime(settings).start()
    try:
        body = f'{{"session_id": "{token}"}}'.encode()

        def snapshot(body: bytes) -> RequestSnapshot:
            headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
            return runtime.snapshot("POST", headers, {}, lambda: body)

        active = runtime.authenticate(snapshot(body))
        assert active is not None and active.record.user_id is not None
        with pytest.raises(SessionMissing):
            runtime.authenticate(snapshot(b"{"))
    finally:
        runtime.close()


def test_a_hung_store_times_out_as_503(make_service: Any, own_redis: RedisProcess) -> None:
    """SIGSTOP on Redis: nothing answers. The facade's own timeout gives 503 promptly.
    (Without the hot-session cache, which may answer for up to its 1 s heartbeat lag:
    tests/unit/sessions/test_cache.py covers that.)"""
    service: Service = make_service(session_store=own_redis.url, session_cache_size=0)
    token = service.session_for("hu")
    runtime = SyncRuntime(service.settings, timeout=0.3).start()
    try:
        assert runtime.authenticate(_request(token)) is not None
        own_redis.pause()
        started = time.monotonic()
        with pytest.raises(SessionStoreUnavailable):
            runtime.authenticate(_request(token))
        assert time.monotonic() - started < 1.0
        own_redis.resume()
        assert runtime.authenticate(_request(token)) is not None  # the loop is still healthy
    finally:
        own_redis.resume()
        runtime.close()


def test_closed_runtime_refuses_calls_and_closes_once(service: Service) -> None:
    runtime = SyncRuntime(service.settings).start()
    assert runtime.start() is runtime  # idempotent
    runtime.close()
    runtime.close()
    with pytest.raises(RuntimeError, match="not started"):
        runtime.authenticate(_request())
