"""The binary record of a registered session in Redis: exact round trips, the 64-byte budget
that keeps a user's hash a listpack, floored milliseconds, and refusal of anything else."""

from __future__ import annotations

from dataclasses import replace

import orjson
import pytest
from bench.redis_memory import WECHAT_UA

from tests.support.records import ALICE, make_record, new_key
from wxsession.core import tokens
from wxsession.core.record import SessionRecord
from wxsession.sessions import packed, useragent

NOW = 1_763_900_000.123  # whole milliseconds: kept exactly
DAY = 86400
ANDROID_WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/5279 "
    "MMWEBSDK/20230805 MMWEBID/7279 MicroMessenger/8.0.42.2460(0x28002A3D) WeChat/arm64 "
    "Weixin NetType/WIFI Language/zh_CN ABI/arm64 MiniProgramEnv/android"
)
IPV6 = "2408:8256:3480:1a2b:3c4d:5e6f:7a8b:9c0d"


def round_trip(record: SessionRecord, key: str) -> SessionRecord:
    return packed.unpack(packed.pack(record), key, ALICE)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"user_agent": None, "ip": None},
        {"ip": IPV6, "epoch": 123_456},
        {"ip": "::ffff:203.0.113.7"},
        {"ip": "2001:DB8::1"},  # not canonical: kept as written
        {"ip": "testclient"},
        {"provider": "password", "app_id": "local"},
        {"provider": "wechat_app", "app_id": "wxAPP"},
        {"provider": "qq", "app_id": "1112223334"},
        {"user_agent": ""},
        {"last_seen": NOW - 5, "expires_at": NOW - 10},  # odd orders still round-trip
    ],
)
def test_round_trip_is_exact_for_whole_milliseconds(overrides: dict[str, object]) -> None:
    key = new_key(ALICE)[1]
    record = replace(make_record(ALICE, NOW, key), **overrides)
    assert round_trip(record, key) == record


@pytest.mark.parametrize(
    "times",
    [
        {},  # idle expiry first
        {"expires_at": NOW + 40 * DAY, "absolute_expires_at": NOW + 30 * DAY},  # absolute first
        {"last_seen": NOW + 5, "expires_at": NOW + 3},  # odd orders too
        {"expires_at": NOW - 1},  # already lapsed
    ],
)
def test_lapses_at_reads_the_first_expiry_from_the_head_alone(times: dict[str, float]) -> None:
    key = new_key(ALICE)[1]
    record = replace(make_record(ALICE, NOW, key), **times)
    data = packed.pack(record)
    assert packed.lapses_at(data) == min(record.expires_at, record.absolute_expires_at)
    assert packed.lapses_at(data + b"rest is not read") == packed.lapses_at(data)


def test_public_and_user_id_come_from_the_key_not_the_bytes() -> None:
    key = new_key(ALICE)[1]
    data = packed.pack(make_record(ALICE, NOW, key))
    other = new_key(ALICE)[1]
    assert packed.unpack(data, other, "b" * 32).public_id == tokens.public_id(other)
    assert packed.unpack(data, other, "b" * 32).user_id == "b" * 32


@pytest.mark.parametrize("agent", [WECHAT_UA, ANDROID_WECHAT_UA])
@pytest.mark.parametrize("ip", ["203.0.113.7", IPV6])
def test_a_wechat_session_fits_the_listpack_budget_all_its_life(agent: str, ip: str) -> None:
    """Default lifetimes (2 h idle, 30 days absolute), an IPv6 address, a WeChat device label
    and a raised revocation epoch: at most 64 bytes from the first request to the last."""
    label = useragent.label(agent)
    assert label is not None and label.startswith(("iPhone WeChat", "Android WeChat"))
    key = new_key(ALICE)[1]
    record = make_record(
        ALICE,
        NOW,
        key,
        ip=ip,
        user_agent=label,
        expires_at=NOW + 7200,
        absolute_expires_at=NOW + 30 * DAY,
        epoch=100,
    )
    for age in (0, 60, DAY, 30 * DAY - 1):
        renewed = record.touched(NOW + age, 7200)
        assert len(packed.pack(renewed)) <= 64, age
    longest = replace(record, user_agent="x" * useragent.MAX_LABEL)
    assert len(packed.pack(longest.touched(NOW + 30 * DAY - 1, 7200))) <= 64


def test_a_year_long_ipv4_session_fits_too() -> None:
    key = new_key(ALICE)[1]
    record = make_record(
        ALICE,
        NOW,
        key,
        user_agent="x" * useragent.MAX_LABEL,
        expires_at=NOW + 30 * DAY,
        absolute_expires_at=NOW + 365 * DAY,
        epoch=100,
    )
    assert len(packed.pack(record.touched(NOW + 365 * DAY - 1, 30 * DAY))) <= 64


def test_times_are_floored_to_the_millisecond_and_stable() -> None:
    key = new_key(ALICE)[1]
    record = make_record(ALICE, 1000.0009, key, expires_at=1000.9999, last_seen=1000.5)
    decoded = round_trip(record, key)
    assert decoded.created_at == 1000.0
    assert decoded.expires_at == 1000.999  # never later than the record said
    assert decoded.last_seen == 1000.5
    assert round_trip(decoded, key) == decoded  # re-encoding a decoded record changes nothing
    for seconds in (0.001, 0.1, 0.3, 1.005, 2.675, 1_763_900_000.001, 1_763_900_000.999):
        ms = packed.milliseconds(seconds)
        assert ms / 1000 <= seconds < (ms + 1) / 1000
        assert packed.milliseconds(ms / 1000) == ms
    assert packed.milliseconds(-0.0005) == -1


def test_identity_secrets_are_refused_not_stored() -> None:
    key = new_key(ALICE)[1]
    for secret in ({"subject": "openid"}, {"union_id": "u"}, {"session_key": "k"}):
        with pytest.raises(ValueError):
            packed.pack(make_record(ALICE, NOW, key, **secret))


@pytest.mark.parametrize(
    "data",
    [b"", b"\x80" + b"\x00" * 8, b"\x00\x01", b"\x41\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"],
    ids=["empty", "reserved-flag", "cut-short", "endless-varint"],
)
def test_bytes_that_are_not_a_record_raise_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        packed.unpack(data, new_key(ALICE)[1], ALICE)
    with pytest.raises(ValueError):
        packed.lapses_at(data)


def test_trailing_bytes_are_refused() -> None:
    key = new_key(ALICE)[1]
    data = packed.pack(make_record(ALICE, NOW, key, user_agent=None))
    with pytest.raises(ValueError):
        packed.unpack(data + b"\x00", key, ALICE)


def test_older_json_records_still_decode() -> None:
    """Records written before this release (the JSON array and the older object form, with
    the identity's secrets and a stored public id) still decode: an upgrade logs nobody out."""
    old = replace(make_record(None, NOW), user_id=ALICE)
    assert old.subject is not None
    assert SessionRecord.from_bytes(old.to_bytes()) == old
    fields = {name: getattr(old, name) for name in SessionRecord.__dataclass_fields__}
    assert SessionRecord.from_bytes(orjson.dumps(fields)) == old
