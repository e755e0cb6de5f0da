"""``create_app``: the wxsession HTTP service as a FastAPI application."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI

from wxsession.accounts.passwords import PasswordHasher
from wxsession.core.clock import Clock, system_clock
from wxsession.runtime import Runtime
from wxsession.server.api_routes import api_router
from wxsession.server.console import console_router
from wxsession.server.cors import CorsServiceApp
from wxsession.server.docs_routes import docs_router
from wxsession.server.errors import install_error_handlers
from wxsession.server.fast_routes import ServiceApp
from wxsession.server.middleware import AccessLog, BodySizeLimit
from wxsession.server.openapi_doc import document_api
from wxsession.server.ops_routes import metrics_router
from wxsession.server.ops_routes import router as ops_router
from wxsession.services.captcha import CaptchaVerifier
from wxsession.settings import Settings, load_settings
from wxsession.settings.urls import is_loopback

if TYPE_CHECKING:
    from wxsession.emulator import Emulator

log = logging.getLogger("wxsession")

OPENAPI_PATH = "/openapi.json"

DEV_MODE_BANNER = """
==============================================================================
 wxsession is running in DEV MODE (bound to {host}{scope}).
 WeChat is the built-in emulator, and its routes (/_emulator/login, ...) are
 served on this port. Never expose a dev-mode server to real users.
==============================================================================""".strip("\n")


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock = system_clock,
    emulator: Emulator | None = None,
    password_hasher: PasswordHasher | None = None,
    captcha: CaptchaVerifier | None = None,
) -> FastAPI:
    """Build the service. In dev mode the WeChat emulator runs in-process (also reachable on
    this app's own port); pass ``emulator`` to share one with tests, ``password_hasher`` to
    watch the password hashing work, ``captcha`` to put another CAPTCHA (a hosted one, a
    :class:`~wxsession.services.captcha.CaptchaVerifier`) before verification codes."""
    settings = settings or load_settings()
    settings.ensure_servable()
    if settings.dev_mode:
        from wxsession import dev_mode  # only here: production never loads the emulator

        emulator = emulator or dev_mode.dev_emulator()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.dev_mode:
            scope = "" if is_loopback(settings.host) else ": REACHABLE FROM OTHER MACHINES"
            log.warning("\n%s", DEV_MODE_BANNER.format(host=settings.host, scope=scope))
        async with Runtime.open(
            settings,
            clock=clock,
            emulator=emulator,
            password_hasher=password_hasher,
            captcha=captcha,
        ) as runtime:
            app.state.wxsession = runtime
            # What start-up built (modules, routes, pools, models: 150 000 objects) lives as
            # long as the process. Frozen, a full collection no longer walks it: that walk
            # took about 0.1 s of CPU, every second or two at a few hundred logins/s (issue 8).
            gc.freeze()
            yield

    app = (CorsServiceApp if settings.cors_origins else ServiceApp)(
        title="wxsession",
        version="0.1.0",
        summary="Login state for WeChat mini programs: a code in, a server-side session out.",
        lifespan=lifespan,
        # No 307 from /v1/me/ to /v1/me: the redirect copies the query string, so with the
        # query carrier it would put the token in a Location header (and a second URL). The
        # API's paths are fixed; another spelling is a 404.
        redirect_slashes=False,
        # FastAPI's /docs and /redoc load their scripts from a CDN; ours is docs_routes.
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_PATH if settings.serve_openapi else None,
    )
    install_error_handlers(app)
    app.include_router(api_router)
    app.include_router(ops_router)
    if settings.serve_metrics:
        app.include_router(metrics_router)
    if settings.serve_docs and settings.serve_openapi:
        app.include_router(docs_router(OPENAPI_PATH))
    if settings.console:
        app.include_router(console_router())
    document_api(app)

    if settings.dev_mode and emulator is not None:
        from wxsession.emulator import emulator_routes

        app.router.routes.extend(emulator_routes(emulator))
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AccessLog)
    if isinstance(app, CorsServiceApp):
        app.enable_cors(settings)
    return app
