"""The Douyin mini-program login: one code exchange (tt.login())."""

from __future__ import annotations

from wxsession.platforms.spec import DevApp, PlatformSettings, PlatformSpec

DEV_PREFIX = "/douyin"
"""Where the emulator serves this platform's answers (its API base in dev mode)."""


SPEC = PlatformSpec(
    name="douyin",
    title="Douyin mini program",
    short_title="Douyin",
    code_source="tt.login()",
    max_code_length=512,  # longer than WeChat's: over 128 characters have been seen
    settings=PlatformSettings.prefixed("douyin", "https://developer.toutiao.com"),
    build="wxsession.platforms.douyin.provider:build",
    dev=DevApp("ttdev00000000000", "dev-douyin-secret-not-for-production", prefix=DEV_PREFIX),
    emulator_flag="douyin-app",
    emulated="wxsession.platforms.douyin.emulated:EMULATED",
)
