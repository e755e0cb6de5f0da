"""Plugin (tests/conftest.py): a real wxsession server (uvicorn on loopback) talking to a real
emulator over HTTP, on the embedded defaults (SQLite) and on the production pair (Redis +
PostgreSQL). ``backend`` picks the stores; a folder's conftest may override it (the framework
integrations run on one). Tests import :class:`Service` and the answer helpers from here."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.support.clock import MovableClock
from tests.support.emulator import running_emulator
from wxsession.accounts.passwords import PasswordHasher
from wxsession.db import create_engine
from wxsession.emulator import Emulator, parse_app_options
from wxsession.platforms.alipay import DEV_PREFIX as ALIPAY_PREFIX
from wxsession.platforms.baidu import DEV_PREFIX as BAIDU_PREFIX
from wxsession.platforms.douyin import DEV_PREFIX as DOUYIN_PREFIX
from wxsession.platforms.kuaishou import DEV_PREFIX as KUAISHOU_PREFIX
from wxsession.platforms.qq import DEV_PREFIX as QQ_PREFIX
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings

APPID = "wx5e1f0c3a9b7d2e46"
SECRET = "test-app-secret-7f3a9c1e5b2d4f60"

BACKENDS = ["sqlite", "redis+postgres"]


@dataclass
class Service:
    """One running server plus the emulator it talks to, and helpers to drive them."""

    url: str
    emulator: Emulator
    emulator_url: str
    clock: MovableClock
    settings: Settings
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url, timeout=15)

    def wx_code(self, user: str = "alice", appid: str | None = None) -> str:
        """Play wx.login() for ``user`` on the emulator (in this server's app by default)."""
        response = httpx.post(
            f"{self.emulator_url}/_emulator/login",
            json={"appid": appid or self.settings.appid, "user": user},
        )
        response.raise_for_status()
        code: str = response.json()["code"]
        return code

    def login(self, user: str = "alice", **kwargs: Any) -> httpx.Response:
        return self.http.post("/v1/auth/wechat/login", json={"code": self.wx_code(user)}, **kwargs)

    def session_for(self, user: str = "alice") -> str:
        response = self.login(user)
        assert response.status_code == 200, response.text
        token: str = response.json()["session_id"]
        return token

    def sql_scalar(self, query: str) -> Any:
        """Read the service's own database directly, to check what really got stored."""

        async def run() -> Any:
            engine = create_engine(self.settings.database_url)
            try:
                async with engine.connect() as connection:
                    return (await connection.execute(text(query))).scalar()
            finally:
                await engine.dispose()

        return asyncio.run(run())

    def sql_execute(self, statement: str) -> None:
        """Change the service's own database directly (to stage what a test needs)."""

        async def run() -> None:
            engine = create_engine(self.settings.database_url)
            try:
                async with engine.begin() as connection:
                    await connection.execute(text(statement))
            finally:
                await engine.dispose()

        asyncio.run(run())

    def get(self, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.get(path, headers=headers, **kwargs)

    def post(self, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.post(path, headers=headers, **kwargs)


def session_id_of(response: httpx.Response) -> str:
    """The session id of a successful login-like answer (200 or 201)."""
    assert response.status_code in (200, 201), response.text
    token: str = response.json()["session_id"]
    return token


def error_code_of(response: httpx.Response) -> str:
    """The machine code of an error answer."""
    code: str = response.json()["error"]["code"]
    return code


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header that carries ``token``."""
    return {"Authorization": f"Bearer {token}"}


def code_proof(service: Service, user: str) -> dict[str, str]:
    """A ``reauth`` proof as the SDK sends it: a fresh wx.login() code of ``user``."""
    return {"provider": "wechat", "code": service.wx_code(user)}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Any) -> dict[str, str]:
    """Settings for where state lives: SQLite for both, or Redis sessions + PostgreSQL users."""
    if request.param == "sqlite":
        return {"database_url": request.getfixturevalue("sqlite_url"), "session_store": "sql"}
    return {
        "database_url": request.getfixturevalue("postgres_url"),
        "session_store": request.getfixturevalue("redis_url"),
    }


@pytest.fixture
def make_service(backend: dict[str, str]) -> Iterator[Any]:
    """Start servers with extra settings: ``make_service(registration="explicit")``; a
    ``password_hasher`` replaces the server's own (to count its work); ``unionid`` makes the
    emulator send unionids (the same for a user in every app and every emulator);
    ``platform_apps`` registers apps of the other platforms on it (else it accepts any). The
    emulator knows the mini programs of ``wechat_apps`` (else the one app)."""
    stack: list[Any] = []

    def start(
        *,
        password_hasher: PasswordHasher | None = None,
        unionid: bool = False,
        platform_apps: Mapping[str, Mapping[str, str]] | None = None,
        **overrides: Any,
    ) -> Service:
        clock = MovableClock()
        listed = overrides.get("wechat_apps")
        apps = (
            parse_app_options(listed)
            if listed
            else {overrides.get("appid", APPID): overrides.get("secret", SECRET)}
        )
        emulator_cm = running_emulator(
            apps, unionid=unionid, clock=clock, platform_apps=platform_apps
        )
        emulator_url, emulator = emulator_cm.__enter__()
        stack.append(emulator_cm)
        options: dict[str, Any] = {
            "appid": APPID,
            "secret": SECRET,
            "wechat_api_base": emulator_url,
            # Other platforms (on only when a test sets their appid/secret): the emulator too.
            "wechat_app_api_base": emulator_url,
            "qq_api_base": emulator_url + QQ_PREFIX,
            "douyin_api_base": emulator_url + DOUYIN_PREFIX,
            "alipay_api_base": emulator_url + ALIPAY_PREFIX,
            "baidu_api_base": emulator_url + BAIDU_PREFIX,
            "kuaishou_api_base": emulator_url + KUAISHOU_PREFIX,
            "wechat_timeout": 2.0,
            **backend,
            **overrides,
        }
        settings = Settings(**options)
        server_cm = serve_in_thread(
            create_app(settings, clock=clock, password_hasher=password_hasher)
        )
        url = server_cm.__enter__()
        stack.append(server_cm)
        return Service(url, emulator, emulator_url, clock, settings)

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)


@pytest.fixture
def service(make_service: Any) -> Service:
    started: Service = make_service()
    return started
