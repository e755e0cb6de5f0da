"""``wxsession admin operator``: the console's operators from the command line, against the
live service's database; the TOTP URI is printed once, by ``add`` and ``reset-totp``."""

from __future__ import annotations

import json

import pyotp

from tests.support.console import PASSWORD, ConsoleClient, Operator, add_operator, admin_cli
from tests.support.service import Service


def test_operators_are_added_listed_reset_and_removed(service: Service) -> None:
    operator = add_operator(service, "ops.cli", "support")
    totp = pyotp.parse_uri(operator.totp_uri)
    assert operator.totp_uri.startswith("otpauth://totp/wxsession:ops.cli?")
    assert len(totp.secret) == 32  # 160 bits

    status, listed = admin_cli(service, "operator", "list")
    assert status == 0 and [(o["operator"], o["role"]) for o in listed] == [("ops.cli", "support")]
    assert "totp" not in json.dumps(listed) and "argon2" not in json.dumps(listed)
    stored = service.sql_scalar("SELECT totp_sealed FROM operators")
    assert totp.secret.encode() not in stored  # sealed with the data key

    status, reset = admin_cli(service, "operator", "reset-totp", "ops.cli")
    assert status == 0 and reset[0]["totp_uri"] != operator.totp_uri
    assert admin_cli(service, "operator", "reset-totp", "nobody")[0] == 1

    status, removed = admin_cli(service, "operator", "remove", "ops.cli")
    assert (status, removed) == (0, [{"operator": "ops.cli", "action": "remove"}])
    assert admin_cli(service, "operator", "remove", "ops.cli")[0] == 1
    assert admin_cli(service, "operator", "list") == (0, [])


def test_a_refused_password_or_a_taken_name_adds_nobody(service: Service) -> None:
    args = ("operator", "add", "ops", "--password-stdin")
    assert admin_cli(service, *args, stdin="short\n")[0] == 1
    assert admin_cli(service, *args, stdin=PASSWORD + "\n")[0] == 0
    assert admin_cli(service, *args, stdin=PASSWORD + "\n")[0] == 1
    status, listed = admin_cli(service, "operator", "list")
    assert status == 0 and [o["role"] for o in listed] == ["viewer"]  # the default role


def test_the_cli_and_the_console_share_the_operators(make_service: object) -> None:
    service: Service = make_service(console=True)  # type: ignore[operator]
    operator: Operator = add_operator(service, "ops", "viewer")
    client = ConsoleClient(service)
    assert client.sign_in(operator).status_code == 303
    admin_cli(service, "operator", "remove", "ops")
    assert client.get("/admin").headers["location"] == "/admin/sign-in"
