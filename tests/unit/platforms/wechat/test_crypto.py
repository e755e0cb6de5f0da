"""Open-data signature and decryption, on plain strings: vectors made by other tools, each
way the input can be wrong (after the shape check, all one error with one message), and a
property test that nothing but our 400s escapes."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from wxsession.core.platform_errors import (
    WeChatDataError,
    WeChatDataInvalid,
    WeChatDataMalformed,
    WeChatReloginRequired,
    WeChatSignatureInvalid,
)
from wxsession.platforms.wechat import crypto

APPID = "wx4f4bc4dec97d474b"
KEY = "tiihtNczf5v6AKRyjwEUhQ=="
IV = "r7BXXKkLb8qrSNn05n0qiA=="
NOW = 1_477_314_200.0
OPENID = "oGZUI0egBJY1zhBYw2KhdUfwVJJE"
UNIONID = "oUNION0egBJY1zhBYw2KhdUfwVJJ"
MAX_AGE = 300

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


def decrypt(
    encrypted: str, iv: str = IV, key: str = KEY, *, union_id: str | None = None
) -> dict[str, object]:
    return crypto.decrypt(
        encrypted,
        iv,
        key,
        appid=APPID,
        openid=OPENID,
        union_id=union_id,
        max_age=MAX_AGE,
        now=NOW,
    )


def watermarked(**fields: object) -> dict[str, object]:
    """What WeChat encrypts: ``fields`` plus our fresh watermark."""
    return {**fields, "watermark": {"appid": APPID, "timestamp": int(NOW) - 10}}


def test_decrypts_a_vector_made_by_openssl() -> None:
    assert decrypt(OPENSSL_CIPHERTEXT) == json.loads(PLAINTEXT)


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
        decrypt(encrypted, iv)


@pytest.mark.parametrize("key", ["", "not a key", base64.b64encode(b"k" * 24).decode()])
def test_a_stored_key_that_is_not_a_session_key_means_log_in_again(key: str) -> None:
    with pytest.raises(WeChatReloginRequired):
        decrypt(OPENSSL_CIPHERTEXT, key=key)


@pytest.mark.parametrize(
    "last_block", [b"A" * 15 + b"\x00", b"A" * 15 + b"\x11", b"A" * 13 + b"\x01\x03\x03"]
)
def test_bad_padding_is_refused_not_stripped(last_block: bytes) -> None:
    # WeChat's sample strips padding by the last byte without checking it; here each case
    # is refused: a zero pad, a pad longer than the block, pad bytes that disagree.
    with pytest.raises(WeChatDataInvalid):
        decrypt(encrypt_raw(b"B" * 16 + last_block))


def test_bad_padding_is_refused_even_when_the_padded_bytes_parse() -> None:
    # The parse runs on the padded bytes too (same work either way); it must not rescue
    # data whose padding is bad: here trailing spaces, valid JSON whitespace but no PKCS#7.
    good = json.dumps(watermarked(a=1)).encode()
    padded = good + b" " * (-len(good) % 16 or 16)
    assert json.loads(padded) == watermarked(a=1)
    with pytest.raises(WeChatDataInvalid):
        decrypt(encrypt_raw(padded))


def test_wrong_key_is_refused() -> None:
    other = base64.b64encode(b"\x01" * 16).decode()
    with pytest.raises(WeChatDataInvalid):
        decrypt(OPENSSL_CIPHERTEXT, key=other)


@pytest.mark.parametrize(
    "plaintext",
    [
        b"not json",
        b"[1, 2]",
        b'"text"',
        b"\xff\xfe{}",
        b'{"a": NaN}',
        b"[" * 5000 + b"]" * 5000,
        # A repeated key, at the top or deeper: parsers disagree on which copy wins.
        b'{"watermark": {"appid": "wx0000000000000000"}, "watermark": {"appid": "%s", '
        b'"timestamp": %d}}' % (APPID.encode(), NOW),
        b'{"watermark": {"appid": "%s", "appid": "%s", "timestamp": %d}}'
        % (b"wx0000000000000000", APPID.encode(), NOW),
    ],
)
def test_not_one_json_object_without_repeated_keys(plaintext: bytes) -> None:
    encrypted = crypto.encrypt(plaintext, KEY, base64.b64decode(IV))
    with pytest.raises(WeChatDataInvalid):
        decrypt(encrypted)


@pytest.mark.parametrize(
    "data",
    [
        {"openId": "x"},
        {"watermark": "wx4f4bc4dec97d474b"},
        {"watermark": {"timestamp": int(NOW)}},
        {"watermark": {"appid": "wx0000000000000000", "timestamp": int(NOW)}},
    ],
)
def test_watermark_of_another_app_or_none(data: object) -> None:
    with pytest.raises(WeChatDataInvalid):
        decrypt(encrypt_json(data))


@pytest.mark.parametrize(("age", "fresh"), [(0, True), (299, True), (301, False), (-301, False)])
def test_watermark_age(age: int, fresh: bool) -> None:
    data = {"watermark": {"appid": APPID, "timestamp": int(NOW) - age}}
    encrypted = encrypt_json(data)
    if fresh:
        assert decrypt(encrypted) == data
    else:
        with pytest.raises(WeChatDataInvalid):
            decrypt(encrypted)


@pytest.mark.parametrize("timestamp", [None, "1477314187", True, 1.5, 10**30, -(10**30)])
def test_watermark_without_a_sane_integer_timestamp(timestamp: object) -> None:
    encrypted = encrypt_json({"watermark": {"appid": APPID, "timestamp": timestamp}})
    with pytest.raises(WeChatDataInvalid):
        decrypt(encrypted)


def test_an_openid_or_unionid_in_the_data_must_be_the_callers() -> None:
    mine = watermarked(openId=OPENID, unionId=UNIONID, nickName="Band")
    assert decrypt(encrypt_json(mine), union_id=UNIONID) == mine
    assert decrypt(encrypt_json(mine)) == mine  # no unionid on record: nothing to compare
    for theirs in (
        watermarked(openId="oSomeoneElse0000000000000000"),
        watermarked(openId=None),
        watermarked(openId=OPENID, unionId="oUNIONofSomeoneElse000000000"),
    ):
        with pytest.raises(WeChatDataInvalid):
            decrypt(encrypt_json(theirs), union_id=UNIONID)


def test_a_phone_number_must_end_with_its_pure_form() -> None:
    phone = watermarked(phoneNumber="+86 13800138000", purePhoneNumber="13800138000")
    assert decrypt(encrypt_json(phone)) == phone
    for forged in (
        watermarked(phoneNumber="+86 13900139000", purePhoneNumber="13800138000"),
        watermarked(purePhoneNumber="13800138000"),  # phoneNumber renamed away
        watermarked(phoneNumber=13800138000, purePhoneNumber="13800138000"),
    ):
        with pytest.raises(WeChatDataInvalid):
            decrypt(encrypt_json(forged))


def test_every_refusal_after_the_shape_check_is_one_error_with_one_message() -> None:
    """Padding, UTF-8, JSON, watermark, age, user: a client cannot tell which check failed."""
    refusals = [
        encrypt_raw(b"B" * 16 + b"A" * 15 + b"\x00"),  # bad padding
        crypto.encrypt(b"\xff\xfe", KEY, base64.b64decode(IV)),  # not UTF-8
        crypto.encrypt(b"{", KEY, base64.b64decode(IV)),  # not JSON
        encrypt_json({"watermark": {"appid": "wx0000000000000000", "timestamp": int(NOW)}}),
        encrypt_json({"watermark": {"appid": APPID, "timestamp": int(NOW) - 3600}}),
        encrypt_json(watermarked(openId="oSomeoneElse0000000000000000")),
    ]
    answers = set()
    for encrypted in refusals:
        with pytest.raises(WeChatDataError) as caught:
            decrypt(encrypted)
        answers.add((type(caught.value), caught.value.code, caught.value.message))
    assert answers == {
        (WeChatDataInvalid, "WECHAT_DATA_INVALID", WeChatDataInvalid.default_message)
    }


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
    max_age=st.integers(1, 10**6),
)
def test_random_input_only_ever_raises_our_400s(
    encrypted: str, iv: str, key: str, max_age: int
) -> None:
    try:
        crypto.decrypt(encrypted, iv, key, appid=APPID, openid=OPENID, max_age=max_age, now=NOW)
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
