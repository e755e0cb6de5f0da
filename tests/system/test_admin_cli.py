"""``wxsession admin``: run as a command against the live service's database and store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devtools.servers import RedisProcess
from tests.support.cli import run_cli
from tests.support.service import Service
from wxsession.cli import main


def _admin(
    service: Service,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> tuple[int, list[dict[str, Any]]]:
    monkeypatch.setenv("WXSESSION_DATABASE_URL", service.settings.database_url)
    monkeypatch.setenv("WXSESSION_SESSION_STORE", service.settings.session_store)
    capsys.readouterr()
    status = main(["admin", *args])
    out = capsys.readouterr().out
    return status, [json.loads(line) for line in out.splitlines() if line.strip()]


def test_admin_finds_lists_revokes_disables_enables_and_deletes(
    service: Service, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def admin(*args: str) -> tuple[int, list[dict[str, Any]]]:
        return _admin(service, monkeypatch, capsys, *args)

    phone = service.session_for("sue")
    service.clock.advance(1)
    tablet = service.session_for("sue")
    user_id = service.get("/v1/me", phone).json()["id"]
    openid = service.emulator.issued_for("sue").openid

    status, found = admin("find", "--user", user_id)
    assert status == 0 and found[0]["id"] == user_id and found[0]["disabled"] is False
    status, found = admin("find", "--provider", "wechat", "--subject", openid)
    assert status == 0 and [u["id"] for u in found] == [user_id]
    assert openid not in json.dumps(found)
    assert admin("find", "--user", "nobody")[0] == 1
    assert admin("revoke", "nobody")[0] == 1

    status, sessions = admin("sessions", user_id)
    assert status == 0 and len(sessions) == 2
    assert phone not in json.dumps(sessions) and tablet not in json.dumps(sessions)
    status, out = admin("revoke", user_id, "--session", sessions[1]["id"])
    assert (status, out) == (0, [{"user": user_id, "ended": 1}])
    assert service.get("/v1/me", tablet).status_code == 401
    assert service.get("/v1/me", phone).status_code == 200

    assert admin("disable", user_id)[0] == 0
    assert service.get("/v1/me", phone).status_code == 401
    refused = service.login("sue")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "ACCOUNT_DISABLED"
    assert admin("find", "--user", user_id)[1][0]["disabled"] is True

    assert admin("enable", user_id)[0] == 0
    # each command wrote its acts to the audit table, the operator as actor, before it exited
    acts = f"SELECT count(*) FROM audit_events WHERE actor = 'admin-cli' AND user_id = '{user_id}'"  # noqa: S608
    assert service.sql_scalar(acts) == 3  # revoke --session, disable, enable
    token = service.session_for("sue")
    assert service.get("/v1/me", token).status_code == 200
    status, out = admin("revoke", user_id)
    assert (status, out) == (0, [{"user": user_id, "ended": 1}])
    assert service.get("/v1/me", token).status_code == 401

    token = service.session_for("sue")
    assert admin("delete", user_id)[0] == 0
    gone = service.get("/v1/me", token)
    assert gone.status_code == 401  # a deleted user's token: 401, never 500
    assert admin("delete", user_id)[0] == 1


def test_admin_roles_define_grant_and_revoke_what_the_api_shows_next(
    make_service: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configured = '{"editor": ["orders:read", "orders:write"]}'
    service: Service = make_service(roles={"editor": ["orders:read", "orders:write"]})
    monkeypatch.setenv("WXSESSION_ROLES", configured)

    def admin(*args: str) -> tuple[int, list[dict[str, Any]]]:
        return _admin(service, monkeypatch, capsys, "roles", *args)

    login = service.login("rita").json()
    token, user_id = login["session_id"], login["user"]["id"]
    assert service.get("/v1/me", token).json()["roles"] == []  # cached from here on

    auditor = {"name": "auditor", "permissions": ["audit:export", "audit:read"]}
    editor = {"name": "editor", "permissions": ["orders:read", "orders:write"]}
    defined = admin("define", "auditor", "audit:read", "audit:export")
    assert defined == (0, [{**auditor, "source": "database"}])
    listed = admin("list")
    assert listed == (0, [{**auditor, "source": "database"}, {**editor, "source": "configuration"}])
    for role in ("editor", "auditor"):
        granted = {"user": user_id, "action": "grant", "role": role, "changed": True}
        assert admin("grant", user_id, role) == (0, [granted])
    me = service.get("/v1/me", token).json()
    assert me["roles"] == ["auditor", "editor"]
    assert me["permissions"] == ["audit:export", "audit:read", "orders:read", "orders:write"]
    assert admin("of", user_id) == (
        0,
        [{"user": user_id, "roles": me["roles"], "permissions": me["permissions"]}],
    )

    assert admin("revoke", user_id, "editor")[0] == 0
    assert service.get("/v1/me", token).json()["roles"] == ["auditor"]
    assert admin("delete", "auditor") == (0, [{"role": "auditor", "action": "delete"}])
    assert service.get("/v1/me", token).json()["permissions"] == []

    for refused, code in (
        (("grant", user_id, "auditor"), "UNKNOWN_ROLE"),  # deleted with its grants
        (("define", "editor", "everything"), "ROLE_CONFIGURED"),
        (("delete", "editor"), "ROLE_CONFIGURED"),
        (("define", "bad name"), "ROLE_INVALID"),
    ):
        status = main(["admin", "roles", *refused])
        assert status == 1, refused
        assert f"wxsession admin: {code}: " in capsys.readouterr().err


def test_with_the_store_down_admin_acts_are_audited_and_answered_in_one_line(
    make_service: Any, own_redis: RedisProcess, tmp_path: Path
) -> None:
    """Redis frozen (SIGSTOP) under a real ``wxsession admin`` process: what SQL holds is
    done, audited and said in one line (exit 0, the deletes pending); what needs the store
    first changes nothing and says so in one line (exit 1). Never a traceback. After the
    thaw the revoked and the disabled user's sessions are refused."""
    service: Service = make_service(session_store=own_redis.url)
    revoked, disabled = service.session_for("rev"), service.session_for("dis")
    users = {name: service.get("/v1/me", token).json()["id"] for name, token in
             (("rev", revoked), ("dis", disabled))}  # fmt: skip
    env = {
        "WXSESSION_DATABASE_URL": service.settings.database_url,
        "WXSESSION_SESSION_STORE": own_redis.url,
        "WXSESSION_REDIS_TIMEOUT": "0.3",
        "WXSESSION_LOG_FORMAT": "text",
    }
    own_redis.pause()
    try:
        everything = run_cli("admin", "revoke", users["rev"], cwd=tmp_path, **env)
        one = run_cli("admin", "revoke", users["rev"], "--session", "x" * 16, cwd=tmp_path, **env)
        disable = run_cli("admin", "disable", users["dis"], cwd=tmp_path, **env)
    finally:
        own_redis.resume()
    for done in (everything, one, disable):
        assert "Traceback" not in done.stderr, done.stderr
    assert everything.returncode == 0, everything.stderr
    assert json.loads(everything.stdout) == {
        "user": users["rev"],
        "ended": None,
        "store": "pending",
    }
    assert "sessions_revoked" in everything.stderr  # the audit line, written all the same
    assert "deletes are pending" in everything.stderr
    assert one.returncode == 1 and one.stdout == ""
    assert (
        one.stderr.strip().splitlines()[-1].startswith("wxsession admin: SESSION_STORE_UNAVAILABLE")
    )
    assert disable.returncode == 0, disable.stderr
    assert "user_disabled" in disable.stderr
    for token in (revoked, disabled):
        assert service.get("/v1/me", token).status_code == 401


@pytest.mark.parametrize(
    "command",
    [
        ("find", "--user", "nope"),
        ("sessions", "nope"),
        ("revoke", "nope"),
        ("revoke", "nope", "--session", "x" * 16),
        ("disable", "nope"),
        ("enable", "nope"),
        ("delete", "nope"),
        ("roles", "of", "nope"),
        ("roles", "grant", "nope", "editor"),
        ("roles", "revoke", "nope", "editor"),
    ],
)
def test_an_unknown_user_is_one_line_and_exit_1_for_every_command(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    """Issue 26: ``admin sessions nope`` exited 0 saying nothing, and every command printed
    Alembic's INFO lines (the database is migrated on open) around its answer."""
    result = run_cli("admin", *command, cwd=tmp_path)  # dev defaults: SQLite, auto-migrated
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip() == "no such user" + (": nope" if command[0] != "find" else "")
