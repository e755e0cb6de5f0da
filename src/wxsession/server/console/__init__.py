"""The operator console at ``/admin`` (issue 24; docs/console.md): server-rendered pages
(Jinja2, plain HTML forms, no script), on the service's own port, mounted only when
``WXSESSION_CONSOLE`` is on."""

from __future__ import annotations

from fastapi import APIRouter

from wxsession.server.console import actions, pages


def console_router() -> APIRouter:
    router = APIRouter()
    router.include_router(pages.router)
    router.include_router(actions.router)
    return router
