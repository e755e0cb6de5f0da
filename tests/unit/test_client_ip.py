"""The client IP rule (ASVS 5.0 15.3.4 / 4.1.3): X-Forwarded-For counts only from trusted
proxies, read right to left up to the first address that is not one."""

from __future__ import annotations

import ipaddress

import pytest

from wxsession.client_ip import UNIX_PEER, IPNetwork, client_ip, counted_network, parse_address
from wxsession.core.errors import ConfigurationError
from wxsession.settings import load_settings

PROXIES: list[IPNetwork] = [
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("127.0.0.1/32"),
    ipaddress.ip_network("2001:db8:feed::/48"),
]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("203.0.113.7:51234", "203.0.113.7"),
        ("2001:DB8::1", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("unknown", None),
        ("example.com", None),
        ("", None),
        ("1.2.3.4.5", None),
        ("_hidden", None),
    ],
)
def test_parse_address(text: str, parsed: str | None) -> None:
    address = parse_address(text)
    assert (None if address is None else str(address)) == parsed


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    for header in ([], ["198.51.100.1"], ["198.51.100.1, 10.0.0.5"], ["garbage"]):
        assert client_ip("203.0.113.7", header, PROXIES) == "203.0.113.7"
    # No proxies configured: even a loopback peer's header is ignored.
    assert client_ip("127.0.0.1", ["198.51.100.1"], []) == "127.0.0.1"


def test_behind_trusted_proxies_the_rightmost_untrusted_entry_is_the_client() -> None:
    # The client sent a forged first entry; our proxy appended the real peer.
    assert client_ip("10.0.0.2", ["1.1.1.1, 203.0.113.7"], PROXIES) == "203.0.113.7"
    # Two trusted hops (a CDN edge in 10/8, then the local proxy).
    assert client_ip("127.0.0.1", ["1.1.1.1, 203.0.113.7, 10.9.9.9"], PROXIES) == "203.0.113.7"
    # Several header lines are one list, in order.
    assert client_ip("10.0.0.2", ["1.1.1.1", "203.0.113.7, 10.0.0.3"], PROXIES) == "203.0.113.7"
    # IPv6 client and proxy; the client's port is dropped.
    header = ["[2001:db8::42]:5555, 2001:db8:feed::1"]
    assert client_ip("2001:db8:feed::2", header, PROXIES) == "2001:db8::42"


def test_a_broken_chain_stops_at_the_last_address_vouched_for() -> None:
    # A trusted peer without the header: the peer is all we know.
    assert client_ip("10.0.0.2", [], PROXIES) == "10.0.0.2"
    # Junk where the client's address should be: the proxy that passed it on stands in,
    # never a value the client chose (the forged 1.1.1.1 left of the junk is not reached).
    assert client_ip("10.0.0.2", ["1.1.1.1, unknown, 10.0.0.9"], PROXIES) == "10.0.0.9"
    # Every entry is a trusted proxy: the left-most one.
    assert client_ip("10.0.0.2", ["10.1.1.1, 10.0.0.9"], PROXIES) == "10.1.1.1"


def test_peers_that_are_not_addresses_and_missing_peers() -> None:
    assert client_ip(None, ["203.0.113.7"], PROXIES) is None
    assert client_ip("testclient", ["203.0.113.7"], PROXIES) == "testclient"
    assert client_ip("::ffff:10.0.0.2", ["203.0.113.7"], PROXIES) == "203.0.113.7"


def test_a_unix_socket_peer_is_a_trusted_proxy_when_listed() -> None:
    with_unix = [*PROXIES, UNIX_PEER]
    assert client_ip(None, ["1.1.1.1, 203.0.113.7"], with_unix) == "203.0.113.7"
    assert client_ip(None, ["203.0.113.7, 10.0.0.9"], with_unix) == "203.0.113.7"
    # It vouches for no address of its own: without the header, or with junk, none is known.
    assert client_ip(None, [], with_unix) is None
    assert client_ip(None, ["unknown"], with_unix) is None
    # Listing it trusts no TCP peer.
    assert client_ip("198.51.100.1", ["203.0.113.7"], [UNIX_PEER]) == "198.51.100.1"


def test_trusted_proxies_setting_is_a_comma_separated_list_of_ips_and_networks() -> None:
    settings = load_settings(trusted_proxies=" 10.0.0.0/8, 127.0.0.1 ,2001:db8::/32")
    assert [str(network) for network in settings.trusted_proxies] == [
        "10.0.0.0/8",
        "127.0.0.1/32",
        "2001:db8::/32",
    ]
    assert load_settings().trusted_proxies == []
    assert load_settings(trusted_proxies="unix, 127.0.0.1").trusted_proxies[0] == UNIX_PEER
    with pytest.raises(ConfigurationError, match="WXSESSION_TRUSTED_PROXIES"):
        load_settings(trusted_proxies="10.0.0.0/8, proxy.local")


@pytest.mark.parametrize(
    ("ip", "counted"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("testclient", "testclient"),  # a peer that is no IP address (a test client, a socket)
        (None, "-"),
    ],
)
def test_a_client_is_counted_by_its_address_or_its_ipv6_64(ip: str | None, counted: str) -> None:
    assert counted_network(ip) == counted
