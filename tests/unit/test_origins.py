"""``safe_return_to``: where a browser may be sent after a web login (no open redirect)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wxsession.origins import safe_return_to

ALLOWED = {"https://app.example.com", "http://localhost:3000"}


@pytest.mark.parametrize(
    "value",
    [
        "/",
        "/account?tab=1#top",
        "/%2F%2Fevil.example",  # a path on our host, however it is escaped
        "https://app.example.com",
        "https://app.example.com/welcome?x=1",
        "http://localhost:3000/cb",
    ],
)
def test_paths_and_configured_origins_are_kept_as_given(value: str) -> None:
    assert safe_return_to(value, ALLOWED) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "//evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "\\/evil.example",
        "https://evil.example",
        "https://app.example.com.evil.example/",
        "https://app.example.com@evil.example/",
        "https://user:pw@app.example.com/",
        "http://app.example.com/",
        "https://app.example.com:8443/",
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,x",
        "app.example.com/x",
        "https:app.example.com",
        "https:/app.example.com",
        " /x",
        "/x ",
        "/\t/evil.example",
        "/x\r\nSet-Cookie: a=b",
        "/x\x00",
        "/" + "a" * 2048,
    ],
)
def test_anything_else_is_refused(value: str) -> None:
    assert safe_return_to(value, ALLOWED) is None


@given(st.text(max_size=80))
def test_an_accepted_value_never_leaves_the_allowed_places(value: str) -> None:
    kept = safe_return_to(value, ALLOWED)
    if kept is None:
        return
    assert kept == value
    assert "\\" not in kept and not any(c.isspace() or ord(c) < 0x20 for c in kept)
    if kept.startswith("/"):
        assert not kept.startswith("//")
    else:
        parts = urlsplit(kept)
        assert f"{parts.scheme}://{parts.netloc}".lower() in ALLOWED
