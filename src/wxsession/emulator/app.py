"""The emulator over HTTP: every emulated platform's routes, plus ``/_emulator/*`` control
routes (a documented contract: their paths and bodies stay).

Each platform's host is served under the path prefix its emulated module names (the
default platform's at the root), since two hosts can share a path. Point each platform's API
base setting at this server's URL plus that prefix.

A plain Starlette app, so it can run alone (``wxsession emulator``), be mounted into the
dev-mode server, or sit behind ``httpx.ASGITransport``. Nothing here logs a secret or a code:
there is no access log, and the one log line names the path and the errcode.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wxsession.emulator.platforms import EMULATED, Emulator
from wxsession.emulator.routing import BadRequest, json_object
from wxsession.emulator.sms import sms_routes
from wxsession.emulator.smtp import SmtpOutboxServer, smtp_routes

log = logging.getLogger("wxsession.emulator")

_FAULT_FIELDS: Mapping[str, tuple[type, ...]] = {
    "latency_ms": (int,),
    "errcode": (int, str, type(None)),
    "count": (int,),
    "body": (str, type(None)),
    "status": (int,),
    "path": (str, type(None)),
}


Endpoint = Callable[[Request], Awaitable[Response]]


def emulator_routes(emulator: Emulator) -> list[Route]:
    """The emulator's routes (every platform's API and the control routes), to serve alone
    or to add to another app."""

    async def login(request: Request) -> Response:
        data = await json_object(request)
        unknown = set(data) - {"appid", "user", "platform"}
        if unknown:
            raise BadRequest(f"unknown fields: {', '.join(sorted(unknown))}")
        try:
            code = emulator.issue_code(
                data.get("appid"), data.get("user", ""), data.get("platform")
            )
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        return JSONResponse({"code": code})

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            emulator.reset_faults()
        elif request.method == "POST":
            options = _fault_options(await json_object(request))
            try:
                emulator.set_faults(**options)
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
        return JSONResponse(emulator.faults.to_dict())

    async def phone_code(request: Request) -> Response:
        data = await json_object(request)
        unknown = set(data) - {"appid", "user", "phone", "country_code"}
        if unknown:
            raise BadRequest(f"unknown fields: {', '.join(sorted(unknown))}")
        try:
            code = emulator.issue_phone_code(
                data.get("appid"),
                str(data.get("user", "")),
                str(data.get("phone", "13800138000")),
                data.get("country_code", "86"),
            )
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        return JSONResponse({"code": code})

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return [
        *(route for platform in EMULATED for route in platform.routes(emulator)),
        Route("/_emulator/login", _refusing_bad_requests(login), methods=["POST"]),
        Route("/_emulator/phone-code", _refusing_bad_requests(phone_code), methods=["POST"]),
        Route(
            "/_emulator/faults", _refusing_bad_requests(faults), methods=["GET", "POST", "DELETE"]
        ),
        Route("/_emulator/health", health, methods=["GET"]),
        *emulator.outbox.routes(),
        *sms_routes(emulator),
        *emulator.captchas.routes(),
        *smtp_routes(lambda: emulator.smtp),
    ]


def create_emulator_app(emulator: Emulator, *, smtp: tuple[str, int] | None = None) -> Starlette:
    """The emulator as a standalone ASGI app; with ``smtp`` (host, port: 0 picks one), its
    lifespan also runs a real SMTP server feeding the outbox (:mod:`.smtp`)."""
    if smtp is None:
        return Starlette(routes=emulator_routes(emulator))

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        server = SmtpOutboxServer(emulator.outbox, host=smtp[0], port=smtp[1])
        await server.start()
        emulator.smtp = server
        log.info("emulator: SMTP server on %s:%s feeds /_emulator/outbox", server.host, server.port)
        try:
            yield
        finally:
            await server.stop()

    return Starlette(routes=emulator_routes(emulator), lifespan=lifespan)


def _refusing_bad_requests(endpoint: Endpoint) -> Endpoint:
    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except BadRequest as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return guarded


def _fault_options(data: Mapping[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for name, value in data.items():
        allowed = _FAULT_FIELDS.get(name)
        if allowed is None:
            raise BadRequest(f"unknown field {name!r}; known: {', '.join(_FAULT_FIELDS)}")
        if isinstance(value, bool) or not isinstance(value, allowed):
            raise BadRequest(f"{name} has the wrong type")
        options[name] = value
    return options


def parse_app_option(option: str) -> tuple[str, str]:
    """``"APPID:SECRET"`` → ``(appid, secret)``; the message never repeats the value."""
    appid, sep, secret = option.partition(":")
    appid, secret = appid.strip(), secret.strip()
    if not sep or not appid or not secret:
        raise ValueError("expected APPID:SECRET, e.g. wx1234567890abcdef:my-app-secret")
    if any(char.isspace() for char in appid):
        raise ValueError("the appid must not contain spaces")
    return appid, secret


def parse_app_options(option: str) -> dict[str, str]:
    """``"APPID:SECRET[,APPID:SECRET...]"`` (one option naming several apps, as
    ``WXSESSION_<PLATFORM>_APPS`` does) → appid → secret; an appid given twice, or no app
    at all, is refused."""
    apps: dict[str, str] = {}
    for part in filter(str.strip, option.split(",")):  # a trailing comma is fine
        appid, secret = parse_app_option(part)
        if appid in apps:
            raise ValueError(f"appid {appid!r} is given twice")
        apps[appid] = secret
    if not apps:
        raise ValueError("expected APPID:SECRET, e.g. wx1234567890abcdef:my-app-secret")
    return apps


def _config(
    host: str,
    port: int,
    apps: Mapping[str, str],
    unionid: bool,
    platform_apps: Mapping[str, Mapping[str, str]] | None = None,
    smtp_port: int | None = None,
) -> uvicorn.Config:
    emulator = Emulator(apps, unionid=unionid, platform_apps=platform_apps)
    for platform, registered in emulator.platform_apps.items():
        if registered:
            log.info("emulator: %s apps %s", platform, ", ".join(sorted(registered)))
        else:
            log.info("emulator: no %s apps registered, any appid/secret pair is accepted", platform)
    smtp = None if smtp_port is None else (host, smtp_port)
    return uvicorn.Config(
        create_emulator_app(emulator, smtp=smtp),
        host=host,
        port=port,
        access_log=False,  # the query string holds the secret and the code
        log_config=None,  # keep the caller's logging setup
        lifespan="off" if smtp is None else "on",
    )


async def run_emulator(
    host: str,
    port: int,
    apps: Mapping[str, str],
    unionid: bool = False,
    platform_apps: Mapping[str, Mapping[str, str]] | None = None,
    smtp_port: int | None = None,
) -> None:
    """Serve the emulator on ``host:port`` until cancelled or signalled (and an SMTP server
    on ``smtp_port``, if given)."""
    config = _config(host, port, apps, unionid, platform_apps, smtp_port)
    await uvicorn.Server(config).serve()


def serve_emulator(
    host: str,
    port: int,
    apps: Mapping[str, str],
    unionid: bool = False,
    platform_apps: Mapping[str, Mapping[str, str]] | None = None,
    smtp_port: int | None = None,
) -> None:
    """Blocking form of :func:`run_emulator`, for the ``wxsession emulator`` command."""
    server = uvicorn.Server(_config(host, port, apps, unionid, platform_apps, smtp_port))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
        server.run()
