"""Prometheus metrics: what operators graph and alert on, and nothing that names a user.

Each :class:`Metrics` owns its own ``CollectorRegistry`` (not the process-global default), so
several apps in one process (tests, or a user's app next to ours) never collide on metric
names. Labels are bounded sets: provider names and appids we configured (a client's appid
that is not ours is ``unknown``), our error codes, WeChat endpoint names and errcodes, store
kinds. Never a secret. Never a user id, openid, token or IP.

The per-request path (:meth:`Metrics.count_validation`) costs a ``perf_counter`` pair and
three additions to plain numbers, rendered as a counter and a histogram when scraped.
"""

from __future__ import annotations

import bisect
import itertools
import time
from collections.abc import Awaitable, Iterator
from typing import TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

T = TypeVar("T")

OK = "ok"
UNKNOWN_PROVIDER = "unknown"
UNKNOWN_APP = "unknown"

_FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
"""Validation is one store round trip: sub-millisecond to a few milliseconds."""

_SLOW_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Logins and WeChat calls cross the internet: tens of milliseconds to the WeChat timeout."""


def result_of(exc: Exception) -> str:
    """The label for a failure: our stable error code, or ``INTERNAL_ERROR`` for the rest."""
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) else "INTERNAL_ERROR"


class Metrics:
    """The service's metrics, registered on a registry of their own."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.logins = Counter(
            "wxsession_logins",
            "Login attempts by provider, app and result (ok, or the error code).",
            ["provider", "app", "result"],
            registry=r,
        )
        self.login_seconds = Histogram(
            "wxsession_login_duration_seconds",
            "Time to complete a login, WeChat exchange and account lookup included.",
            ["provider", "app"],
            buckets=_SLOW_BUCKETS,
            registry=r,
        )
        self.validations = _Validations()
        r.register(self.validations)
        self.wechat_calls = Counter(
            "wxsession_wechat_requests",
            "Calls to WeChat's server API by mini program (appid), endpoint and errcode (0 "
            "is success; 'unavailable' (unreachable, timeout, HTTP error) or 'bad_response' "
            "when no errcode came back).",
            ["app", "endpoint", "errcode"],
            registry=r,
        )
        self.wechat_seconds = Histogram(
            "wxsession_wechat_request_duration_seconds",
            "Latency of calls to WeChat's server API.",
            ["app", "endpoint"],
            buckets=_SLOW_BUCKETS,
            registry=r,
        )
        self.store_errors = Counter(
            "wxsession_store_errors",
            "Requests that failed because a backend did not answer (store: session or database).",
            ["store"],
            registry=r,
        )
        self.audit_rows = Counter(
            "wxsession_audit_rows",
            "Rows of the audit_events table by result: written, or dropped (the writer's "
            "queue was full while the database refused them).",
            ["result"],
            registry=r,
        )

    def count_validation(self, started: float, error: Exception | None = None) -> None:
        """Count one session check begun at ``started`` (a ``time.perf_counter()`` reading):
        ``ok``, or ``error``'s code. Called by the check itself rather than wrapping it in a
        coroutine of its own, which cost a tenth of a cached check."""
        result = OK if error is None else result_of(error)
        self.validations.observe(result, time.perf_counter() - started)

    async def observe_login(self, provider: str, app: str, logging_in: Awaitable[T]) -> T:
        """Await a login through ``provider`` and its ``app`` (configured names and appids,
        or ``unknown``)."""
        start = time.perf_counter()
        try:
            result = await logging_in
        except Exception as exc:
            self.logins.labels(provider, app, result_of(exc)).inc()
            raise
        finally:
            self.login_seconds.labels(provider, app).observe(time.perf_counter() - start)
        self.logins.labels(provider, app, OK).inc()
        return result

    def wechat_call(self, app: str, endpoint: str, errcode: str, seconds: float) -> None:
        """Record one WeChat API call of the mini program ``app`` and how it ended."""
        self.wechat_calls.labels(app, endpoint, errcode).inc()
        self.wechat_seconds.labels(app, endpoint).observe(seconds)

    def store_error(self, store: str) -> None:
        self.store_errors.labels(store).inc()

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric on this registry."""
        return generate_latest(self.registry)


class _Validations(Collector):
    """Session checks by result, and their durations: ``wxsession_session_validations_total``
    and ``wxsession_session_validation_duration_seconds``.

    Kept as plain numbers and turned into metric families only when scraped: every
    authenticated request passes here, and prometheus_client's own children take a lock per
    update (three a request, about 2 µs, a tenth of ``GET /v1/me``). Updates come from the
    event loop's one thread (the sync facade runs the runtime on one loop as well).
    """

    def __init__(self) -> None:
        self.results: dict[str, int] = {}
        self.buckets = [0] * (len(_FAST_BUCKETS) + 1)  # the last one is +Inf
        self.seconds = 0.0

    def observe(self, result: str, seconds: float) -> None:
        self.results[result] = self.results.get(result, 0) + 1
        self.buckets[bisect.bisect_left(_FAST_BUCKETS, seconds)] += 1
        self.seconds += seconds

    def collect(self) -> Iterator[Metric]:
        checks = CounterMetricFamily(
            "wxsession_session_validations",
            "Session checks by result (ok, or the error code).",
            labels=["result"],
        )
        for result, count in list(self.results.items()):
            checks.add_metric([result], count)
        yield checks
        bounds = [*(str(bound) for bound in _FAST_BUCKETS), "+Inf"]
        yield HistogramMetricFamily(
            "wxsession_session_validation_duration_seconds",
            "Time to resolve a session token (the per-request hot path).",
            buckets=list(zip(bounds, itertools.accumulate(self.buckets), strict=True)),
            sum_value=self.seconds,
        )
