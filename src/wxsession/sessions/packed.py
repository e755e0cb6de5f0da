"""The compact binary form of a registered session's record: one value in its user's Redis
hash (see :mod:`wxsession.sessions.redis`).

Redis keeps a hash as a listpack (a few bytes per entry) only while every field and value is
at most 64 bytes (``hash-max-listpack-value``); one larger value turns the whole hash into a
hashtable that costs about twice the memory. This layout keeps a realistic session within
64 bytes, IPv6 address and device label included::

    flags        1 byte, below
    created_at   milliseconds since the Unix epoch        zigzag varint
    last_seen    milliseconds after created_at            zigzag varint
    expires_at   milliseconds after last_seen             zigzag varint
    absolute     milliseconds after created_at            zigzag varint
    epoch        if flag 0x20                             varint
    provider     unless coded in the flags                length-prefixed UTF-8
    app_id       8 bytes when flag 0x04 (``wx`` + 16 hex), else length-prefixed UTF-8
    ip           4 bytes (IPv4), 16 (IPv6) or length-prefixed text, by flags 0x18
    user_agent   if flag 0x40: the remaining bytes, UTF-8

    flags: 0x03 provider (0 written out, 1 wechat, 2 wechat_app, 3 password)
           0x04 packed WeChat appid; 0x18 ip (0 none, 1 IPv4, 2 IPv6, 3 text)
           0x20 epoch follows; 0x40 user agent follows; 0x80 reserved (a later layout sets it)

Sizes: 29 bytes for a new WeChat session with an IPv4 address and no label, 46 with
``iPhone WeChat 8.0``; at most 64 with an IPv6 address, an 18-byte label, epoch < 128 and
default lifetimes (2 h idle, 30 days) at any age (``tests/unit/sessions/test_packed.py`` checks
the budget). Longer lifetimes can take an IPv6 session a byte or two past it: that user's
hash then becomes a hashtable, which costs memory, not correctness. Times are whole
milliseconds, floored, so a decoded expiry is never later than the one written. Not stored:
the public id and user id (the storage key gives both) and the identity's openid, unionid
and session_key (a registered session carries none; the identity row in SQL has them).
"""

from __future__ import annotations

import ipaddress
import math
import re
import socket

from wxsession.core import tokens
from wxsession.core.record import SessionRecord

_PROVIDERS = ("", "wechat", "wechat_app", "password")
_WECHAT_APP_ID = re.compile(r"wx[0-9a-f]{16}")
_PACKED_APP, _EPOCH, _AGENT, _RESERVED = 0x04, 0x20, 0x40, 0x80
_IP_SHIFT = 3
_NO_IP, _IPV4, _IPV6, _IP_TEXT = range(4)


def pack(record: SessionRecord) -> bytes:
    """The binary form of a registered ``record``.

    Raises ``ValueError`` for a record that carries identity secrets: a registered session
    has none, and storing them here would put them back where they are not wanted.
    """
    if record.subject is not None or record.union_id is not None or record.session_key is not None:
        raise ValueError("a registered session record carries no identity secrets")
    created = milliseconds(record.created_at)
    last_seen = milliseconds(record.last_seen)
    flags = 0
    out = bytearray()
    for value in (
        created,
        last_seen - created,
        milliseconds(record.expires_at) - last_seen,
        milliseconds(record.absolute_expires_at) - created,
    ):
        _varint(out, _zigzag(value))
    if record.epoch:
        flags |= _EPOCH
        _varint(out, record.epoch)
    if record.provider in _PROVIDERS[1:]:
        flags |= _PROVIDERS.index(record.provider)
    else:
        _text(out, record.provider)
    if _WECHAT_APP_ID.fullmatch(record.app_id):
        flags |= _PACKED_APP
        out += bytes.fromhex(record.app_id[2:])
    else:
        _text(out, record.app_id)
    flags |= _ip(out, record.ip) << _IP_SHIFT
    if record.user_agent is not None:
        flags |= _AGENT
        out += record.user_agent.encode()
    return bytes([flags]) + out


def unpack(data: bytes, key: str, user_id: str) -> SessionRecord:
    """The record stored as ``data`` under storage key ``key`` of ``user_id``.

    Raises ``ValueError`` for bytes that are not a record of this layout.
    """
    reader, flags, (created, last_seen, expires, absolute) = _head(data)
    epoch = reader.varint() if flags & _EPOCH else 0
    provider = _PROVIDERS[flags & 0x03] or reader.text()
    app_id = "wx" + reader.take(8).hex() if flags & _PACKED_APP else reader.text()
    ip_kind = (flags >> _IP_SHIFT) & 0x03
    ip: str | None = None
    if ip_kind == _IPV4:
        ip = socket.inet_ntoa(reader.take(4))  # what str(IPv4Address) gives, at a sixth
    elif ip_kind == _IPV6:
        ip = str(ipaddress.IPv6Address(reader.take(16)))
    elif ip_kind == _IP_TEXT:
        ip = reader.text()
    user_agent = reader.rest().decode() if flags & _AGENT else None
    if not reader.done():
        raise ValueError("trailing bytes after a session record")
    return SessionRecord(
        public_id=tokens.public_id(key),
        user_id=user_id,
        provider=provider,
        app_id=app_id,
        subject=None,
        union_id=None,
        session_key=None,
        created_at=created / 1000,
        last_seen=last_seen / 1000,
        expires_at=expires / 1000,
        absolute_expires_at=absolute / 1000,
        user_agent=user_agent,
        ip=ip,
        epoch=epoch,
    )


def lapses_at(data: bytes) -> float:
    """When the record stored as ``data`` lapses (idle or absolute expiry, whichever is first),
    read from its head alone: what a login needs of each of the user's other sessions to count
    and prune them, without decoding the rest (:func:`unpack`).

    Raises ``ValueError`` for bytes that do not start as a record of this layout.
    """
    _, _, (_, _, expires, absolute) = _head(data)
    return min(expires, absolute) / 1000


def _head(data: bytes) -> tuple[_Reader, int, tuple[int, int, int, int]]:
    """A reader past the record's head, its flags, and its times in milliseconds: created,
    last seen, idle expiry, absolute expiry."""
    reader = _Reader(data)
    flags = reader.byte()
    if flags & _RESERVED:
        raise ValueError("not a session record of a known layout")
    created = _unzigzag(reader.varint())
    last_seen = created + _unzigzag(reader.varint())
    expires = last_seen + _unzigzag(reader.varint())
    absolute = created + _unzigzag(reader.varint())
    return reader, flags, (created, last_seen, expires, absolute)


def milliseconds(seconds: float) -> int:
    """The largest whole millisecond ``k`` with ``k / 1000 <= seconds``: floored, and stable
    through a decode and re-encode (``k / 1000`` encodes to ``k`` again)."""
    k = math.floor(seconds * 1000)
    while k / 1000 > seconds:
        k -= 1
    while (k + 1) / 1000 <= seconds:
        k += 1
    return k


def _ip(out: bytearray, ip: str | None) -> int:
    """Append ``ip`` in its shortest exact form; returns its kind for the flags."""
    if ip is None:
        return _NO_IP
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        address = None
    if address is None or str(address) != ip:  # not an address in canonical form: as text
        _text(out, ip)
        return _IP_TEXT
    out += address.packed
    return _IPV4 if address.version == 4 else _IPV6


def _zigzag(value: int) -> int:
    return value * 2 if value >= 0 else -value * 2 - 1


def _unzigzag(value: int) -> int:
    return value >> 1 if not value & 1 else -(value >> 1) - 1


def _varint(out: bytearray, value: int) -> None:
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)


def _text(out: bytearray, text: str) -> None:
    data = text.encode()
    _varint(out, len(data))
    out += data


class _Reader:
    """Reads the layout above; any shortfall is a ``ValueError``."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, size: int) -> bytes:
        if self.at + size > len(self.data):
            raise ValueError("session record cut short")
        self.at += size
        return self.data[self.at - size : self.at]

    def byte(self) -> int:
        return self.take(1)[0]

    def varint(self) -> int:
        # Indexes the bytes itself rather than calling byte(): a record holds four or five
        # varints of up to seven bytes, read for each of a user's sessions at every login.
        data, at, value, shift = self.data, self.at, 0, 0
        while at < len(data):
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                self.at = at
                return value
            shift += 7
            if shift > 63:
                raise ValueError("varint too long in a session record")
        raise ValueError("session record cut short")

    def text(self) -> str:
        return self.take(self.varint()).decode()

    def rest(self) -> bytes:
        return self.take(len(self.data) - self.at)

    def done(self) -> bool:
        return self.at == len(self.data)
