"""Open-data signature and decryption, on plain strings: vectors made by other tools, each
way the input can be wrong, and a property test that nothing but our 400s escapes."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from wxsession.errors import (
    WeChatDataError,
    WeChatDataInvalid,
    WeChatDataMalformed,
    WeChatDataStale,
    WeChatDecryptFailed,
    WeChatReloginRequired,
    WeChatSignatureInvalid,
    WeChatWatermarkMismatch,
)
from wxsession.wechat import crypto

APPID = "wx4f4bc4dec97d474b"
KEY = "tiihtNczf5v6AKRyjwEUhQ=="
IV = "r7BXXKkLb8qrSNn05n0qiA=="
NOW = 1_477_314_200.0

# Made with the openssl CLI, independently of this code:
#   printf '%s' "$PLAINTEXT" | openssl enc -aes-128-cbc -K <hex(b64decode(KEY))> \
#       -iv <hex(b64decode(IV))> | base64 -w0
PLAINTEXT = (
    '{"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","nickName":"Band",'
    '"watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}}'
)
OPENSSL_CIPHERTEXT = (
    "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGSV+mov6/+wLulzwRZXbU3w7hj"
    "v5WReqF6L4jyJgYGWNmnTvcRagCnztoM9GTUR+ub181QogvLadNcnbfNwGgR6CbOdRA3ZkCuvMpmwto36Vo="
)
# printf '%s' '{"nickName":"Band","gender":1}HyVFkGl5F5OQWJZZaNzBBg==' | openssl sha1
SIGNED_RAW = '{"nickName":"Band","gender":1}'
SIGNING_KEY = "HyVFkGl5F5OQWJZZaNzBBg=="
OPENSSL_SHA1 = "880cdb5994cb662931a46726252ab9d8942768db"


def encrypt_raw(plaintext: bytes, key: str = KEY, iv: str = IV) -> str:
    """AES-CBC without adding padding: the caller decides what the last block holds."""
    cipher = Cipher(algorithms.AES(base64.b64decode(key)), modes.CBC(base64.b64decode(iv)))
    encryptor = cipher.encryptor()
    return base64.b64encode(encryptor.update(plaintext) + encryptor.finalize()).decode()


def encrypt_json(data: object, key: str = KEY) -> str:
    return crypto.encrypt(json.dumps(data).encode(), key, base64.b64decode(IV))


def test_decrypts_a_vector_made_by_openssl() -> None:
    data = crypto.decrypt(OPENSSL_CIPHERTEXT, IV, KEY, appid=APPID, now=NOW)
    assert data == json.loads(PLAINTEXT)


def test_encrypt_matches_openssl() -> None:
    assert crypto.encrypt(PLAINTEXT.encode(), KEY, base64.b64decode(IV)) == OPENSSL_CIPHERTEXT


def test_signature_vector_made_by_openssl() -> None:
    assert crypto.sign(SIGNED_RAW, SIGNING_KEY) == OPENSSL_SHA1
    crypto.verify_signature(SIGNED_RAW, OPENSSL_SHA1, SIGNING_KEY)
    crypto.verify_signature(SIGNED_RAW, OPENSSL_SHA1.upper(), SIGNING_KEY)


@pytest.mark.parametrize(
    ("raw", "signature", "key"),
    [
        (SIGNED_RAW.replace("1", "2"), OPENSSL_SHA1, SIGNING_KEY),  # one byte of rawData
        (SIGNED_RAW, OPENSSL_SHA1[:-1] + "0", SIGNING_KEY),
        (SIGNED_RAW, OPENSSL_SHA1, KEY),  # another login's key
        (SIGNED_RAW, "签名" * 20, SIGNING_KEY),  # non-ASCII: no TypeError
        (SIGNED_RAW, "", SIGNING_KEY),
        (SIGNED_RAW, "\ud800", SIGNING_KEY),  # a lone surrogate, as JSON "\ud800" gives
        ("\udfff", OPENSSL_SHA1, SIGNING_KEY),
    ],
)
def test_signature_mismatch(raw: str, signature: str, key: str) -> None:
    with pytest.raises(WeChatSignatureInvalid):
        crypto.verify_signature(raw, signature, key)


@pytest.mark.parametrize(
    ("encrypted", "iv"),
    [
        ("not base64!", IV),
        (OPENSSL_CIPHERTEXT, "***"),
        (OPENSSL_CIPHERTEXT, base64.b64encode(b"short").decode()),
        (OPENSSL_CIPHERTEXT[:-4] + "\u00e9\u00e9\u00e9=", IV),  # non-ASCII
        (base64.b64encode(b"x" * 17).decode(), IV),  # not whole blocks
        ("", IV),
        ("\ud800AAA", IV),
        (base64.b64encode(b"x" * (crypto.MAX_CIPHERTEXT_BYTES + 16)).decode(), IV),
    ],
)
def test_malformed_input(encrypted: str, iv: str) -> None:
    with pytest.raises(WeChatDataMalformed):
        crypto.decrypt(encrypted, iv, KEY, appid=APPID, now=NOW)


@pytest.mark.parametrize("key", ["", "not a key", base64.b64encode(b"k" * 24).decode()])
def test_a_stored_key_that_is_not_a_session_key_means_log_in_again(key: str) -> None:
    with pytest.raises(WeChatReloginRequired):
        crypto.decrypt(OPENSSL_CIPHERTEXT, IV, key, appid=APPID, now=NOW)


@pytest.mark.parametrize(
    "last_block", [b"A" * 15 + b"\x00", b"A" * 15 + b"\x11", b"A" * 13 + b"\x01\x03\x03"]
)
def test_bad_padding_is_refused_not_stripped(last_block: bytes) -> None:
    # WeChat's sample strips padding by the last byte without checking it; here each case
    # is refused: a zero pad, a pad longer than the block, pad bytes that disagree.
    with pytest.raises(WeChatDecryptFailed):
        crypto.decrypt(encrypt_raw(b"B" * 16 + last_block), IV, KEY, appid=APPID, now=NOW)


def test_wrong_key_is_refused() -> None:
    other = base64.b64encode(b"\x01" * 16).decode()
    with pytest.raises((WeChatDecryptFailed, WeChatDataInvalid)):
        crypto.decrypt(OPENSSL_CIPHERTEXT, IV, other, appid=APPID, now=NOW)


@pytest.mark.parametrize(
    "plaintext",
    [b"not json", b"[1, 2]", b'"text"', b"\xff\xfe{}", b'{"a": NaN}', b"[" * 5000 + b"]" * 5000],
)
def test_not_a_json_object(plaintext: bytes) -> None:
    encrypted = crypto.encrypt(plaintext, KEY, base64.b64decode(IV))
    with pytest.raises(WeChatDataInvalid):
        crypto.decrypt(encrypted, IV, KEY, appid=APPID, now=NOW)


@pytest.mark.parametrize(
    "data",
    [
        {"openId": "x"},
        {"watermark": "wx4f4bc4dec97d474b"},
        {"watermark": {"timestamp": 1}},
        {"watermark": {"appid": "wx0000000000000000", "timestamp": int(NOW)}},
    ],
)
def test_watermark_of_another_app_or_none(data: object) -> None:
    with pytest.raises(WeChatWatermarkMismatch):
        crypto.decrypt(encrypt_json(data), IV, KEY, appid=APPID, now=NOW)


@pytest.mark.parametrize(("age", "fresh"), [(0, True), (299, True), (301, False), (-301, False)])
def test_watermark_age(age: int, fresh: bool) -> None:
    data = {"watermark": {"appid": APPID, "timestamp": int(NOW) - age}}
    encrypted = encrypt_json(data)
    if fresh:
        assert crypto.decrypt(encrypted, IV, KEY, appid=APPID, max_age=300, now=NOW) == data
    else:
        with pytest.raises(WeChatDataStale):
            crypto.decrypt(encrypted, IV, KEY, appid=APPID, max_age=300, now=NOW)
    # Without max_age the time is not checked.
    assert crypto.decrypt(encrypted, IV, KEY, appid=APPID, now=NOW) == data


@pytest.mark.parametrize("timestamp", [None, "1477314187", True, 1.5])
def test_watermark_without_an_integer_timestamp_when_age_matters(timestamp: object) -> None:
    encrypted = encrypt_json({"watermark": {"appid": APPID, "timestamp": timestamp}})
    with pytest.raises(WeChatDataInvalid):
        crypto.decrypt(encrypted, IV, KEY, appid=APPID, max_age=300, now=NOW)


_surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"])
_any_text = st.text(st.one_of(st.characters(), _surrogates), max_size=80)  # JSON allows "\ud800"
_b64_16 = st.binary(min_size=16, max_size=16).map(lambda b: base64.b64encode(b).decode())


@settings(max_examples=400, deadline=None)
@given(
    encrypted=st.one_of(
        _any_text,
        st.binary(max_size=256).map(lambda b: base64.b64encode(b).decode()),
        st.integers(1, 8).flatmap(
            lambda n: st.binary(min_size=16 * n, max_size=16 * n).map(
                lambda b: base64.b64encode(b).decode()
            )
        ),
    ),
    iv=st.one_of(_b64_16, _any_text),
    key=st.one_of(_b64_16, st.just(KEY), _any_text),
    max_age=st.one_of(st.none(), st.integers(1, 10**6)),
)
def test_random_input_only_ever_raises_our_400s(
    encrypted: str, iv: str, key: str, max_age: int | None
) -> None:
    try:
        crypto.decrypt(encrypted, iv, key, appid=APPID, max_age=max_age, now=NOW)
    except (WeChatDataError, WeChatReloginRequired) as exc:
        assert exc.status == 400
    # Returning is possible only for a JSON object watermarked with our appid: random bytes
    # practically never do that, but it would not be an error.


@settings(max_examples=200, deadline=None)
@given(raw=_any_text, signature=_any_text, key=_any_text)
def test_random_signatures_only_ever_raise_signature_invalid(
    raw: str, signature: str, key: str
) -> None:
    try:
        crypto.verify_signature(raw, signature, key)
    except WeChatSignatureInvalid:
        pass
    else:
        assert signature.strip().lower() == crypto.sign(raw, key)
