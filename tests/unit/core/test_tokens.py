"""Token generation, shape checks, storage keys, public ids and log fingerprints."""

from __future__ import annotations

import base64
import hashlib

import pytest

from wxsession.accounts.models import new_user_id
from wxsession.core import tokens

USER = new_user_id()


def test_tokens_are_256_random_bits_and_distinct() -> None:
    issued = [tokens.new_token() for _ in range(10_000)]
    assert len(set(issued)) == len(issued)
    for token in issued[:100]:
        assert len(base64.urlsafe_b64decode(token + "=")) == 32
        assert tokens.is_well_formed(token)


def test_a_registered_users_token_names_the_user_before_its_secret() -> None:
    token = tokens.new_token(USER)
    user_id, dot, secret = token.partition(".")
    assert (user_id, dot) == (USER, ".")
    assert len(base64.urlsafe_b64decode(secret + "=")) == 32
    assert tokens.is_well_formed(token)
    assert tokens.new_token(USER) != token


@pytest.mark.parametrize("user_id", ["alice", "A" * 32, "a" * 31, "a" * 33, "a" * 31 + "."])
def test_only_user_ids_of_our_shape_go_into_tokens(user_id: str) -> None:
    with pytest.raises(ValueError):
        tokens.new_token(user_id)


def test_shape_check_rejects_junk() -> None:
    good = tokens.new_token()
    named = tokens.new_token(USER)
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
        named[:-1],
        named + "a",
        "." + good,
        USER + "." + good[:-1],
        USER.upper() + "." + good,
        USER[:-1] + "g." + good,
        USER + ":" + good,
        USER + ".." + good[:-1],
        USER + "." + USER + "." + good,
        good + "." + good,
    ]:
        assert not tokens.is_well_formed(junk), junk


def test_the_cache_lookup_takes_every_token_and_no_digest_that_could_fail() -> None:
    """``may_be_cached`` lets a token's digest be looked up in the hot-session cache before
    the shape check: true for every token we issue, false (never an error) for anything
    whose length is not a token's or that is not ASCII, which ``digest`` could not encode."""
    for token in (tokens.new_token(), tokens.new_token(USER)):
        assert tokens.may_be_cached(token)
        assert tokens.digest(token) == hashlib.sha256(token.encode()).digest()
    for junk in ["", "a" * 42, "a" * 44, "a" * 77, "é" * 43, "密" * 76, "a" * 42 + "\udc80"]:
        assert not tokens.may_be_cached(junk), junk


def test_pending_storage_key_is_sha256_and_not_the_token() -> None:
    token = tokens.new_token()
    key = tokens.storage_key(token)
    assert key == hashlib.sha256(token.encode()).hexdigest()
    assert token not in key
    assert tokens.split_key(key) is None


def test_registered_storage_key_gives_back_the_user_and_the_field() -> None:
    token = tokens.new_token(USER)
    key = tokens.storage_key(token)
    field = hashlib.sha256(token.encode()).digest()[:16]
    assert tokens.split_key(key) == (USER, field)
    assert tokens.registered_key(USER, field) == key  # rebuilt when listing
    assert token.partition(".")[2] not in key
    assert len(key) <= 64  # fits the SQL store's key column
    assert key.isascii() and "." not in key


def test_fingerprint_is_stable_short_and_unrelated_to_the_storage_key() -> None:
    for token in (tokens.new_token(), tokens.new_token(USER)):
        assert tokens.fingerprint(token) == tokens.fingerprint(token)
        assert len(tokens.fingerprint(token)) == 12
        assert tokens.fingerprint(token) not in tokens.storage_key(token)
        assert tokens.fingerprint(token) != tokens.fingerprint(tokens.new_token())


def test_public_ids_are_derived_distinct_hex_that_a_command_line_takes_as_a_value() -> None:
    keys = [tokens.storage_key(tokens.new_token(USER)) for _ in range(2_000)]
    ids = {tokens.public_id(key) for key in keys}
    assert len(ids) == 2_000
    assert tokens.public_id(keys[0]) == tokens.public_id(keys[0])  # nothing to store
    for public_id in ids:
        assert len(public_id) == 24
        int(public_id, 16)  # hex: never a leading "-" that argparse would read as an option
    token = tokens.new_token()
    key = tokens.storage_key(token)
    assert tokens.public_id(key) not in key  # its own hash domain, not a piece of the key
    assert tokens.public_id(key) != tokens.fingerprint(token)
