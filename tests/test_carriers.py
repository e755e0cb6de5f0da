"""The ASGI path of the carriers (``CarrierChain.extract_asgi``) finds exactly the token the
generic path finds through Starlette's ``Request``: header carriers scan the scope's raw
header list themselves, the others read the request as usual, in the configured order."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from wxsession import tokens
from wxsession.carriers import CarrierChain, CookieCarrier, HeaderCarrier, QueryCarrier

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
    """The token by both paths, which must agree."""
    generic = await chain.extract(request(headers, query))
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
        await both(chain, headers)


async def test_the_first_header_wins_and_order_is_kept() -> None:
    token = await both(
        CarrierChain([HeaderCarrier()]),
        [(b"authorization", b"Bearer " + TOKEN.encode()), (b"authorization", b"Bearer other")],
    )
    assert token == TOKEN
    chain = CarrierChain([QueryCarrier(), HeaderCarrier()])
    via_query = await both(
        chain, [(b"authorization", b"Bearer other")], b"session_id=" + TOKEN.encode()
    )
    assert via_query == TOKEN  # the query carrier comes first here
    assert await both(chain, [(b"authorization", b"Bearer " + TOKEN.encode())]) == TOKEN
    assert await both(chain, [(b"authorization", b"Basic " + TOKEN.encode())]) is None
