"""The client's IP address, believing ``X-Forwarded-For`` only from proxies we were told to trust.

Anyone can send ``X-Forwarded-For``; believing it from anyone would let an attacker pick a
fresh address for every request and walk past a per-IP limit. So the header counts only when
the direct peer is a trusted proxy (``WXSESSION_TRUSTED_PROXIES``), and then only as far as
the chain of trusted proxies reaches: reading from the right (the entry the nearest proxy
appended), the first address that is not itself a trusted proxy is the client. Entries left
of it were written by the client or by proxies we know nothing about, and are ignored.

A peer on a Unix socket (``uvicorn --uds``) has no address. Such a peer is the local proxy
in front of us, so it is believed when ``WXSESSION_TRUSTED_PROXIES`` lists ``unix``; otherwise
the client's address is unknown (``None``), which the glue reports rather than hides, since
every client would then count as one.

Pure functions, no framework: the FastAPI glue (``device_of``) passes the peer and headers in.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

UNIX_PEER = "unix"
"""In the trusted proxies: a peer on a Unix socket (it has no address) is a trusted proxy."""


def parse_address(text: str) -> IPAddress | None:
    """An address as proxies write it (``1.2.3.4``, ``1.2.3.4:5678``, ``2001:db8::1``,
    ``[2001:db8::1]:443``), in canonical form; ``None`` for anything else (``unknown``, a
    host name, junk). An IPv4-mapped IPv6 address is its IPv4 address, so one client is one
    address whichever socket family it came through."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4 with a port; a bare IPv6 has two colons or more
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


TrustedProxy = IPNetwork | str
"""A network of proxies, or :data:`UNIX_PEER`."""


def _trusted(address: IPAddress, proxies: Sequence[TrustedProxy]) -> bool:
    return any(not isinstance(network, str) and address in network for network in proxies)


def client_ip(
    peer: str | None, forwarded_for: Iterable[str], trusted_proxies: Sequence[TrustedProxy]
) -> str | None:
    """The client address for a request from ``peer`` (``None``: a Unix socket) carrying
    ``X-Forwarded-For`` header values ``forwarded_for`` (all of them, in order).

    A peer that is not a trusted proxy is the client, whatever the header says. Behind
    trusted proxies, the right-most entry that is not a trusted proxy is the client. If the
    walk meets an entry that is not an address, or every entry is a trusted proxy, the last
    address vouched for (the proxy that passed the request on) stands in for the client:
    never a value the client could have chosen. A Unix-socket peer vouches for no address of
    its own, so there the answer may be ``None``.
    """
    address: IPAddress | None
    if peer is None:
        if UNIX_PEER not in trusted_proxies:
            return None
        address = None
    else:
        address = parse_address(peer)
        if address is None:
            return peer  # not an IP peer (a test client's name): nothing to resolve
        if not _trusted(address, trusted_proxies):
            return str(address)
    entries = [entry for value in forwarded_for for entry in value.split(",") if entry.strip()]
    for entry in reversed(entries):
        hop = parse_address(entry)
        if hop is None:
            break
        address = hop
        if not _trusted(hop, trusted_proxies):
            break
    return None if address is None else str(address)


def counted_network(ip: str | None) -> str:
    """The unit a client is counted by in a per-IP limit: the address itself, or an IPv6
    address's /64, which one host or household usually holds whole (``-`` for no address).

    Cheap on the login path: a string without a colon is returned as it is (``ipaddress``
    reads only the canonical form of an IPv4 address, so parsing would give it back; or it
    is no address at all), and an IPv6 address's network is worked out once per address
    seen lately."""
    if ip is None:
        return "-"
    return _ipv6_network(ip) if ":" in ip else ip


@functools.lru_cache(maxsize=4096)
def _ipv6_network(ip: str) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
