"""The login platforms: one home per platform (``wechat/``, ``wechat_app/``, ``qq/``,
``douyin/``, ...: its spec in ``__init__.py``, its wire code, its provider), the shared shell
beside them (:mod:`.wire`, :mod:`.http`, :mod:`.backoff`, :mod:`.registry`), and
:data:`PLATFORMS`, the one list the rest of the service reads them from.

A new platform is a new home and one line in :data:`PLATFORMS` (docs/login-methods.md).
"""

from __future__ import annotations

from wxsession.platforms import (
    alipay,
    baidu,
    douyin,
    kuaishou,
    qq,
    wechat,
    wechat_app,
    wechat_oa,
    wechat_web,
)
from wxsession.platforms.spec import PlatformSpec

PLATFORMS: tuple[PlatformSpec, ...] = (
    wechat.SPEC,
    wechat_app.SPEC,
    qq.SPEC,
    douyin.SPEC,
    baidu.SPEC,
    kuaishou.SPEC,
    wechat_oa.SPEC,
    wechat_web.SPEC,
    alipay.SPEC,
)
"""Every login platform, in the order the documentation and settings list them. Names
are part of the API and of stored identities: never rename one."""

OWN: PlatformSpec = next(spec for spec in PLATFORMS if spec.settings.declared)
"""The service's own mini program: always on, its settings declared by hand."""

OTHERS: tuple[PlatformSpec, ...] = tuple(spec for spec in PLATFORMS if spec is not OWN)
"""The platforms a deployment may add beside it (each on when its appid and secret are set)."""
