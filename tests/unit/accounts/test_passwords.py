"""Password policy, login-name normalisation and the hasher's bound, without a server."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from wxsession.accounts.login_names import normalise_phone, normalise_username
from wxsession.accounts.passwords import PasswordHasher, check_new_password, common_passwords
from wxsession.core.account_errors import PasswordTooCommon, PasswordTooLong, PasswordTooShort


def test_usernames_fold_width_case_and_spaces() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "Alice")
    assert {normalise_username(n) for n in ("alice", " Alice ", "ALICE", full_width)} == {"alice"}
    assert normalise_username("Straße") == normalise_username("STRASSE")
    assert normalise_username("小明_01") == "小明_01"
    for bad in ("ab", "a" * 33, "al ice", "al@ice", "12345", "+8613800138000"):
        with pytest.raises(ValueError):
            normalise_username(bad)


def test_phones_become_e164() -> None:
    assert normalise_phone("138 0013-8000") == "+8613800138000"
    assert normalise_phone("+86 (138) 0013 8000") == "+8613800138000"
    assert normalise_phone("+1 415.555.0100") == "+14155550100"
    for bad in ("12345", "+0123456789", "+1234567890123456", "0013800138000", "phone"):
        with pytest.raises(ValueError):
            normalise_phone(bad)


def test_policy_bounds_and_common_list() -> None:
    assert len(common_passwords()) == 3000
    assert all(len(p) >= 8 for p in common_passwords())
    check_new_password("x7Kq!pZw")
    check_new_password("密" * 128)
    with pytest.raises(PasswordTooShort):
        check_new_password("🔑" * 7)
    with pytest.raises(PasswordTooLong):
        check_new_password("🔑" * 129)
    with pytest.raises(PasswordTooCommon):
        check_new_password("PassWord")


class _SlowArgon2:
    """Stands in for argon2's hasher to observe how many hashes run at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.threads: set[int] = set()
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.threads.add(threading.get_ident())
        time.sleep(0.05)
        with self._lock:
            self.running -= 1
        return "$argon2id$" + password


async def test_hashing_runs_off_the_event_loop_at_most_concurrency_at_once() -> None:
    hasher = PasswordHasher(concurrency=2)
    slow = _SlowArgon2()
    hasher._argon2 = slow  # type: ignore[assignment]
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.create_task(tick())
    hashes = await asyncio.gather(*(hasher.hash(f"pw-{i}") for i in range(8)))
    ticker.cancel()
    assert hashes == [f"$argon2id$pw-{i}" for i in range(8)]
    assert slow.most == 2
    assert threading.get_ident() not in slow.threads
    # The loop kept running through ~0.2 s of hashing: about 40 ticks on a quiet machine,
    # still well above 5 on a loaded one; hashing on the loop itself would allow 1 or 2.
    assert ticks >= 5


async def test_real_hashes_verify_and_flag_outdated_parameters() -> None:
    hasher = PasswordHasher()
    stored = await hasher.hash("密码 with 🐉")
    assert await hasher.verify(stored, "密码 with 🐉")
    assert not await hasher.verify(stored, "密码 with 🐲")
    assert not await hasher.verify("not a hash", "anything")
    assert not hasher.needs_rehash(stored)
    weak = await PasswordHasher(time_cost=1, memory_cost=8192).hash("x")
    assert hasher.needs_rehash(weak)
    assert hasher.needs_rehash("not a hash")
