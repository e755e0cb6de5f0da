"""Baidu's provider: the generic code-exchange provider over its wire code."""

from __future__ import annotations

import httpx

from wxsession.platforms.baidu.wire import BAIDU
from wxsession.platforms.code_provider import build_code_provider
from wxsession.platforms.spec import Built, PlatformApp


def build(app: PlatformApp, http: httpx.AsyncClient, timeout: float) -> Built:
    """The provider for ``app`` (its spec's ``build``)."""
    return build_code_provider(BAIDU, app, http, timeout)
