"""The console's actions (POST forms): sign in and out, and every act on users and operators.

Each checks the form's origin and token, then the operator's permission, and goes through
the same services as the API and ``wxsession admin`` (:class:`~wxsession.services.operators.
Operators`, :class:`~wxsession.services.operator_accounts.OperatorAccounts`), which audit it
with the operator (``console:<name>``) as actor.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from wxsession.audit import ByOperator
from wxsession.core.errors import InvalidCredentials, NotFound, RateLimited
from wxsession.core.operator import OperatorRole, OperatorView, Permission
from wxsession.runtime import Runtime
from wxsession.server.console.pages import sign_in_page
from wxsession.server.console.web import (
    COOKIE,
    PRE_COOKIE,
    PREFIX,
    ConsoleRoute,
    Signed,
    accounts_of,
    back_to,
    form_of,
    render,
    require,
    signed_in,
)
from wxsession.server.dependencies import device_of, get_runtime
from wxsession.services.operators import Operators

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)
SignedDep = Annotated[Signed, Depends(signed_in)]


def acting(runtime: Runtime, operator: OperatorView) -> Operators:
    """The operator's acts on users, audited with them as actor."""
    sessions = runtime.services.sessions
    return Operators(runtime.accounts, sessions, sessions.emit, ByOperator(operator.actor))


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await form_of(request, None)
    accounts = accounts_of(get_runtime(request))
    try:
        token = await accounts.sign_in(
            form.get("name", "")[:64],
            form.get("password", "")[:128],
            form.get("code", "").strip()[:6],
            device_of(request).ip,
        )
    except (InvalidCredentials, RateLimited) as exc:
        return sign_in_page(request, exc.status, exc.code)
    response = back_to(PREFIX)
    response.set_cookie(COOKIE, token, secure=True, httponly=True, samesite="strict")
    response.delete_cookie(PRE_COOKIE, secure=True, httponly=True, samesite="strict")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, signed: SignedDep) -> Response:
    await form_of(request, signed.csrf)
    await accounts_of(get_runtime(request)).sign_out(request.cookies[COOKIE], signed.operator)
    response = back_to(f"{PREFIX}/sign-in")
    response.delete_cookie(COOKIE, secure=True, httponly=True, samesite="strict")
    return response


@router.post("/users/{user_id}/sessions/end")
async def end_sessions(request: Request, signed: SignedDep, user_id: str) -> Response:
    """End one session (the form's ``session``, a public id) or all of the user's."""
    form = await form_of(request, signed.csrf)
    operator = require(request, signed, Permission.END_SESSIONS)
    await acting(get_runtime(request), operator).revoke(user_id, form.get("session") or None)
    return back_to(f"{PREFIX}/users/{user_id}")


@router.post("/users/{user_id}/roles/{act}")
async def change_role(request: Request, signed: SignedDep, user_id: str, act: str) -> Response:
    """Grant or revoke the form's ``role`` (``services/roles.py``, as the CLI does)."""
    if act not in ("grant", "revoke"):
        raise NotFound()
    form = await form_of(request, signed.csrf)
    operator = require(request, signed, Permission.MANAGE_ROLES)
    roles = get_runtime(request).services.roles
    change = roles.grant if act == "grant" else roles.revoke
    await change(user_id, form.get("role", "")[:64], ByOperator(operator.actor))
    return back_to(f"{PREFIX}/users/{user_id}")


_USER_ACTS = {
    "disable": Permission.DISABLE_USERS,
    "enable": Permission.DISABLE_USERS,
    "delete": Permission.DELETE_USERS,
}


@router.post("/users/{user_id}/{act}")
async def act_on_user(request: Request, signed: SignedDep, user_id: str, act: str) -> Response:
    """Disable, enable or delete the user."""
    if act not in _USER_ACTS:
        raise NotFound()
    await form_of(request, signed.csrf)
    operator = require(request, signed, _USER_ACTS[act])
    if not await getattr(acting(get_runtime(request), operator), act)(user_id):
        raise NotFound("No such user.")
    return back_to(f"{PREFIX}/users" if act == "delete" else f"{PREFIX}/users/{user_id}")


@router.post("/operators")
async def add_operator(request: Request, signed: SignedDep) -> Response:
    """Add an operator; the answer shows their TOTP URI once (no-store, never again)."""
    form = await form_of(request, signed.csrf)
    operator = require(request, signed, Permission.MANAGE_OPERATORS)
    accounts = accounts_of(get_runtime(request))
    try:
        role = OperatorRole(form.get("role", ""))
    except ValueError:
        raise NotFound("No such operator role.") from None
    added, uri = await accounts.add(
        form.get("name", ""), role, form.get("password", ""), operator.actor
    )
    return await _operators_page(request, signed, uri, added.name)


@router.post("/operators/{name}/{act}")
async def act_on_operator(request: Request, signed: SignedDep, name: str, act: str) -> Response:
    """Remove an operator, or give them a new TOTP secret (its URI shown once)."""
    await form_of(request, signed.csrf)
    operator = require(request, signed, Permission.MANAGE_OPERATORS)
    accounts = accounts_of(get_runtime(request))
    if act == "remove" and await accounts.remove(name, operator.actor):
        return back_to(f"{PREFIX}/operators")
    if act == "reset-totp":
        uri = await accounts.reset_totp(name, operator.actor)
        if uri is not None:
            return await _operators_page(request, signed, uri, name)
    raise NotFound("No such operator.")


async def _operators_page(request: Request, signed: Signed, uri: str, name: str) -> Response:
    accounts = accounts_of(get_runtime(request))
    return render(
        request,
        "operators.html",
        signed,
        operators=await accounts.all(),
        roles=[role.value for role in OperatorRole],
        may_manage=True,
        uri=uri,
        uri_for=name,
    )
