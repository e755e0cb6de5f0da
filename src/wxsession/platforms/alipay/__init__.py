"""The Alipay mini-program login: ``my.getAuthCode()``'s auth code exchanged at Alipay's
gateway (``alipay.system.oauth.token``), the call signed with the app's private key and the
answer checked with Alipay's public key."""

from __future__ import annotations

from wxsession.platforms.alipay.dev_keys import APP_PRIVATE_KEY, EMULATOR_PUBLIC_KEY
from wxsession.platforms.spec import DevApp, Option, PlatformSettings, PlatformSpec

DEV_PREFIX = "/alipay"
"""Where the emulator serves this platform's answers (its API base in dev mode)."""

ID_TYPES = ("open_id", "user_id")

SPEC = PlatformSpec(
    name="alipay",
    title="Alipay mini program",
    short_title="Alipay",
    code_source="my.getAuthCode()",
    max_code_length=128,
    settings=PlatformSettings(
        appid="alipay_appid",
        secret="alipay_private_key",  # noqa: S106 (a field name: the app's private key)
        api_base="alipay_api_base",
        default_api_base="https://openapi.alipay.com",
        options=(
            Option(
                "public_key",
                "alipay_public_key",
                "",
                "Alipay's public key (PEM text, the one-line base64 Alipay's console shows, or"
                " a file): every answer's signature is checked with it. Required with the"
                " appid.",
            ),
            Option(
                "id_type",
                "alipay_id_type",
                "open_id",
                "Which id names a user, as the app is set on Alipay's console: open_id (new"
                " apps) or user_id (older apps, 2088...).",
            ),
        ),
    ),
    build="wxsession.platforms.alipay.provider:build",
    dev=DevApp(
        "2021000000000000",
        APP_PRIVATE_KEY,
        prefix=DEV_PREFIX,
        options={"public_key": EMULATOR_PUBLIC_KEY},
    ),
    emulator_flag="alipay-app",
    emulator_secret="PUBLIC_KEY",  # noqa: S106 (a help text's word)
    emulated="wxsession.platforms.alipay.emulated:EMULATED",
    check="wxsession.platforms.alipay.keys:check_app",
)
