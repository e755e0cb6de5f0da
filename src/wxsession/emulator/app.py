"""The emulator over HTTP: WeChat's wire format, plus ``/_emulator/*`` control routes.

WeChat's host (mini program and mobile App) is served at the root; QQ's (``api.q.qq.com``)
under :data:`QQ_PREFIX` and Douyin's (``developer.toutiao.com``) under :data:`DOUYIN_PREFIX`,
since QQ's login path is the same as WeChat's. Point each API base setting at the matching
URL (``http://host:port/qq`` for QQ).

A plain Starlette app, so it can run alone (``wxsession emulator``), be mounted into the
dev-mode server, or sit behind ``httpx.ASGITransport``. Nothing here logs a secret or a code:
there is no access log, and the one log line names the path and the errcode.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wxsession.emulator.state import Emulator
from wxsession.platforms import douyin, qq

log = logging.getLogger("wxsession.emulator")

MAX_CONTROL_BODY = 16 * 1024
QQ_PREFIX = qq.DEV_PREFIX
DOUYIN_PREFIX = douyin.DEV_PREFIX
_FAULT_FIELDS: Mapping[str, tuple[type, ...]] = {
    "latency_ms": (int,),
    "errcode": (int, type(None)),
    "count": (int,),
    "body": (str, type(None)),
    "status": (int,),
    "path": (str, type(None)),
}


Endpoint = Callable[[Request], Awaitable[Response]]


class BadRequest(Exception):
    """A control request the emulator refuses with 400 and ``{"error": message}``."""


def emulator_routes(emulator: Emulator) -> list[Route]:
    """The emulator's routes, to serve alone or to add to another app."""

    async def jscode2session(request: Request) -> Response:
        latency, forced = emulator.begin_call(request.url.path)
        if latency:
            await asyncio.sleep(latency)
        query = request.query_params
        answer = forced or emulator.answer_code2session(
            query.get("appid"), query.get("secret"), query.get("js_code")
        )
        log.debug("%s status=%d errcode=%s", request.url.path, answer.status, answer.errcode)
        return Response(answer.body, status_code=answer.status, media_type=answer.media_type)

    async def login(request: Request) -> Response:
        data = await _json_object(request)
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
            options = _fault_options(await _json_object(request))
            try:
                emulator.set_faults(**options)
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
        return JSONResponse(emulator.faults.to_dict())

    async def answer(
        request: Request,
        produce: Callable[[], dict[str, Any]],
        *,
        douyin: bool = False,
        media_type: str = "text/plain",
    ) -> Response:
        latency, forced = emulator.begin_call(request.url.path, douyin=douyin)
        if latency:
            await asyncio.sleep(latency)
        if forced is not None:
            return Response(forced.body, status_code=forced.status, media_type=forced.media_type)
        result = produce()
        code = result.get("err_no" if douyin else "errcode", 0)
        log.debug("%s errcode=%s", request.url.path, code)
        return Response(json.dumps(result), media_type=media_type)

    async def app_access_token(request: Request) -> Response:
        q = request.query_params
        return await answer(
            request,
            lambda: emulator.app_access_token(q.get("appid"), q.get("secret"), q.get("code")),
        )

    async def app_userinfo(request: Request) -> Response:
        q = request.query_params
        return await answer(
            request, lambda: emulator.app_userinfo(q.get("access_token"), q.get("openid"))
        )

    async def qq_jscode2session(request: Request) -> Response:
        q = request.query_params
        return await answer(
            request,
            lambda: emulator.qq_exchange(q.get("appid"), q.get("secret"), q.get("js_code")),
            media_type="application/json",
        )

    async def douyin_jscode2session(request: Request) -> Response:
        data = await _json_or_empty(request)
        return await answer(
            request,
            lambda: emulator.douyin_exchange(data),
            douyin=True,
            media_type="application/json",
        )

    async def stable_token(request: Request) -> Response:
        data = await _json_or_empty(request)
        return await answer(
            request,
            lambda: emulator.access_token(
                data.get("appid"),
                data.get("secret"),
                stable=True,
                force_refresh=data.get("force_refresh") is True,
            ),
        )

    async def token(request: Request) -> Response:
        query = request.query_params
        return await answer(
            request,
            lambda: emulator.access_token(query.get("appid"), query.get("secret"), stable=False),
        )

    async def phone_number(request: Request) -> Response:
        data = await _json_or_empty(request)
        token = request.query_params.get("access_token")
        return await answer(request, lambda: emulator.phone_number(token, data.get("code")))

    async def check_session(request: Request) -> Response:
        q = request.query_params
        return await answer(
            request,
            lambda: emulator.check_session(
                q.get("access_token"), q.get("openid"), q.get("signature"), q.get("sig_method")
            ),
        )

    async def phone_code(request: Request) -> Response:
        data = await _json_object(request)
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
        Route("/sns/jscode2session", jscode2session, methods=["GET"]),
        Route("/cgi-bin/stable_token", stable_token, methods=["POST"]),
        Route("/cgi-bin/token", token, methods=["GET"]),
        Route("/wxa/business/getuserphonenumber", phone_number, methods=["POST"]),
        Route("/wxa/checksession", check_session, methods=["GET"]),
        Route("/sns/oauth2/access_token", app_access_token, methods=["GET"]),
        Route("/sns/userinfo", app_userinfo, methods=["GET"]),
        Route(f"{QQ_PREFIX}/sns/jscode2session", qq_jscode2session, methods=["GET"]),
        Route(
            f"{DOUYIN_PREFIX}/api/apps/v2/jscode2session", douyin_jscode2session, methods=["POST"]
        ),
        Route("/_emulator/login", _refusing_bad_requests(login), methods=["POST"]),
        Route("/_emulator/phone-code", _refusing_bad_requests(phone_code), methods=["POST"]),
        Route(
            "/_emulator/faults", _refusing_bad_requests(faults), methods=["GET", "POST", "DELETE"]
        ),
        Route("/_emulator/health", health, methods=["GET"]),
    ]


def create_emulator_app(emulator: Emulator) -> Starlette:
    """The emulator as a standalone ASGI app."""
    return Starlette(routes=emulator_routes(emulator))


def _refusing_bad_requests(endpoint: Endpoint) -> Endpoint:
    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except BadRequest as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return guarded


async def _json_object(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_CONTROL_BODY:
        raise BadRequest("body too large")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise BadRequest("body must be JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


async def _json_or_empty(request: Request) -> dict[str, Any]:
    """A WeChat API body as WeChat would read it: anything but a JSON object counts as empty,
    so the answer is the errcode for the missing field."""
    try:
        return await _json_object(request)
    except BadRequest:
        return {}


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


def _config(
    host: str,
    port: int,
    apps: Mapping[str, str],
    unionid: bool,
    platform_apps: Mapping[str, Mapping[str, str]] | None = None,
) -> uvicorn.Config:
    emulator = Emulator(apps, unionid=unionid, platform_apps=platform_apps)
    for platform, registered in emulator.platform_apps.items():
        if registered:
            log.info("emulator: %s apps %s", platform, ", ".join(sorted(registered)))
        else:
            log.info("emulator: no %s apps registered, any appid/secret pair is accepted", platform)
    return uvicorn.Config(
        create_emulator_app(emulator),
        host=host,
        port=port,
        access_log=False,  # the query string holds the secret and the code
        log_config=None,  # keep the caller's logging setup
        lifespan="off",
    )


async def run_emulator(
    host: str,
    port: int,
    apps: Mapping[str, str],
    unionid: bool = False,
    platform_apps: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Serve the emulator on ``host:port`` until cancelled or signalled."""
    await uvicorn.Server(_config(host, port, apps, unionid, platform_apps)).serve()


def serve_emulator(
    host: str,
    port: int,
    apps: Mapping[str, str],
    unionid: bool = False,
    platform_apps: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Blocking form of :func:`run_emulator`, for the ``wxsession emulator`` command."""
    server = uvicorn.Server(_config(host, port, apps, unionid, platform_apps))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
        server.run()
