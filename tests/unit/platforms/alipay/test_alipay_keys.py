"""Alipay's keys load from every form operators hold them in, and one that does not load is
one line naming its variable (never its value), which stops start-up."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import SecretStr

from tests.support.alipay import (
    ALIPAY,
    ALIPAY_PUBLIC_KEY,
    APP_PRIVATE_KEY,
    APP_PUBLIC_KEY,
    key_pair,
)
from wxsession.platforms.alipay import SPEC, keys
from wxsession.platforms.spec import PlatformApp
from wxsession.settings import Settings

PRIVATE = serialization.load_pem_private_key(APP_PRIVATE_KEY.encode(), password=None)


def one_line(pem: str) -> str:
    """The key as Alipay's key tool shows it: the base64 body alone, on one line."""
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


def pkcs1(pem: str) -> str:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def numbers(key: object) -> object:
    return key.public_key().public_numbers() if hasattr(key, "public_key") else key.public_numbers()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "form", ["pem", "pkcs1 pem", "one line", "one line pkcs1", "file", "padded"]
)
def test_a_private_key_loads_from_each_form(form: str, tmp_path: Path) -> None:
    file = tmp_path / "app_private_key.pem"
    file.write_text(APP_PRIVATE_KEY)
    value = {
        "pem": APP_PRIVATE_KEY,
        "pkcs1 pem": pkcs1(APP_PRIVATE_KEY),
        "one line": one_line(APP_PRIVATE_KEY),
        "one line pkcs1": one_line(pkcs1(APP_PRIVATE_KEY)),
        "file": str(file),
        "padded": f"\n  {APP_PRIVATE_KEY}  \n",
    }[form]
    assert numbers(keys.private_key(value)) == numbers(PRIVATE)


@pytest.mark.parametrize("form", ["pem", "one line", "file"])
def test_a_public_key_loads_from_each_form(form: str, tmp_path: Path) -> None:
    file = tmp_path / "alipay_public_key.pem"
    file.write_text(APP_PUBLIC_KEY)
    value = {"pem": APP_PUBLIC_KEY, "one line": one_line(APP_PUBLIC_KEY), "file": str(file)}[form]
    assert numbers(keys.public_key(value)) == numbers(PRIVATE)


def _other_keys() -> dict[str, str]:
    weak, _ = key_pair(1024)
    curve = ec.generate_private_key(ec.SECP256R1())
    encrypted = PRIVATE.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    ec_pem = curve.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return {
        "junk": "not-a-key-4c1f",
        "missing file": "/no/such/dir/app_private_key.pem",
        "public for private": APP_PUBLIC_KEY,
        "encrypted": encrypted.decode(),
        "1024 bits": weak,
        "not RSA": ec_pem.decode(),
        "base64 of junk": base64.b64encode(b"junk-bytes-4c1f").decode(),
    }


OTHER_KEYS = _other_keys()


@pytest.mark.parametrize("case", list(OTHER_KEYS))
def test_what_is_not_a_usable_private_key_is_refused_without_echoing_it(case: str) -> None:
    value = OTHER_KEYS[case]
    with pytest.raises(keys.BadKey) as caught:
        keys.private_key(value)
    message = str(caught.value)
    assert "\n" not in message
    assert value.strip() not in message
    assert "4c1f" not in message


def app(**options: object) -> PlatformApp:
    values: dict[str, object] = {"public_key": ALIPAY_PUBLIC_KEY, "id_type": "open_id", **options}
    secret = str(values.pop("private_key", ALIPAY[1]))
    return PlatformApp(ALIPAY[0], SecretStr(secret), "https://openapi.alipay.com", values)


@pytest.mark.parametrize(
    ("configured", "line"),
    [
        (
            {"private_key": "not-a-key-4c1f"},
            "WXSESSION_ALIPAY_PRIVATE_KEY: is not an unencrypted RSA private key (PEM, or"
            " Alipay's one-line base64) nor a file holding one",
        ),
        (
            {"public_key": "not-a-key-4c1f"},
            "WXSESSION_ALIPAY_PUBLIC_KEY: is not an RSA public key (PEM, or Alipay's one-line"
            " base64) nor a file holding one",
        ),
        (
            {"public_key": ""},
            "WXSESSION_ALIPAY_PUBLIC_KEY: is required with WXSESSION_ALIPAY_APPID (every"
            " answer of Alipay is checked with it)",
        ),
        ({"id_type": "openid"}, "WXSESSION_ALIPAY_ID_TYPE: must be open_id or user_id"),
    ],
)
def test_the_start_up_check_names_the_variable(configured: dict[str, str], line: str) -> None:
    assert keys.check_app(app(**configured)) == line
    assert SPEC.app_problem(app(**configured)) == line


def test_a_good_app_passes_and_loads_once() -> None:
    assert keys.check_app(app()) is None
    loaded = keys.app_keys(app(id_type="user_id"))
    assert loaded.id_type == "user_id"
    assert APP_PRIVATE_KEY not in repr(loaded)


def test_settings_refuse_to_serve_with_a_key_that_does_not_load() -> None:
    base = {"dev_mode": True, "alipay_appid": ALIPAY[0], "alipay_public_key": ALIPAY_PUBLIC_KEY}
    assert Settings(**base, alipay_private_key=ALIPAY[1]).service_problem() is None
    problem = Settings(**base, alipay_private_key="not-a-key-4c1f").service_problem()
    assert problem is not None
    assert problem.startswith("WXSESSION_ALIPAY_PRIVATE_KEY: ")
