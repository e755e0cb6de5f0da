"""Tencent Cloud SMS (``SendSms``, API 2021-01-11): its wire format, the sender over the
shared HTTP shell, and the emulator's answers."""
