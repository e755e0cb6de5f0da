"""The QQ mini-program login: one code exchange (qq.login())."""

from __future__ import annotations

from wxsession.platforms.spec import DevApp, PlatformSettings, PlatformSpec

DEV_PREFIX = "/qq"
"""Where the emulator serves this platform's answers (its API base in dev mode)."""


SPEC = PlatformSpec(
    name="qq",
    title="QQ mini program",
    short_title="QQ",
    code_source="qq.login()",
    max_code_length=128,
    settings=PlatformSettings.prefixed("qq", "https://api.q.qq.com"),
    build="wxsession.platforms.qq.provider:build",
    dev=DevApp("1100000000", "dev-qq-secret-not-for-production", prefix=DEV_PREFIX),
    emulator_flag="qq-app",
    emulated="wxsession.platforms.qq.emulated:EMULATED",
)
