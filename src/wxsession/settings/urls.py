"""Which hosts stay on this machine, and which API bases a secret may travel to."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str) -> bool:
    """``host`` (a name, or an IP literal with or without brackets) stays on this machine."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secure_api_base(url: str) -> bool:
    """HTTPS, or plain HTTP to this machine (an emulator): where credentials may be sent."""
    return url.startswith("https://") or is_loopback(urlsplit(url).hostname or "")
