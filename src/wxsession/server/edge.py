"""The service's one ASGI edge, which every request passes, the hot routes' and FastAPI's alike.

::

    uvicorn ─► ServiceApp ─► the app's middleware (the edge: access log and request id,
               body limit, and whatever is added later: CORS, tracing)
                  ─► HotRoutes ─► a hot route's handler (server/fast_routes.py)
                              └─► FastAPI: its error and telemetry layers, routing, dependencies

Starlette puts the app's middleware inside its own error layer and FastAPI's, so a path
answered before them skipped the middleware too. Here the middleware is outermost and the
split comes after it: ``app.add_middleware`` reaches every route.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from wxsession.server.fast_routes import HOT_ROUTES, Handler, HotRoute, HotRoutes, derive


class ServiceApp(FastAPI):
    """The service's FastAPI application: its middleware wraps the hot routes (derived from
    the registered ones by :meth:`derive_hot_routes`) and FastAPI's stack."""

    _hot_routes: dict[tuple[str, str], Handler] | None = None
    _edge: ASGIApp | None = None

    def derive_hot_routes(self, hot: Iterable[HotRoute] = HOT_ROUTES) -> None:
        """Build the fast path from the routes registered now; :class:`ConfigurationError`
        if a hot route has something it cannot run. ``hot=()``: every request to FastAPI."""
        self._hot_routes = derive(self, hot)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._edge is None:
            if self._hot_routes is None:
                self.derive_hot_routes()
            assert self._hot_routes is not None
            app: ASGIApp = HotRoutes(self, self._hot_routes, rest=super().__call__)
            for cls, args, kwargs in reversed(self.user_middleware):
                app = cls(app, *args, **kwargs)
            self._edge = app
        scope["app"] = self
        await self._edge(scope, receive, send)

    def build_middleware_stack(self) -> ASGIApp:
        """FastAPI's stack without the app's middleware, which is the edge around it."""
        edge, self.user_middleware = self.user_middleware, []
        try:
            return super().build_middleware_stack()
        finally:
            self.user_middleware = edge
