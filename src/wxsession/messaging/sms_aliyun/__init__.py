"""Alibaba Cloud SMS (Dysmsapi 2017-05-25 ``SendSms``): its wire format, the sender over the
shared HTTP shell, and the emulator's answers."""
