"""One contract every login provider passes, over real HTTP against the emulator: a code
becomes the right Identity, and each way the platform can fail becomes the same kind of
wxsession error (status and stable code), never a 500."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.alipay import OTHER_PRIVATE_KEY
from tests.support.platforms import (
    ALIPAY,
    APP,
    BAIDU,
    DOUYIN,
    KUAISHOU,
    MINI,
    QQ,
    TIMEOUT,
    providers_for,
    settings_for,
)
from wxsession.core.errors import WxSessionError
from wxsession.emulator import Emulator
from wxsession.platforms import PLATFORMS
from wxsession.platforms.alipay import DEV_PREFIX as ALIPAY_PREFIX
from wxsession.platforms.baidu import DEV_PREFIX as BAIDU_PREFIX
from wxsession.platforms.douyin import DEV_PREFIX as DOUYIN_PREFIX
from wxsession.platforms.kuaishou import DEV_PREFIX as KUAISHOU_PREFIX
from wxsession.platforms.provider import Provider
from wxsession.platforms.qq import DEV_PREFIX as QQ_PREFIX


@dataclass(frozen=True)
class Case:
    """One provider and what its platform's failures must become."""

    name: str
    appid: str
    secret: str
    path: str
    """The emulator path its code exchange calls (faults are aimed at it)."""
    invalid: str
    used: str
    unavailable: str
    malformed: str
    misconfigured: str
    family: str | None
    """Whose unionids it reports (the emulator's platform family); ``None``: it gives none."""
    session_key: bool
    busy: tuple[dict[str, Any], str] = ({"errcode": -1}, "1")
    """The fault that says the platform is busy, and the Retry-After it gets: a busy error
    code, or for a platform that documents none, an HTTP 503."""
    wrong_secret: str = "not-the-secret"
    """A secret of the right form that is not the app's (a key, for a platform that signs)."""

    def __str__(self) -> str:
        return self.name


WECHAT_ERRORS: dict[str, Any] = {
    "invalid": "WECHAT_CODE_INVALID",
    "used": "WECHAT_CODE_USED",
    "unavailable": "WECHAT_UNAVAILABLE",
    "malformed": "WECHAT_ERROR",
    "misconfigured": "WECHAT_MISCONFIGURED",
    "family": "wechat",
}
OTHER_ERRORS: dict[str, Any] = {
    "invalid": "PROVIDER_CODE_INVALID",
    "used": "PROVIDER_CODE_INVALID",
    "unavailable": "PROVIDER_UNAVAILABLE",
    "malformed": "PROVIDER_ERROR",
    "misconfigured": "PROVIDER_MISCONFIGURED",
}
CASES = [
    Case("wechat", *MINI, "/sns/jscode2session", **WECHAT_ERRORS, session_key=True),
    Case("wechat_app", *APP, "/sns/oauth2/access_token", **WECHAT_ERRORS, session_key=False),
    Case(
        "qq", *QQ, QQ_PREFIX + "/sns/jscode2session", **OTHER_ERRORS, family="qq", session_key=True
    ),
    Case(
        "douyin",
        *DOUYIN,
        DOUYIN_PREFIX + "/api/apps/v2/jscode2session",
        **OTHER_ERRORS,
        family="douyin",
        session_key=True,
    ),
    Case(
        "baidu",
        *BAIDU,
        BAIDU_PREFIX + "/oauth/jscode2sessionkey",
        **OTHER_ERRORS,
        family=None,
        session_key=True,
        busy=({"status": 503}, "1"),
    ),
    Case(
        "kuaishou",
        *KUAISHOU,
        KUAISHOU_PREFIX + "/oauth2/mp/code2session",
        **OTHER_ERRORS,
        family=None,
        session_key=True,
        busy=({"errcode": 100200500}, "1"),
    ),
    Case(
        "alipay",
        *ALIPAY,
        ALIPAY_PREFIX + "/gateway.do",
        **OTHER_ERRORS,
        family="alipay",
        session_key=False,
        busy=({"errcode": 20000}, "1"),
        wrong_secret=OTHER_PRIVATE_KEY,
    ),
]
STATUS = {
    "WECHAT_CODE_INVALID": 401,
    "WECHAT_CODE_USED": 401,
    "PROVIDER_CODE_INVALID": 401,
    "WECHAT_UNAVAILABLE": 503,
    "PROVIDER_UNAVAILABLE": 503,
    "WECHAT_ERROR": 502,
    "PROVIDER_ERROR": 502,
    "WECHAT_MISCONFIGURED": 502,
    "PROVIDER_MISCONFIGURED": 502,
}


@pytest.fixture(params=CASES, ids=str)
def case(request: pytest.FixtureRequest) -> Case:
    found: Case = request.param
    return found


async def refused(provider: Provider, proof: dict[str, Any]) -> WxSessionError:
    with pytest.raises(WxSessionError) as caught:
        await provider.exchange(proof)
    return caught.value


def assert_error(error: WxSessionError, code: str) -> None:
    assert (error.code, error.status) == (code, STATUS[code])


async def test_a_code_becomes_the_users_identity(
    case: Case, emulator: Emulator, providers: dict[str, Provider]
) -> None:
    code = emulator.issue_code(case.appid, "alice")
    identity = await providers[case.name].exchange({"code": code})
    assert identity.provider == case.name
    assert identity.app_id == case.appid
    assert identity.subject == emulator.openid_for(case.appid, "alice")
    expected = None if case.family is None else emulator.unionid_for("alice", case.family)
    assert identity.union_id == expected
    assert (identity.session_key is not None) is case.session_key


async def test_an_unknown_code_is_invalid(case: Case, providers: dict[str, Provider]) -> None:
    error = await refused(providers[case.name], {"code": "0" * 32})
    assert_error(error, case.invalid)


async def test_a_used_code_is_refused(
    case: Case, emulator: Emulator, providers: dict[str, Provider]
) -> None:
    code = emulator.issue_code(case.appid, "alice")
    await providers[case.name].exchange({"code": code})
    assert_error(await refused(providers[case.name], {"code": code}), case.used)


async def test_a_code_of_another_platform_is_invalid(
    case: Case, emulator: Emulator, providers: dict[str, Provider]
) -> None:
    other = next(c for c in CASES if c.name != case.name)
    code = emulator.issue_code(other.appid, "alice")
    assert_error(await refused(providers[case.name], {"code": code}), case.invalid)
    assert (await providers[other.name].exchange({"code": code})).provider == other.name


async def test_platform_busy_is_503(
    case: Case, emulator: Emulator, providers: dict[str, Provider]
) -> None:
    fault, retry_after = case.busy
    emulator.set_faults(**fault, path=case.path)
    error = await refused(providers[case.name], {"code": emulator.issue_code(case.appid, "a")})
    assert_error(error, case.unavailable)
    assert error.headers["Retry-After"] == retry_after


@pytest.mark.parametrize(
    "body", ["<html><body>502 Bad Gateway</body></html>", "[]", '{"errcode": "x"}', ""]
)
async def test_a_garbage_answer_is_502(
    case: Case, emulator: Emulator, providers: dict[str, Provider], body: str
) -> None:
    emulator.set_faults(body=body, path=case.path)
    error = await refused(providers[case.name], {"code": emulator.issue_code(case.appid, "a")})
    assert_error(error, case.malformed)


async def test_an_http_error_status_is_503(
    case: Case, emulator: Emulator, providers: dict[str, Provider]
) -> None:
    emulator.set_faults(status=502, path=case.path)
    error = await refused(providers[case.name], {"code": emulator.issue_code(case.appid, "a")})
    assert_error(error, case.unavailable)


async def test_a_timeout_is_503(
    case: Case, emulator: Emulator, providers: dict[str, Provider]
) -> None:
    emulator.set_faults(latency_ms=int(TIMEOUT * 1000) + 1500, path=case.path)
    error = await refused(providers[case.name], {"code": emulator.issue_code(case.appid, "a")})
    assert_error(error, case.unavailable)


async def test_an_unreachable_platform_is_503(case: Case, platform_http: httpx.AsyncClient) -> None:
    dead = "http://127.0.0.1:9"  # the discard port: nothing listens
    settings = settings_for(
        dead,
        qq_api_base=dead + QQ_PREFIX,
        douyin_api_base=dead + DOUYIN_PREFIX,
        baidu_api_base=dead + BAIDU_PREFIX,
        kuaishou_api_base=dead + KUAISHOU_PREFIX,
        alipay_api_base=dead + ALIPAY_PREFIX,
    )
    error = await refused(providers_for(settings, platform_http)[case.name], {"code": "0" * 32})
    assert_error(error, case.unavailable)


async def test_a_wrong_secret_is_misconfigured(
    case: Case, served: tuple[str, Emulator], platform_http: httpx.AsyncClient
) -> None:
    field = next(spec.settings.secret for spec in PLATFORMS if spec.name == case.name)
    providers = providers_for(settings_for(served[0], **{field: case.wrong_secret}), platform_http)
    code = served[1].issue_code(case.appid, "alice")
    assert_error(await refused(providers[case.name], {"code": code}), case.misconfigured)


@pytest.mark.parametrize("proof", [{}, {"code": ""}, {"code": "has space"}, {"code": 42}])
async def test_a_malformed_code_never_reaches_the_platform(
    case: Case, emulator: Emulator, providers: dict[str, Provider], proof: dict[str, Any]
) -> None:
    emulator.set_faults(status=503, path=case.path)
    assert_error_code = (await refused(providers[case.name], proof)).code
    assert assert_error_code == "INVALID_REQUEST"
    assert emulator.faults.count == 1  # the platform was never called


async def test_no_secret_or_code_reaches_the_logs(
    case: Case,
    emulator: Emulator,
    providers: dict[str, Provider],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    code = emulator.issue_code(case.appid, "alice")
    identity = await providers[case.name].exchange({"code": code})
    await refused(providers[case.name], {"code": code})
    logged = caplog.text + repr(identity)
    assert "answered HTTP 200" in caplog.text  # the calls were logged, without their queries
    for secret in (case.secret, code, identity.subject, identity.union_id):
        assert secret is None or secret not in logged
