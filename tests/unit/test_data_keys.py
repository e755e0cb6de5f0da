"""The data keys' AES-256-GCM sealing: round trip, rotation, and every way a sealed value
can fail to open (unknown key id, wrong key, tampering, another row's value) giving ``None``
and a warning that names the key id only."""

from __future__ import annotations

import base64
import logging

import pytest

from wxsession.accounts import session_keys
from wxsession.core.identity import Identity
from wxsession.data_keys import DataKeys, Sealed, context

KEY_A, KEY_B = b"a" * 32, b"b" * 32
TEXT_A, TEXT_B = base64.b64encode(KEY_A).decode(), base64.b64encode(KEY_B).decode()
ROW = context("test", "wechat", "wx0123456789abcdef", "o-amy")
SESSION_KEY = "HyVFkGl5F5OQWJZZaNzBBg=="


def test_a_sealed_value_opens_and_holds_no_plaintext() -> None:
    keys = DataKeys([("a", KEY_A)])
    sealed = keys.seal(SESSION_KEY, ROW)
    assert sealed.kid == "a"
    assert SESSION_KEY.encode() not in sealed.blob
    assert base64.b64decode(SESSION_KEY) not in sealed.blob
    assert len(sealed.blob) == 1 + 12 + len(SESSION_KEY) + 16
    assert keys.open(sealed, ROW) == SESSION_KEY
    again = keys.seal(SESSION_KEY, ROW)
    assert again.blob[1:13] != sealed.blob[1:13]  # a fresh nonce per seal
    assert keys.open(again, ROW) == SESSION_KEY


def test_the_first_key_seals_and_every_key_opens() -> None:
    old = DataKeys([("a", KEY_A)])
    rotated = DataKeys([("b", KEY_B), ("a", KEY_A)])
    from_old = old.seal(SESSION_KEY, ROW)
    assert rotated.open(from_old, ROW) == SESSION_KEY
    assert rotated.seal(SESSION_KEY, ROW).kid == "b"


def test_what_does_not_open_is_none_and_logged_by_key_id_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    keys = DataKeys([("a", KEY_A)])
    sealed = keys.seal(SESSION_KEY, ROW)
    blob = sealed.blob
    other_row = context("test", "wechat", "wx0123456789abcdef", "o-bob")
    cases = {
        "unknown key id": (Sealed("gone", blob), ROW),
        "relabelled key id": (Sealed("a2", blob), ROW),
        "another row": (sealed, other_row),
        "empty": (Sealed("a", b""), ROW),
        "unknown version": (Sealed("a", b"\x02" + blob[1:]), ROW),
        "nonce altered": (Sealed("a", blob[:1] + bytes([blob[1] ^ 1]) + blob[2:]), ROW),
        "ciphertext altered": (Sealed("a", blob[:13] + bytes([blob[13] ^ 1]) + blob[14:]), ROW),
        "tag altered": (Sealed("a", blob[:-1] + bytes([blob[-1] ^ 1])), ROW),
        "truncated": (Sealed("a", blob[:-1]), ROW),
    }
    wrong_key = DataKeys([("a", KEY_B)])
    assert wrong_key.open(sealed, ROW) is None
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="wxsession.data_keys"):
        for name, (value, bound) in cases.items():
            assert keys.open(value, bound) is None, name
    assert len(caplog.records) == len(cases)
    assert "'gone'" in caplog.records[0].getMessage()
    for record in caplog.records:
        assert SESSION_KEY not in record.getMessage()
        assert "YWFh" not in record.getMessage()  # base64 of the key's bytes


def test_an_identitys_key_is_bound_to_that_identity() -> None:
    keys = DataKeys([("a", KEY_A)])
    amy = Identity("wechat", "wx0123456789abcdef", "o-amy", session_key=SESSION_KEY)
    sealed = session_keys.seal(keys, amy)
    assert sealed is not None
    assert session_keys.unseal(keys, "wechat", amy.app_id, "o-amy", sealed) == SESSION_KEY
    assert session_keys.unseal(keys, "wechat", amy.app_id, "o-bob", sealed) is None
    assert session_keys.unseal(keys, "qq", amy.app_id, "o-amy", sealed) is None
    assert session_keys.unseal(keys, "wechat", "wx0000000000000000", "o-amy", sealed) is None
    assert session_keys.seal(keys, Identity("wechat", amy.app_id, "o-amy")) is None


def test_a_pending_records_key_is_sealed_text_and_plaintext_is_dropped() -> None:
    keys = DataKeys([("a", KEY_A)])
    amy = Identity("wechat", "wx0123456789abcdef", "o-amy", "u-amy", SESSION_KEY)
    stored = session_keys.for_pending_record(keys, amy)
    assert stored.session_key is not None and stored.session_key.startswith("a:")
    assert SESSION_KEY not in stored.session_key
    assert session_keys.from_pending_record(keys, stored) == amy
    older = session_keys.from_pending_record(keys, amy)  # a record from before sealing
    assert older.session_key is None and older.subject == "o-amy"
    assert Sealed.from_text("a:%%%") is None


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("", "at least one data key"),
        ("a", "entry 1: write it as key_id:base64_key"),
        ("a:not*base64", "entry 1 (a): not base64"),
        ("a:" + base64.b64encode(b"short").decode(), "entry 1 (a): the key must be 32 bytes"),
        (
            "a:" + base64.b64encode(KEY_A).decode() + ",a:" + base64.b64encode(KEY_B).decode(),
            "twice",
        ),
        ("bad kid:" + base64.b64encode(KEY_A).decode(), "entry 1: a key id is"),
    ],
)
def test_a_bad_setting_is_explained_without_its_keys(setting: str, problem: str) -> None:
    with pytest.raises(ValueError) as caught:
        DataKeys.parse(setting)
    assert problem in str(caught.value)
    assert TEXT_A not in str(caught.value)


def test_the_setting_parses_both_base64_alphabets_and_repr_hides_keys() -> None:
    key = bytes(range(250, 256)) * 5 + b"\xfb\xff"  # base64 with + and /
    standard, urlsafe = base64.b64encode(key).decode(), base64.urlsafe_b64encode(key).decode()
    assert "+" in standard or "/" in standard
    keys = DataKeys.parse(f" new:{urlsafe} , old:{standard} ")
    assert keys.current == "new" and keys.kids == ("new", "old")
    assert keys.open(DataKeys([("old", key)]).seal("x", ROW), ROW) == "x"
    assert repr(keys) == "DataKeys(kids=('new', 'old'))"
