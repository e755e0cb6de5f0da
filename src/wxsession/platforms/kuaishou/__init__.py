"""The Kuaishou mini-program login: one code exchange (ks.login())."""

from __future__ import annotations

from wxsession.platforms.spec import DevApp, PlatformSettings, PlatformSpec

DEV_PREFIX = "/kuaishou"
"""Where the emulator serves this platform's answers (its API base in dev mode)."""


SPEC = PlatformSpec(
    name="kuaishou",
    title="Kuaishou mini program",
    short_title="Kuaishou",
    code_source="ks.login()",
    max_code_length=128,  # undocumented; codes seen are 64 hex characters
    settings=PlatformSettings.prefixed("kuaishou", "https://open.kuaishou.com"),
    build="wxsession.platforms.kuaishou.provider:build",
    dev=DevApp("ks000000000000000000", "dev-kuaishou-secret-not-for-production", DEV_PREFIX),
    emulator_flag="kuaishou-app",
    emulated="wxsession.platforms.kuaishou.emulated:EMULATED",
)
