"""The ``wechat`` provider: a wx.login() code in, an Identity out, junk refused before I/O."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from tests.support.emulator import running_emulator
from wxsession.core.errors import InvalidRequest
from wxsession.core.identity import Identity
from wxsession.core.platform_errors import WeChatCodeInvalid, WeChatCodeUsed
from wxsession.emulator import Emulator
from wxsession.platforms.provider import Provider
from wxsession.platforms.wechat.client import WeChatClient, make_http_client
from wxsession.platforms.wechat.provider import WeChatMiniProgramProvider
from wxsession.server.background import free_port

APPID = "wx0d9c8b7a6f5e4d3c"
SECRET = "provider-test-secret-4f60a9c1e5b2d7f3"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Emulator]]:
    with running_emulator({APPID: SECRET}, unionid=True) as pair:
        yield pair


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(2.0) as client:
        yield client


@pytest.fixture
def provider(served: tuple[str, Emulator], http: httpx.AsyncClient) -> WeChatMiniProgramProvider:
    client = WeChatClient(http, APPID, SecretStr(SECRET), base_url=served[0])
    return WeChatMiniProgramProvider(client, APPID)


@pytest.fixture
def emulator(served: tuple[str, Emulator]) -> Emulator:
    return served[1]


async def test_exchange_returns_the_identity(
    provider: WeChatMiniProgramProvider, emulator: Emulator
) -> None:
    checked: Provider = provider  # it satisfies the Provider protocol
    identity = await checked.exchange({"code": emulator.issue_code(APPID, "alice")})
    issued = emulator.issued_for("alice")
    assert identity == Identity(
        provider="wechat",
        app_id=APPID,
        subject=issued.openid,
        union_id=issued.unionid,
        session_key=issued.session_key,
    )
    assert identity.union_id == emulator.unionid_for("alice")
    assert provider.name == "wechat"
    for hidden in (issued.openid, issued.session_key, issued.unionid or "-"):
        assert hidden not in repr(identity)


async def test_extra_proof_fields_are_ignored(
    provider: WeChatMiniProgramProvider, emulator: Emulator
) -> None:
    code = emulator.issue_code(APPID, "bob")
    identity = await provider.exchange({"code": code, "openid": "oVICTIM"})
    assert identity.subject == emulator.openid_for(APPID, "bob")


async def test_wechat_errors_pass_through(
    provider: WeChatMiniProgramProvider, emulator: Emulator
) -> None:
    code = emulator.issue_code(APPID, "carol")
    await provider.exchange({"code": code})
    with pytest.raises(WeChatCodeUsed):
        await provider.exchange({"code": code})
    with pytest.raises(WeChatCodeInvalid):
        await provider.exchange({"code": "x" * 128})  # the longest well-formed code


@pytest.mark.parametrize(
    "proof",
    [
        {},
        {"code": None},
        {"code": ""},
        {"code": 42},
        {"code": b"0a1b2c3d"},
        {"code": ["0a1b2c3d"]},
        {"code": "x" * 129},
        {"code": "0a1b 2c3d"},
        {"code": "0a1b2c3d\n"},
        {"code": "0a1b\x002c3d"},
        {"code": "密码密码"},
        {"code_": "0a1b2c3d"},
    ],
)
async def test_malformed_codes_are_refused_before_calling_wechat(
    http: httpx.AsyncClient, proof: dict[str, Any]
) -> None:
    # WeChat here is a closed port: reaching it would be WeChatUnavailable, not InvalidRequest.
    unreachable = WeChatClient(
        http, APPID, SecretStr(SECRET), base_url=f"http://127.0.0.1:{free_port()}"
    )
    provider = WeChatMiniProgramProvider(unreachable, APPID)
    with pytest.raises(InvalidRequest) as caught:
        await provider.exchange(proof)
    assert caught.value.status == 400
    if isinstance(proof.get("code"), str) and proof["code"]:
        assert proof["code"] not in caught.value.message
