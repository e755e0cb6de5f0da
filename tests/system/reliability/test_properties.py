"""Property tests for the parsers that face the outside: the session token (shape check and
carriers, and the whole server path from the Authorization header) and the open-data
decrypt path (any ciphertext is one of our 400s, never a 5xx; what WeChat encrypted for the
user always comes back whole)."""

from __future__ import annotations

import base64
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.service import APPID, Service
from wxsession.carriers import MAX_CARRIED_LENGTH, HeaderCarrier
from wxsession.core import tokens
from wxsession.core.platform_errors import WeChatDataError, WeChatReloginRequired
from wxsession.platforms.wechat.emulated import encrypt_for

pytestmark = pytest.mark.slow

TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"
ON_A_SERVER = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


class Headers:
    """Just enough of a request for :class:`HeaderCarrier`."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers


# --- token parsing (pure) ---------------------------------------------------------------


def _secret_shaped(text: str) -> bool:
    return len(text) == 43 and all(c in TOKEN_ALPHABET for c in text)


@given(
    st.text(max_size=100)
    | st.text(TOKEN_ALPHABET, min_size=40, max_size=46)
    | st.tuples(
        st.text(string.hexdigits + ".", min_size=30, max_size=34),
        st.sampled_from([".", "", ":", ".."]),
        st.text(TOKEN_ALPHABET + ".", min_size=41, max_size=45),
    ).map("".join)
    | st.binary(min_size=16, max_size=16).map(lambda user: f"{user.hex()}.{tokens.new_token()}")
)
def test_shape_check_is_43_url_safe_characters_after_an_optional_user_id(candidate: str) -> None:
    user_id, dot, secret = candidate.rpartition(".")
    named = len(user_id) == 32 and all(c in "0123456789abcdef" for c in user_id) and dot == "."
    expected = _secret_shaped(candidate) or (named and _secret_shaped(secret))
    assert tokens.is_well_formed(candidate) is expected


@given(st.text(max_size=2000))
async def test_header_carrier_never_raises_and_never_carries_much(value: str) -> None:
    found = await HeaderCarrier().extract(Headers({"Authorization": value}))  # type: ignore[arg-type]
    assert found is None or 0 < len(found) <= MAX_CARRIED_LENGTH + 1


@given(st.sampled_from(["Bearer", "bearer", "BEARER"]), st.text(" ", max_size=3))
async def test_header_carrier_finds_an_issued_token_however_bearer_is_spelled(
    scheme: str, padding: str
) -> None:
    token = tokens.new_token()
    header = f"{scheme} {padding}{token}{padding}"
    assert await HeaderCarrier().extract(Headers({"Authorization": header})) == token  # type: ignore[arg-type]


# --- token parsing (the server's whole path) ------------------------------------------------

header_values = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=600,
)


@SQLITE
@ON_A_SERVER
@given(
    # HTTP itself forbids leading and trailing blanks in a header value (h11 refuses them).
    value=(header_values | st.builds("Bearer {}".format, header_values)).map(lambda v: v.strip(" "))
)
def test_any_authorization_header_is_refused_with_a_401(service: Service, value: str) -> None:
    response = service.http.get("/v1/me", headers={"Authorization": value.encode("latin-1")})
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] in {"SESSION_MISSING", "SESSION_INVALID"}


@SQLITE
@ON_A_SERVER
@given(token=st.text(TOKEN_ALPHABET, min_size=43, max_size=43))
def test_unknown_well_formed_tokens_are_refused_and_create_nothing(
    service: Service, token: str
) -> None:
    before = service.sql_scalar("SELECT count(*) FROM sessions")
    response = service.get("/v1/me", token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "SESSION_INVALID"
    assert service.sql_scalar("SELECT count(*) FROM sessions") == before


# --- the decrypt path -----------------------------------------------------------------------

OUR_400S = {error.code for error in (WeChatDataError, WeChatReloginRequired)} | {
    error.code for error in WeChatDataError.__subclasses__()
}
base64ish = st.binary(max_size=96).map(lambda b: base64.b64encode(b).decode()) | st.text(
    min_size=1, max_size=64
)


@pytest.fixture
def lenient_service(make_service: Any) -> Service:
    """A server that lets one user fail as often as the examples need (the throttle of failed
    checks has tests of its own: tests/api/test_open_data_oracle.py)."""
    started: Service = make_service(wechat_data_failures=10_000)
    return started


@SQLITE
@ON_A_SERVER
@given(encrypted=base64ish, iv=base64ish)
def test_any_ciphertext_is_one_of_our_400s(
    lenient_service: Service, encrypted: str, iv: str
) -> None:
    service = lenient_service
    token = service.session_for("cipher")
    response = service.post(
        "/v1/wechat/decrypt", token, json={"encryptedData": encrypted, "iv": iv}
    )
    if response.status_code == 422:  # outside the documented lengths: the schema says so
        return
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] in OUR_400S


CHECKED_KEYS = {"watermark", "openId", "unionId", "phoneNumber", "purePhoneNumber"}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@SQLITE
@ON_A_SERVER
@given(
    payload=st.dictionaries(
        # Keys whose values WeChat fixes (the caller's ids, a consistent phone) stay out.
        st.text(max_size=12).filter(lambda k: k not in CHECKED_KEYS),
        json_values,
    )
)
def test_what_wechat_encrypted_for_the_user_decrypts_whole(
    service: Service, payload: dict[str, Any]
) -> None:
    token = service.session_for("roundtrip")
    openid = service.emulator.openid_for(APPID, "roundtrip")
    encrypted, iv = encrypt_for(service.emulator, APPID, openid, payload)
    response = service.post(
        "/v1/wechat/decrypt", token, json={"encryptedData": encrypted, "iv": iv}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.pop("watermark")["appid"] == APPID
    assert body == payload
