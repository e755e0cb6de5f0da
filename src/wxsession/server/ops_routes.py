"""Routes for operators and orchestrators, outside the versioned API: liveness, readiness,
metrics.

``/metrics`` asks for a bearer token when ``WXSESSION_METRICS_TOKEN`` is set (Prometheus
sends one with ``authorization: {credentials: ...}`` in its scrape config), for deployments
where the port is reachable from outside the monitoring network.

``/healthz`` answers as long as the process serves HTTP (a liveness probe must not fail
because Redis is down: restarting us would not fix Redis). ``/readyz`` answers 200 only when
this instance can serve logins: the session store and the database answer, the database
takes writes (``"database": "read_only"`` when it refuses them, see
:mod:`wxsession.db_probe`), and the schema is at the migration head. A load balancer or
Kubernetes readiness probe takes the instance out of rotation while it says 503. Each check
is bounded in time, so a hung backend makes the probe fail rather than hang.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import SecretStr

from wxsession import migrate
from wxsession.core.errors import MetricsUnauthorized, bearer_challenge
from wxsession.db_probe import write_verdict
from wxsession.runtime import Runtime
from wxsession.server.schemas import error_responses

log = logging.getLogger("wxsession.ops")

CHECK_TIMEOUT = 2.0
"""Seconds each readiness check may take; below Kubernetes' default probe timeout budget."""

router = APIRouter(tags=["ops"])
metrics_router = APIRouter(tags=["ops"])  # apart: WXSESSION_SERVE_METRICS=false leaves it out

_NO_STORE = {"Cache-Control": "no-store"}


@functools.cache
def _head_revision() -> str | None:
    """The migration head shipped with this code: read from disk once, it cannot change."""
    return migrate.head_revision()


async def _readiness(runtime: Runtime) -> dict[str, str]:
    """Each check's verdict: ``ok``, or why not (a word, never a message that could hold a
    DSN or password)."""
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(runtime.store.ping(), CHECK_TIMEOUT)
        checks["store"] = "ok"
    except Exception as exc:
        log.warning("readiness: session store check failed: %s", type(exc).__name__)
        checks["store"] = "unavailable"
    try:
        current = await asyncio.wait_for(migrate.current_revision(runtime.engine), CHECK_TIMEOUT)
        # Unmigrated, there is no row to probe with; the migrations check says why.
        checks["database"] = (
            "ok"
            if current is None
            else await asyncio.wait_for(write_verdict(runtime.engine), CHECK_TIMEOUT)
        )
    except Exception as exc:
        log.warning("readiness: database check failed: %s", type(exc).__name__)
        checks["database"] = "unavailable"
        checks["migrations"] = "unknown"
        return checks
    head = _head_revision()
    if current == head:
        checks["migrations"] = "ok"
    else:
        log.warning("readiness: database at revision %s, code expects %s", current, head)
        checks["migrations"] = "pending"
    return checks


@router.get("/healthz", summary="Liveness: the process is up")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


@router.get(
    "/readyz",
    summary="Readiness: session store and database answer, migrations are current",
    responses={503: {"description": "Not ready; `checks` names what failed"}},
)
async def readyz(request: Request) -> JSONResponse:
    runtime: Runtime | None = getattr(request.app.state, "wxsession", None)
    if runtime is None:
        return JSONResponse({"status": "starting", "checks": {}}, 503, headers=_NO_STORE)
    checks = await _readiness(runtime)
    ready = all(verdict == "ok" for verdict in checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503, headers=_NO_STORE)


@metrics_router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    response_class=PlainTextResponse,
    responses=error_responses(401),
)
async def metrics(request: Request) -> Response:
    runtime: Runtime | None = getattr(request.app.state, "wxsession", None)
    if runtime is None:
        return Response(status_code=503)
    _require_scrape_token(request, runtime.settings.metrics_token)
    return Response(runtime.metrics.render(), media_type=runtime.metrics.content_type)


def _require_scrape_token(request: Request, token: SecretStr | None) -> None:
    """Refuse a scrape without ``Authorization: Bearer <token>`` when a token is set. The
    comparison takes the same time wherever the sent value first differs."""
    if token is None:
        return
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    bearer = scheme.lower() == "bearer"
    if not bearer or not hmac.compare_digest(sent.strip().encode(), expected):
        error = "invalid_token" if bearer else None  # RFC 6750 3.1: none without a token
        challenge = bearer_challenge("metrics", MetricsUnauthorized.code, error)
        raise MetricsUnauthorized(headers={"WWW-Authenticate": challenge})
