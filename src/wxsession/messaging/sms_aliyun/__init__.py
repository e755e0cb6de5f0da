"""Alibaba Cloud SMS (Dysmsapi 2017-05-25 ``SendSms``): its wire format, the sender over the
shared HTTP shell, and the emulator's answers (served under :data:`DEV_PREFIX`)."""

DEV_PREFIX = "/aliyun-sms"
# The emulator's fixed, public AccessKey pair (dev mode and tests only).
DEV_ACCESS_KEY_ID = "LTAIdev000000000000000"
DEV_ACCESS_KEY_SECRET = "dev-aliyun-sms-secret-not-for-production"  # noqa: S105
