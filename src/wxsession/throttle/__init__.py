"""Brute-force throttling of password logins (see :mod:`wxsession.throttle.login`)."""

from wxsession.throttle.login import Limit, LoginThrottle, Refused, Scope
from wxsession.throttle.sql import SqlWindowStorage
from wxsession.throttle.storage import RedisWindowStorage, WindowStorage

__all__ = [
    "Limit",
    "LoginThrottle",
    "RedisWindowStorage",
    "Refused",
    "Scope",
    "SqlWindowStorage",
    "WindowStorage",
]
