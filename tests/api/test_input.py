"""Whatever a client sends is a 4xx with a documented code, never a 500 (issue 19): lone
surrogates in text fields, bodies the JSON parser cannot read, a body cut short by the client,
avatar URLs that are not a real https host, a provider name of any length."""

from __future__ import annotations

import http.client
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic import HttpUrl

from tests.support.logs import attached
from tests.support.service import Service, error_code_of, session_id_of
from wxsession.avatar_url import AVATAR_URL_PATTERN
from wxsession.server.schemas import NICKNAME_PATTERN

JSON = {"Content-Type": "application/json"}
LONE = '"abcdefgh\\ud800xyz"'
"""A JSON string holding a lone surrogate: valid JSON, but no UTF-8 form once decoded."""


class Connection:
    """One keep-alive HTTP/1.1 connection to the service, to see that it survives an answer."""

    def __init__(self, service: Service) -> None:
        url = urlsplit(service.url)
        assert url.hostname is not None and url.port is not None
        self._http = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
        self._socket: socket.socket | None = None

    def send(self, method: str, path: str, body: bytes, token: str | None) -> tuple[int, str]:
        headers = {**JSON, **({"Authorization": f"Bearer {token}"} if token else {})}
        self._http.request(method, path, body=body, headers=headers)
        response = self._http.getresponse()
        text = response.read().decode()
        if self._socket is None:
            self._socket = self._http.sock
        assert self._http.sock is not None and self._http.sock is self._socket, "reconnected"
        return response.status, text

    def close(self) -> None:
        self._http.close()


@pytest.fixture
def connection(service: Service) -> Iterator[Connection]:
    opened = Connection(service)
    yield opened
    opened.close()


def test_a_lone_surrogate_in_any_text_field_is_422_and_the_connection_lives_on(
    service: Service, connection: Connection
) -> None:
    wechat = service.session_for("sur")
    registered = service.post(
        "/v1/auth/password/register", json={"username": "surro", "password": "abcdefgh-xyz"}
    )
    password_user = session_id_of(registered)
    cases: list[tuple[str, str, str, str | None]] = [
        ("POST", "/v1/auth/password/register", f'{{"username": "sur2", "password": {LONE}}}', None),
        ("POST", "/v1/auth/password/register", f'{{"username": {LONE}, "password": "x"}}', None),
        ("POST", "/v1/auth/password/register", f'{{"phone": {LONE}, "password": "x"}}', None),
        ("POST", "/v1/auth/password/login", f'{{"username": "surro", "password": {LONE}}}', None),
        ("POST", "/v1/me/identities/password", f'{{"username": "s3", "password": {LONE}}}', wechat),
        (
            "POST",
            "/v1/me/identities/password",
            f'{{"username": "s4", "password": "abcdefgh-4", "reauth": {{"password": {LONE}}}}}',
            wechat,
        ),
        ("DELETE", "/v1/me/identities/wechat", f'{{"reauth": {{"password": {LONE}}}}}', wechat),
        (
            "POST",
            "/v1/me/password",
            f'{{"current_password": {LONE}, "new_password": "abcdefgh-new"}}',
            password_user,
        ),
        (
            "POST",
            "/v1/me/password",
            f'{{"current_password": "abcdefgh-xyz", "new_password": {LONE}}}',
            password_user,
        ),
        ("PUT", "/v1/me/profile", f'{{"nickname": {LONE}}}', wechat),
        ("PUT", "/v1/me/profile", f'{{"avatar_url": {LONE}}}', wechat),
        ("POST", "/v1/wechat/verify", f'{{"rawData": {LONE}, "signature": "ab"}}', wechat),
        ("POST", "/v1/wechat/verify", f'{{"rawData": "{{}}", "signature": {LONE}}}', wechat),
        ("POST", "/v1/wechat/decrypt", f'{{"encryptedData": {LONE}, "iv": "ab"}}', wechat),
        ("POST", "/v1/wechat/decrypt", f'{{"encryptedData": "ab", "iv": {LONE}}}', wechat),
        ("POST", "/v1/me/phone", f'{{"code": {LONE}}}', wechat),
        ("POST", "/v1/auth/wechat/login", f'{{"code": {LONE}}}', None),
        ("POST", "/v1/auth/qq/login", f'{{"code": {LONE}}}', None),
    ]
    for method, path, body, token in cases:
        status, text = connection.send(method, path, body.encode(), token)
        assert (status, text[:40]) == (422, '{"error":{"code":"VALIDATION_ERROR","mes'), path
    assert connection.send("GET", "/v1/me", b"", wechat)[0] == 200
    # Nothing was changed by the refused requests: the password still logs in.
    login = {"username": "surro", "password": "abcdefgh-xyz"}
    assert service.post("/v1/auth/password/login", json=login).status_code == 200


UNPARSABLE = {
    "nested 10 000 deep": "[" * 10_000,
    "not UTF-8": '{"code": "\udcff\udcfe"}',  # bytes ff fe, sent as such (surrogateescape)
    "a 5000-digit integer": '{"code": ' + "1" * 5000 + "}",
}


@pytest.mark.parametrize("kind", UNPARSABLE)
def test_a_body_the_parser_cannot_read_is_400_invalid_request(
    service: Service, connection: Connection, kind: str
) -> None:
    """On the login fast path and on ordinary routes, with and without a session."""
    token = service.session_for("parse")
    body = UNPARSABLE[kind]
    for method, path, session in [
        ("POST", "/v1/auth/wechat/login", None),
        ("POST", "/v1/auth/password/login", None),
        ("POST", "/v1/auth/qq/login", None),
        ("PUT", "/v1/me/profile", token),
        ("POST", "/v1/wechat/verify", token),
    ]:
        raw = body.encode("utf-8", "surrogateescape")
        status, text = connection.send(method, path, raw, session)
        assert status == 400, (path, text)
        assert text.startswith('{"error":{"code":"INVALID_REQUEST","message":"'), (path, text)


def test_an_unreadable_body_is_no_token_for_the_body_carrier(make_service: Any) -> None:
    """With the JSON body carrier on, a route that takes no body of its own still reads it,
    for the token: a body it cannot read holds none (401), however it is broken."""
    service: Service = make_service(carriers=["header", "body"])
    for body in UNPARSABLE.values():
        raw = body.encode("utf-8", "surrogateescape")
        for method, path in [("DELETE", "/v1/sessions/abc"), ("POST", "/v1/auth/logout")]:
            response = service.http.request(method, path, content=raw, headers=JSON)
            assert response.status_code == 401, (path, response.text)
            assert error_code_of(response) == "SESSION_MISSING"


@pytest.fixture
def warnings_and_access() -> Iterator[list[logging.LogRecord]]:
    """What this process logs at WARNING and above (uvicorn's own loggers included) and every
    access line, while the test runs."""
    records: list[logging.LogRecord] = []
    warnings, lines = logging.Handler(logging.WARNING), logging.Handler(logging.INFO)
    warnings.emit = lines.emit = records.append  # type: ignore[method-assign]
    with (
        attached(warnings, "", logging.WARNING),
        attached(warnings, "uvicorn", logging.WARNING),
        attached(lines, "wxsession.access", logging.INFO),
    ):
        yield records


def _cut_short(service: Service, path: str) -> None:
    """Send ``path`` a body shorter than its Content-Length, then hang up."""
    url = urlsplit(service.url)
    assert url.hostname is not None and url.port is not None
    with socket.create_connection((url.hostname, url.port), timeout=15) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        sock.sendall(f'{head}Content-Length: 100\r\n\r\n{{"code": '.encode())
        time.sleep(0.2)  # the server has started reading the body


def test_a_client_hanging_up_mid_body_is_no_server_error(
    service: Service, warnings_and_access: list[logging.LogRecord]
) -> None:
    """The login fast path and an ordinary route alike: the access line says 499 (the client
    closed the request), nothing is logged as an error, and the service goes on."""
    paths = ["/v1/auth/wechat/login", "/v1/auth/password/login", "/v1/wechat/verify"]
    for path in paths:
        _cut_short(service, path)

    def access() -> list[tuple[str, int]]:
        return [
            (r.path, r.status)  # type: ignore[attr-defined]
            for r in warnings_and_access
            if r.name == "wxsession.access"
        ]

    deadline = time.monotonic() + 10
    while len(access()) < len(paths) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(access()) == sorted((path, 499) for path in paths)
    problems = [r for r in warnings_and_access if r.name != "wxsession.access"]
    assert problems == [], [r.getMessage() for r in problems]
    assert service.login("after").status_code == 200


WECHAT_AVATARS = [
    "https://thirdwx.qlogo.cn/mmopen/vi_32/Q0j4TwGTfTKib1ZeIVibvdgPLnRqa3BfJn0FVHZJicwicw/132",
    "https://thirdwx.qlogo.cn/mmopen/vi_32/DYAIOgq83eoj0hHXhgJNOTSOFsS4uZs8x1ConecaVOB8eIl115xmJZcT4oCicvia7wMEufibKtTLqiaJeanU2Lpg3w/132",
    "https://wx.qlogo.cn/mmhead/ver_1/NIB0cfWib7Xiaj5wxBRicXHAuh7ibVc4cdXEgibVKlzA/0",
    "https://mmbiz.qpic.cn/mmbiz_png/abc/640?wx_fmt=png&wxfrom=5",
    "https://bucket-1250000000.cos.ap-guangzhou.myqcloud.com/avatars/u%2B1.png?sign=q-a%3Db",
    "https://cdn.example.com:8443/a/b.png#top",
]

BAD_AVATARS = [
    'https://thirdwx.qlogo.cn/mmopen/"onerror="alert(1)',
    "https://thirdwx.qlogo.cn/<script>",
    "https://thirdwx.qlogo.cn/a'b",
    "https://thirdwx.qlogo.cn/a(b)",
    "https://thirdwx.qlogo.cn/a\\b",
    "https://-/a.png",
    "https://../a.png",
    "https://a..b.com/a.png",
    "https://-a.com/a.png",
    "https://a-.com/a.png",
    "https://169.254.169.254/latest/meta-data/",
    "https://127.0.0.1/a.png",
    "https://[::1]/a.png",
    "https://localhost/a.png",
    "https://example.123/a.png",
    "https://user:pass@example.com/a.png",
    "https://example.com@evil.com/a.png",
    "https://example.com:0/a.png",
    "https://example.com:65536/a.png",
    "https://example.com/a%zz.png",
    "https://" + "a" * 64 + ".com/a.png",
    "https://例子.cn/a.png",
    "https://example.com/a\u00a0b.png",
]


def test_avatar_url_is_an_https_url_on_a_real_host_name(service: Service) -> None:
    token = service.session_for("avatar")

    def put(avatar: str) -> Any:
        return service.http.put(
            "/v1/me/profile",
            json={"avatar_url": avatar},
            headers={"Authorization": f"Bearer {token}"},
        )

    for good in WECHAT_AVATARS:
        accepted = put(good)
        assert accepted.status_code == 200, (good, accepted.text)
        assert accepted.json()["avatar_url"] == good
        parsed = HttpUrl(good)  # a real URL parser agrees: same host, no user info
        assert (parsed.scheme, parsed.host, parsed.username) == (
            "https",
            urlsplit(good).hostname,
            None,
        )
    for bad in BAD_AVATARS:
        refused = put(bad)
        assert refused.status_code == 422, bad
        assert error_code_of(refused) == "VALIDATION_ERROR"
    assert service.get("/v1/me", token).json()["avatar_url"] == WECHAT_AVATARS[-1]


def test_the_api_document_states_the_text_rules(service: Service) -> None:
    """The rules a validator adds do not push a field's own pattern out of the document."""
    schemas = service.http.get("/openapi.json").json()["components"]["schemas"]
    for model in ("ProfileIn", "RegisterIn"):
        fields = schemas[model]["properties"]
        (avatar,) = (option for option in fields["avatar_url"]["anyOf"] if "pattern" in option)
        assert avatar["pattern"] == AVATAR_URL_PATTERN
        (nickname,) = (option for option in fields["nickname"]["anyOf"] if "pattern" in option)
        assert nickname["pattern"] == NICKNAME_PATTERN


def test_an_unknown_provider_name_is_not_echoed_whole(service: Service) -> None:
    name = "p" * 10_000
    response = service.http.post(f"/v1/auth/{name}/login", json={"code": "abc"})
    assert response.status_code == 404
    assert error_code_of(response) == "NOT_FOUND"
    message = response.json()["error"]["message"]
    assert message == f"Unknown login provider '{'p' * 32}…'."
    control = service.http.post("/v1/auth/a%00%1b%5B2J/login", json={"code": "abc"})
    assert control.json()["error"]["message"] == r"Unknown login provider 'a\x00\x1b[2J'."
