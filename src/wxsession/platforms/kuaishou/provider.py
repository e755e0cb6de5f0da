"""Kuaishou's provider: the generic code-exchange provider over its wire code."""

from __future__ import annotations

import httpx

from wxsession.platforms.code_provider import build_code_provider
from wxsession.platforms.kuaishou.wire import KUAISHOU
from wxsession.platforms.spec import Built, PlatformApp


def build(app: PlatformApp, http: httpx.AsyncClient, timeout: float) -> Built:
    """The provider for ``app`` (its spec's ``build``)."""
    return build_code_provider(KUAISHOU, app, http, timeout)
