"""The ASGI path of the carriers (``CarrierChain.extract_asgi``) finds exactly the token the
generic path finds through Starlette's ``Request``: header carriers scan the scope's raw
header list themselves, the others read the request as usual. Two different tokens, or the
session header twice, are refused on both paths, never settled by the configured order."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from wxsession.carriers import CarrierChain, CookieCarrier, HeaderCarrier, QueryCarrier
from wxsession.core import tokens
from wxsession.core.errors import SessionAmbiguous
from wxsession.sync import Headers, RequestSnapshot

TOKEN = tokens.new_token("0" * 32)


def request(headers: list[tuple[bytes, bytes]], query: bytes = b"") -> Request:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": query,
        "headers": headers,
    }
    return Request(scope)


async def both(
    chain: CarrierChain, headers: list[tuple[bytes, bytes]], query: bytes = b""
) -> str | None:
    """The token by both paths, which must agree (on a refusal too)."""
    try:
        generic = await chain.extract(request(headers, query))
    except SessionAmbiguous:
        with pytest.raises(SessionAmbiguous):
            await chain.extract_asgi(request(headers, query))
        raise
    assert await chain.extract_asgi(request(headers, query)) == generic
    return generic


names = st.sampled_from([b"authorization", b"x-session-id", b"cookie", b"host", b"Authorization"])
values = st.sampled_from(
    [b"Bearer " + TOKEN.encode(), b"bearer  x ", b"Basic abc", b"", b"\xe9\xa0"]
)


@given(st.lists(st.tuples(names, values), max_size=6))
async def test_header_carriers_agree_with_starlettes_headers(
    headers: list[tuple[bytes, bytes]],
) -> None:
    for chain in (
        CarrierChain([HeaderCarrier()]),
        CarrierChain([HeaderCarrier("X-Session-Id")]),
        CarrierChain([CookieCarrier(), HeaderCarrier()]),
    ):
        with contextlib.suppress(SessionAmbiguous):
            await both(chain, headers)


@given(st.lists(st.tuples(names, values), max_size=6))
async def test_the_session_header_twice_is_refused_whatever_it_holds(
    headers: list[tuple[bytes, bytes]],
) -> None:
    """A single-value field sent twice (RFC 9110): which one the client meant is unknowable."""
    twice = [*headers, (b"authorization", b"Bearer " + TOKEN.encode())]
    refused = sum(name == b"authorization" for name, _ in twice) > 1
    chain = CarrierChain([HeaderCarrier()])
    if refused:
        with pytest.raises(SessionAmbiguous):
            await both(chain, twice)
    else:
        assert await both(chain, twice) == TOKEN


OTHER = tokens.new_token("1" * 32)


async def test_two_carriers_agree_or_the_request_is_refused() -> None:
    chain = CarrierChain([QueryCarrier(), HeaderCarrier()])
    header = [(b"authorization", b"Bearer " + TOKEN.encode())]
    assert await both(chain, header, b"session_id=" + TOKEN.encode()) == TOKEN  # the same
    with pytest.raises(SessionAmbiguous):  # whichever comes first
        await both(chain, header, b"session_id=" + OTHER.encode())
    with pytest.raises(SessionAmbiguous):  # a bad one first does not fall through
        await both(chain, header, b"session_id=not-a-token")
    assert await both(chain, [], b"session_id=" + TOKEN.encode()) == TOKEN
    assert await both(chain, header, b"session_id=") == TOKEN  # empty is absent
    assert await both(chain, [(b"authorization", b"Basic " + TOKEN.encode())]) is None


async def test_the_sync_adapters_view_is_held_to_the_same_rule() -> None:
    """Flask and Django hand the carriers a copy of the request (no raw header list)."""
    chain = CarrierChain([HeaderCarrier(), CookieCarrier()])
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    snapshot = RequestSnapshot(headers=Headers({**bearer, "Cookie": f"__Host-wxsession={OTHER}"}))
    with pytest.raises(SessionAmbiguous):
        await chain.extract(snapshot)
    same = RequestSnapshot(headers=Headers({**bearer, "Cookie": f"__Host-wxsession={TOKEN}"}))
    assert await chain.extract(same) == TOKEN


cookie_pairs = st.lists(
    st.tuples(
        st.sampled_from(["__Host-wxsession", "wxsession", "__host-wxsession", " __Host-wxsession"]),
        st.sampled_from([TOKEN, OTHER, "", "a=b", '"q"']),
    ),
    max_size=4,
)


@given(st.lists(cookie_pairs, max_size=3), st.sampled_from(["; ", ";", ", "]))
async def test_the_session_cookie_counts_once_or_is_refused(
    headers: list[list[tuple[str, str]]], separator: str
) -> None:
    """Issue 20 point 5: our cookie twice, in one Cookie header or across several (HTTP/2),
    however joined, is refused whatever the two hold, on both paths and in the sync view;
    once, it is its value (empty: absent); other names (case matters) do not count."""
    values = [
        value for pairs in headers for name, value in pairs if name.strip() == "__Host-wxsession"
    ]
    raw = [(b"cookie", separator.join(f"{n}={v}" for n, v in pairs).encode()) for pairs in headers]
    joined = separator.join(value.decode() for _, value in raw)
    chain = CarrierChain([CookieCarrier()])
    view = RequestSnapshot(headers=Headers({"Cookie": joined}))
    if len(values) > 1:
        with pytest.raises(SessionAmbiguous):
            await both(chain, raw)
        with pytest.raises(SessionAmbiguous):
            await chain.extract(view)
    else:
        expected = values[0] if values and values[0] else None
        assert await both(chain, raw) == expected
        assert await chain.extract(view) == expected
