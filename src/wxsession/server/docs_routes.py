"""``/docs``: Swagger UI served from the ``swagger-ui-bundle-v2`` package, not a CDN.

FastAPI's own ``/docs`` and ``/redoc`` pages load their JavaScript and CSS from a public CDN:
they break on a network without one (a private deployment, a developer offline) and run
third-party code next to the API. This page loads only files from this service.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from wxsession.core.errors import NotFound

DOCS_PATH = "/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
ASSET_DIR: Traversable = swagger_ui_path
ASSETS = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"})
"""The files the page loads; nothing else of the bundle (its demo page, source maps) is served."""


def docs_router(openapi_url: str) -> APIRouter:
    """The page (reading the document at ``openapi_url``) and its assets."""
    router = APIRouter(include_in_schema=False)

    @router.get(DOCS_PATH)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title="wxsession - API",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon-32x32.png",
        )

    @router.get(ASSETS_PATH + "/{name}")
    async def asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise NotFound()
        path = ASSET_DIR / name
        return FileResponse(str(path), headers={"Cache-Control": "public, max-age=86400"})

    return router
