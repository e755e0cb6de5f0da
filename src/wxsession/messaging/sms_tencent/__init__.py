"""Tencent Cloud SMS (``SendSms``, API 2021-01-11): its wire format, the sender over the
shared HTTP shell, and the emulator's answers (served under :data:`DEV_PREFIX`)."""

DEV_PREFIX = "/tencent-sms"
# The emulator's fixed, public key pair and SMS application (dev mode and tests only).
DEV_SECRET_ID = "AKIDdev0000000000000000000000000000"  # noqa: S105
DEV_SECRET_KEY = "dev-tencent-sms-key-not-for-production"  # noqa: S105
DEV_SDK_APP_ID = "1400000000"
DEV_TEMPLATES = {"code": "1000", "password_reset": "1001"}
"""The template ids dev mode sends with; the emulator knows their texts."""
