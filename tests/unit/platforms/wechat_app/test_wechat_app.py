"""What only the WeChat App provider does: userinfo for a profile (best effort), the unionid
it shares with the mini program, and a user access token that goes nowhere."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from tests.support.platforms import APP, MINI, providers_for, settings_for
from wxsession.emulator import Emulator
from wxsession.platforms.provider import Provider
from wxsession.platforms.wechat_sns import emulated


async def test_userinfo_fills_nickname_and_avatar(
    emulator: Emulator, providers: dict[str, Provider]
) -> None:
    identity = await providers["wechat_app"].exchange({"code": emulator.issue_code(APP[0], "bo")})
    assert identity.nickname == "bo"
    assert identity.avatar_url is not None
    assert identity.avatar_url.startswith("https://thirdwx.qlogo.cn/")


async def test_the_app_and_the_mini_program_share_the_unionid_not_the_openid(
    emulator: Emulator, providers: dict[str, Provider]
) -> None:
    app = await providers["wechat_app"].exchange({"code": emulator.issue_code(APP[0], "cy")})
    mini = await providers["wechat"].exchange({"code": emulator.issue_code(MINI[0], "cy")})
    qq = await providers["qq"].exchange({"code": emulator.issue_code(None, "cy", "qq")})
    assert app.union_id is not None
    assert app.union_id == mini.union_id
    assert app.subject != mini.subject
    assert qq.union_id not in (None, app.union_id)  # QQ's unionids are QQ's own


@pytest.mark.parametrize("errcode", [40014, 42001, -1])
async def test_a_failed_userinfo_costs_only_the_profile(
    emulator: Emulator,
    providers: dict[str, Provider],
    errcode: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator.set_faults(errcode=errcode, path="/sns/userinfo")
    identity = await providers["wechat_app"].exchange({"code": emulator.issue_code(APP[0], "di")})
    assert identity.subject == emulator.openid_for(APP[0], "di")
    assert (identity.nickname, identity.avatar_url) == (None, None)
    assert emulator.faults.count == 0  # userinfo was called and answered the errcode
    assert "WeChat App userinfo skipped" in caplog.text


async def test_garbage_userinfo_is_ignored(
    emulator: Emulator, providers: dict[str, Provider]
) -> None:
    emulator.set_faults(body='{"openid": "someone else", "nickname": "x"}', path="/sns/userinfo")
    identity = await providers["wechat_app"].exchange({"code": emulator.issue_code(APP[0], "ed")})
    assert identity.nickname is None


async def test_userinfo_off_makes_one_call(
    served: tuple[str, Emulator], emulator: Emulator, platform_http: httpx.AsyncClient
) -> None:
    providers = providers_for(settings_for(served[0], wechat_app_userinfo=False), platform_http)
    emulator.set_faults(errcode=-1, path="/sns/userinfo")
    identity = await providers["wechat_app"].exchange({"code": emulator.issue_code(APP[0], "fi")})
    assert identity.nickname is None
    assert emulator.faults.count == 1  # userinfo was never asked


async def test_the_user_access_token_stays_out_of_identity_and_logs(
    emulator: Emulator,
    providers: dict[str, Provider],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens: list[str] = []
    original = emulated.access_token

    def spy(*args: Any) -> dict[str, Any]:
        answer = original(*args)
        tokens.append(str(answer["access_token"]))
        return answer

    monkeypatch.setattr(emulated, "access_token", spy)
    identity = await providers["wechat_app"].exchange({"code": emulator.issue_code(APP[0], "gu")})
    assert tokens
    assert tokens[0] not in caplog.text
    assert tokens[0] not in repr(identity)
    assert identity.session_key is None  # nothing of the grant is kept
