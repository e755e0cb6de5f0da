"""Every ``/v1`` route of the service, gathered in one router.

:func:`wxsession.server.app.create_app` mounts it and :mod:`wxsession.integrations.fastapi`
hands the same object to a user's app, so what a mounted router serves cannot drift from
what the service serves. A new family of routes is added here, once.
"""

from __future__ import annotations

from fastapi import APIRouter

from wxsession.server.account_routes import router as account_router
from wxsession.server.activity_routes import router as activity_router
from wxsession.server.address_routes import router as address_router
from wxsession.server.code_routes import router as code_router
from wxsession.server.identity_routes import router as identity_router
from wxsession.server.introspection_routes import router as introspection_router
from wxsession.server.password_routes import router as password_router
from wxsession.server.provider_routes import router as provider_router
from wxsession.server.reset_routes import router as reset_router
from wxsession.server.routes import router as auth_router
from wxsession.server.session_routes import router as session_router
from wxsession.server.web_login_routes import router as web_login_router
from wxsession.server.wechat_routes import router as wechat_router

api_router = APIRouter()
for family in (
    auth_router,
    password_router,
    code_router,
    reset_router,
    address_router,  # before identity_router's /v1/me/identities/{provider}
    identity_router,
    account_router,
    activity_router,
    session_router,
    wechat_router,
    web_login_router,
    introspection_router,
    provider_router,  # last: its path pattern must not shadow fixed ones
):
    api_router.include_router(family)
