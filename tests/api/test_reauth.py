"""Re-authentication before changing how an account signs in (issue 19 point 3, ASVS 4.0.3
3.7.1), over HTTP on real servers and both backends.

A stolen session alone could add a password and unbind the victim's WeChat identity: a
permanent takeover. Binding, unbinding and setting a password now need ``reauth`` in the
body: the current password, or a fresh login code of an identity already bound to the user.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from tests.support.service import APPID, Service, code_proof, error_code_of, session_id_of
from wxsession.platforms.wechat.emulated import encrypt_for

IDENTITIES = "/v1/me/identities"
GOOD = "correct horse 電池 staple"
ATTACKER_PASSWORD = "attacker's own passphrase"


def _unbind(service: Service, token: str, provider: str, body: Any = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return service.http.request("DELETE", f"{IDENTITIES}/{provider}", headers=headers, json=body)


def _add_password(
    service: Service, token: str, reauth: dict[str, str] | None, password: str = GOOD
) -> httpx.Response:
    body: dict[str, Any] = {"username": "taken-over", "password": password}
    if reauth is not None:
        body["reauth"] = reauth
    return service.post(f"{IDENTITIES}/password", token, json=body)


def _current_provider(service: Service, token: str) -> str:
    """The identity the session names, as the user's session list shows it."""
    sessions = service.get("/v1/sessions", token).json()["sessions"]
    [current] = [s for s in sessions if s["current"]]
    provider: str = current["provider"]
    return provider


def test_a_stolen_session_cannot_take_the_account_over(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """The reported attack, step by step: only the victim's token, then add a password and
    unbind WeChat. Every step is refused, and the victim's next WeChat login is still them."""
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    victim = service.login("victim").json()
    stolen = victim["session_id"]

    no_proof = _add_password(service, stolen, None, ATTACKER_PASSWORD)
    assert no_proof.status_code == 401
    assert error_code_of(no_proof) == "REAUTHENTICATION_REQUIRED"
    unbind = _unbind(service, stolen, "wechat")
    assert (unbind.status_code, error_code_of(unbind)) == (401, "REAUTHENTICATION_REQUIRED")
    empty = _unbind(service, stolen, "wechat", {})
    assert (empty.status_code, error_code_of(empty)) == (401, "REAUTHENTICATION_REQUIRED")

    # The attacker's own fresh code, a guessed password, a code of no one, a code WeChat would
    # never issue, a platform that does not exist: one answer.
    service.login("attacker")
    refusals = [
        _add_password(service, stolen, code_proof(service, "attacker"), ATTACKER_PASSWORD),
        _add_password(service, stolen, {"password": "a guess at it"}, ATTACKER_PASSWORD),
        _add_password(service, stolen, code_proof(service, "nobody-yet"), ATTACKER_PASSWORD),
        _add_password(service, stolen, {"provider": "wechat", "code": "x" * 300}, GOOD),
        _add_password(service, stolen, {"provider": "nosuch", "code": "abc"}, GOOD),
        _unbind(service, stolen, "wechat", {"reauth": code_proof(service, "attacker")}),
    ]
    for refused in refusals:
        assert refused.status_code == 401, refused.text
        assert error_code_of(refused) == "REAUTHENTICATION_FAILED"
        assert refused.content == refusals[0].content  # byte for byte: nothing tells which
    assert service.get("/v1/me", stolen).status_code == 200  # the session is not ended
    assert service.sql_scalar("SELECT count(*) FROM passwords") == 0
    assert service.sql_scalar("SELECT count(*) FROM identities") == 2  # victim, attacker
    assert service.login("victim").json()["user"]["id"] == victim["user"]["id"]
    # A code of no one registered no one.
    assert service.sql_scalar("SELECT count(*) FROM users") == 2

    failed = [
        r.__dict__["audit"] for r in caplog.records if r.__dict__.get("event") == "reauth_failed"
    ]
    assert [f["reason"] for f in failed] == ["REAUTHENTICATION_REQUIRED"] * 3 + [
        "REAUTHENTICATION_FAILED"
    ] * 6
    assert {f["user"] for f in failed} == {victim["user"]["id"]}
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for secret in ("a guess at it", service.emulator.issued_for("attacker").openid):
        assert secret not in text


def test_the_owner_passes_with_a_fresh_code_or_the_password(service: Service) -> None:
    """A WeChat-only user with no password re-authenticates with a fresh wx.login() code;
    once they have a password, it works too."""
    owner = service.login("owner").json()
    added = _add_password(service, owner["session_id"], code_proof(service, "owner"))
    assert added.status_code == 201, added.text
    token = session_id_of(added)
    assert (
        service.post(
            "/v1/auth/password/login", json={"username": "taken-over", "password": GOOD}
        ).json()["user"]["id"]
        == (owner["user"]["id"])
    )

    # A used code is no proof: the platform refuses it, and so do we, the same way.
    used = code_proof(service, "owner")
    assert service.http.post("/v1/auth/wechat/login", json={"code": used["code"]}).is_success
    replayed = _unbind(service, token, "wechat", {"reauth": used})
    assert (replayed.status_code, error_code_of(replayed)) == (401, "REAUTHENTICATION_FAILED")

    unbound = _unbind(service, token, "wechat", {"reauth": {"password": GOOD}})
    assert unbound.status_code == 200, unbound.text
    ways = service.get(IDENTITIES, session_id_of(unbound)).json()["identities"]
    assert [w["provider"] for w in ways] == ["password"]


def test_binding_needs_proof_of_the_existing_account_not_only_the_new_code(
    service: Service,
) -> None:
    registered = service.post(
        "/v1/auth/password/register", json={"username": "binder", "password": GOOD}
    )
    token = session_id_of(registered)
    bind = f"{IDENTITIES}/wechat"

    alone = service.post(bind, token, json={"code": service.wx_code("binder-wx")})
    assert (alone.status_code, error_code_of(alone)) == (401, "REAUTHENTICATION_REQUIRED")
    # The new identity's own code proves that identity, not this account.
    itself = {"code": service.wx_code("binder-wx"), "reauth": code_proof(service, "binder-wx")}
    refused = service.post(bind, token, json=itself)
    assert (refused.status_code, error_code_of(refused)) == (401, "REAUTHENTICATION_FAILED")
    wrong = {"code": service.wx_code("binder-wx"), "reauth": {"password": "not it at all"}}
    assert error_code_of(service.post(bind, token, json=wrong)) == "REAUTHENTICATION_FAILED"
    assert service.sql_scalar("SELECT count(*) FROM identities") == 1

    right = {"code": service.wx_code("binder-wx"), "reauth": {"password": GOOD}}
    bound = service.post(bind, token, json=right)
    assert bound.status_code == 201, bound.text
    assert service.login("binder-wx").json()["user"]["id"] == registered.json()["user"]["id"]

    # Malformed proof is a 422 like any bad body; both shapes at once are neither shape.
    for reauth in ({"password": GOOD, "provider": "wechat"}, {"code": "abc"}, {}):
        body = {"code": service.wx_code("binder-wx"), "reauth": reauth}
        malformed = service.post(bind, session_id_of(bound), json=body)
        assert malformed.status_code == 422, reauth
        assert GOOD not in malformed.text


def test_the_session_after_an_unbind_names_an_identity_the_user_still_has(
    service: Service,
) -> None:
    """Point 14: the fresh session names a remaining identity, never the removed one."""
    kay = service.login("kay").json()
    token = session_id_of(_add_password(service, kay["session_id"], code_proof(service, "kay")))
    assert _current_provider(service, token) == "password"

    # Logged in through WeChat, unbinding WeChat with the password: the fresh session names
    # the password sign-in, the way the user still has (and just proved).
    token = service.session_for("kay")
    assert _current_provider(service, token) == "wechat"
    unbound = _unbind(service, token, "wechat", {"reauth": {"password": GOOD}})
    fresh = session_id_of(unbound)
    assert _current_provider(service, fresh) == "password"

    # Logged in and proving through WeChat, unbinding WeChat: the remaining way, password.
    relinked = {"code": service.wx_code("kay-2"), "reauth": {"password": GOOD}}
    assert service.post(f"{IDENTITIES}/wechat", fresh, json=relinked).status_code == 201
    token = service.session_for("kay-2")
    unbound = _unbind(service, token, "wechat", {"reauth": code_proof(service, "kay-2")})
    fresh = session_id_of(unbound)
    assert _current_provider(service, fresh) == "password"
    assert service.get("/v1/me", fresh).json()["id"] == kay["user"]["id"]


def test_a_code_proof_records_the_session_key_it_brought(service: Service) -> None:
    """The proof's wx.login() gave the client a new session_key, which WeChat uses for the
    open data it sends next: the server must hold that key (sealed), as after a login."""
    owner = service.login("owner").json()
    added = _add_password(service, owner["session_id"], code_proof(service, "owner"))
    assert added.status_code == 201, added.text
    unbound = _unbind(
        service, session_id_of(added), "password", {"reauth": code_proof(service, "owner")}
    )
    assert unbound.status_code == 200, unbound.text
    token = session_id_of(unbound)
    assert _current_provider(service, token) == "wechat"  # the identity just proven
    openid = service.emulator.issued_for("owner", APPID).openid
    phone = {"phoneNumber": "13800138000", "purePhoneNumber": "13800138000", "countryCode": "86"}
    encrypted, iv = encrypt_for(service.emulator, APPID, openid, phone)  # the newest key
    body = {"encryptedData": encrypted, "iv": iv}
    decrypted = service.post("/v1/wechat/decrypt", token, json=body)
    assert decrypted.status_code == 200, decrypted.text
