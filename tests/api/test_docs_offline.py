"""`/docs` works without the internet (issue 19, point 16: Swagger UI came from a public CDN),
and `/docs`, `/openapi.json` and `/metrics` can be switched off for a production port."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings


@contextmanager
def _served(sqlite_url: str, **settings: Any) -> Iterator[httpx.Client]:
    app = create_app(Settings(database_url=sqlite_url, **settings))
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        yield http


def test_docs_load_only_from_this_service(sqlite_url: str) -> None:
    with _served(sqlite_url) as http:
        page = http.get("/docs")
        assert page.status_code == 200
        html = page.text
        assert "://" not in html  # no CDN, no other host: every URL is this service's
        linked = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert len(linked) == 3, linked  # the script, the stylesheet, the icon
        for path in linked:
            asset = http.get(path)
            assert asset.status_code == 200, path
            assert asset.content, path
        script = http.get("/docs/assets/swagger-ui-bundle.js")
        assert "javascript" in script.headers["content-type"]
        assert "SwaggerUIBundle" in script.text
        assert "/openapi.json" in html
        assert http.get("/openapi.json").json()["openapi"].startswith("3.1")
        # Only those files: not the bundle's demo page (it loads a remote example) nor maps.
        assert http.get("/docs/assets/index.html").status_code == 404
        assert http.get("/docs/assets/swagger-ui-bundle.js.map").status_code == 404
        assert http.get("/docs/assets/..%2F..%2F__init__.py").status_code == 404
        assert http.get("/redoc").status_code == 404  # FastAPI's, from a CDN too: gone


def test_docs_openapi_and_metrics_can_be_switched_off(sqlite_url: str) -> None:
    off = {"serve_docs": False, "serve_openapi": False, "serve_metrics": False}
    with _served(sqlite_url, **off) as http:
        for path in ("/docs", "/docs/assets/swagger-ui.css", "/openapi.json", "/metrics"):
            assert http.get(path).status_code == 404, path
        assert http.get("/healthz").status_code == 200
        assert http.get("/readyz").status_code == 200


def test_docs_are_off_without_the_document(sqlite_url: str) -> None:
    with _served(sqlite_url, serve_openapi=False) as http:
        assert http.get("/docs").status_code == 404
        assert http.get("/openapi.json").status_code == 404
        assert http.get("/metrics").status_code == 200
