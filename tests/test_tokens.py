"""Token generation, shape checks, storage keys and log fingerprints."""

from __future__ import annotations

import base64
import hashlib

from wxsession import tokens


def test_tokens_are_256_random_bits_and_distinct() -> None:
    issued = [tokens.new_token() for _ in range(10_000)]
    assert len(set(issued)) == len(issued)
    for token in issued[:100]:
        assert len(base64.urlsafe_b64decode(token + "=")) == 32
        assert tokens.is_well_formed(token)


def test_shape_check_rejects_junk() -> None:
    good = tokens.new_token()
    for junk in [
        "",
        good[:-1],
        good + "a",
        good[:-1] + "=",
        good[:-1] + "\x00",
        good[:-1] + "\n",
        "*" * 43,
        "{x}" * 14 + "a",
        "密" * 43,
    ]:
        assert not tokens.is_well_formed(junk), junk


def test_storage_key_is_sha256_and_not_the_token() -> None:
    token = tokens.new_token()
    key = tokens.storage_key(token)
    assert key == hashlib.sha256(token.encode()).hexdigest()
    assert token not in key


def test_fingerprint_is_stable_short_and_unrelated_to_the_storage_key() -> None:
    token = tokens.new_token()
    assert tokens.fingerprint(token) == tokens.fingerprint(token)
    assert len(tokens.fingerprint(token)) == 12
    assert tokens.fingerprint(token) not in tokens.storage_key(token)
    assert tokens.fingerprint(token) != tokens.fingerprint(tokens.new_token())


def test_public_ids_are_distinct_hex_that_a_command_line_takes_as_a_value() -> None:
    ids = {tokens.new_public_id() for _ in range(2_000)}
    assert len(ids) == 2_000
    for public_id in ids:
        assert len(public_id) == 24
        int(public_id, 16)  # hex: never a leading "-" that argparse would read as an option
