"""/metrics counts what happened, by bounded labels only, on a registry per app."""

from __future__ import annotations

import time
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.service import APPID, Service
from wxsession.core.errors import SessionExpired
from wxsession.metrics import Metrics

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _samples(service: Service) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = service.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@SQLITE_ONLY
def test_logins_validations_and_wechat_calls_are_counted(make_service: Any) -> None:
    service: Service = make_service()
    code = service.wx_code("mei")
    token = service.post("/v1/auth/wechat/login", json={"code": code}).json()["session_id"]
    assert service.post("/v1/auth/wechat/login", json={"code": code}).status_code == 401
    service.emulator.set_faults(errcode=40029)
    assert service.login("mei").status_code == 401
    assert service.get("/v1/me", token).status_code == 200
    assert service.get("/v1/me", token).status_code == 200
    assert service.get("/v1/me", "x" * 43).status_code == 401

    samples = _samples(service)
    logins = "wxsession_logins_total"
    assert _value(samples, logins, provider="wechat", app=APPID, result="ok") == 1
    assert _value(samples, logins, provider="wechat", app=APPID, result="WECHAT_CODE_USED") == 1
    assert _value(samples, logins, provider="wechat", app=APPID, result="WECHAT_CODE_INVALID") == 1
    assert (
        _value(samples, "wxsession_login_duration_seconds_count", provider="wechat", app=APPID) == 3
    )

    validations = "wxsession_session_validations_total"
    assert _value(samples, validations, result="ok") == 2
    assert _value(samples, validations, result="SESSION_INVALID") == 1
    assert _value(samples, "wxsession_session_validation_duration_seconds_count") == 3

    calls = "wxsession_wechat_requests_total"
    assert _value(samples, calls, app=APPID, endpoint="jscode2session", errcode="0") == 1
    assert _value(samples, calls, app=APPID, endpoint="jscode2session", errcode="40163") == 1
    assert _value(samples, calls, app=APPID, endpoint="jscode2session", errcode="40029") == 1
    assert (
        _value(
            samples,
            "wxsession_wechat_request_duration_seconds_count",
            app=APPID,
            endpoint="jscode2session",
        )
        == 3
    )


@SQLITE_ONLY
def test_no_label_identifies_a_user(make_service: Any) -> None:
    service: Service = make_service()
    service.emulator.unionid = True
    login = service.login("li").json()
    token = login["session_id"]
    service.get("/v1/me", token)
    issued = service.emulator.issued_for("li")
    text = service.http.get("/metrics").text
    for value in (token, login["user"]["id"], issued.openid, issued.unionid, issued.session_key):
        assert value and value not in text
    labels = {
        name
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        for name in sample.labels
    }
    assert labels <= {"provider", "app", "result", "endpoint", "errcode", "store", "le"}


@SQLITE_ONLY
def test_each_app_has_its_own_registry(make_service: Any) -> None:
    first: Service = make_service()
    second: Service = make_service()
    first.login("a")
    first.login("b")
    second.login("c")
    assert (
        _value(_samples(first), "wxsession_logins_total", provider="wechat", app=APPID, result="ok")
        == 2
    )
    assert (
        _value(
            _samples(second), "wxsession_logins_total", provider="wechat", app=APPID, result="ok"
        )
        == 1
    )


@SQLITE_ONLY
def test_a_metrics_token_keeps_scrapers_without_it_out(make_service: Any) -> None:
    token = "scrape-" + "k" * 25
    service: Service = make_service(metrics_token=token)
    refused = [
        {},
        {"Authorization": token},  # no scheme
        {"Authorization": f"Basic {token}"},
        {"Authorization": f"Bearer {token[:-1]}"},
        {"Authorization": f"Bearer {token}k"},
    ]
    for headers in refused:
        response = service.http.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["error"]["code"] == "METRICS_UNAUTHORIZED"
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith('Bearer realm="metrics"')
        assert challenge.endswith('wx_error="METRICS_UNAUTHORIZED"')
        assert ('error="invalid_token"' in challenge) == headers.get(
            "Authorization", ""
        ).startswith("Bearer")
        assert "wxsession_" not in response.text
    scraped = service.http.get("/metrics", headers={"Authorization": f"bearer  {token}"})
    assert scraped.status_code == 200
    assert "wxsession_session_validations_total" in scraped.text
    assert service.http.get("/healthz").status_code == 200  # probes stay open


def test_ops_routes_are_outside_the_v1_api(service: Service) -> None:
    paths = service.http.get("/openapi.json").json()["paths"]
    for path in ("/healthz", "/readyz", "/metrics"):
        assert paths[path]["get"]["tags"] == ["ops"]
    assert all(
        operation.get("tags") != ["ops"]
        for path, item in paths.items()
        if path.startswith("/v1/")
        for operation in item.values()
    )


def test_validation_durations_land_in_inclusive_buckets_as_prometheus_reads_them() -> None:
    """The hot-path counters are plain numbers rendered at scrape time: the exposition must
    still be a valid counter and a cumulative histogram whose ``le`` bounds are inclusive."""
    metrics = Metrics()
    for seconds in (0.0005, 0.0007, 3.0):
        metrics.validations.observe("ok", seconds)
    metrics.count_validation(time.perf_counter(), SessionExpired())
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(metrics.render().decode())
        for sample in family.samples
    }
    histogram = "wxsession_session_validation_duration_seconds"
    assert _value(samples, "wxsession_session_validations_total", result="ok") == 3
    assert _value(samples, "wxsession_session_validations_total", result="SESSION_EXPIRED") == 1
    assert _value(samples, f"{histogram}_bucket", le="0.0005") == 2  # 0.0005 and the failure
    assert _value(samples, f"{histogram}_bucket", le="0.001") == 3
    assert _value(samples, f"{histogram}_bucket", le="2.5") == 3
    assert _value(samples, f"{histogram}_bucket", le="+Inf") == 4
    assert _value(samples, f"{histogram}_count") == 4
    assert 3.0012 <= _value(samples, f"{histogram}_sum") < 3.01
