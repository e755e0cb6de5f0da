"""The console's pages (GET): sign-in, dashboard, users, one user, audit log, operators, and
the language switch. Reading needs the ``view`` permission, which every role holds."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse

from wxsession.accounts.directory import Directory
from wxsession.core.errors import NotFound, ValidationFailed
from wxsession.core.operator import OperatorRole, Permission
from wxsession.server.console import dashboard, i18n
from wxsession.server.console.web import (
    HEADERS,
    PRE_COOKIE,
    PREFIX,
    ConsoleRoute,
    Signed,
    accounts_of,
    back_to,
    new_pre_token,
    render,
    require,
    signed_in,
)
from wxsession.server.dependencies import get_runtime

PAGE_SIZE = 20

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)
SignedDep = Annotated[Signed, Depends(signed_in)]


def sign_in_page(request: Request, status: int = 200, error: str | None = None) -> Response:
    """The form, with a fresh pre-session token in its field and its cookie."""
    token = new_pre_token()
    response = render(request, "sign_in.html", None, status, csrf=token, error=error)
    response.set_cookie(PRE_COOKIE, token, secure=True, httponly=True, samesite="strict")
    return response


@router.get("/sign-in")
async def sign_in_form(request: Request) -> Response:
    return sign_in_page(request)


@router.get("")
async def home(request: Request, signed: SignedDep) -> Response:
    require(request, signed, Permission.VIEW)
    figures = await dashboard.gather(get_runtime(request))
    return render(request, "dashboard.html", signed, board=figures)


@router.get("/users")
async def users(
    request: Request,
    signed: SignedDep,
    q: Annotated[str, Query(max_length=128)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    require(request, signed, Permission.VIEW)
    directory = Directory(get_runtime(request).engine)
    found, more = await directory.search(q, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    return render(request, "users.html", signed, users=found, q=q, page=page, more=more)


@router.get("/users/{user_id}")
async def user(request: Request, signed: SignedDep, user_id: str) -> Response:
    require(request, signed, Permission.VIEW)
    runtime = get_runtime(request)
    found = await runtime.accounts.get_user(user_id)
    if found is None:
        raise NotFound("No such user.")
    return render(
        request,
        "user.html",
        signed,
        user=found,
        identities=await Directory(runtime.engine).identities(user_id),
        sessions=await runtime.services.sessions.list(user_id),
        roles=sorted(found.roles),
        known_roles=[role.name for role in await runtime.services.roles.list_roles()],
        permissions=sorted(found.permissions),
        events=await runtime.services.audit_trail.search(user_id=user_id, limit=PAGE_SIZE),
        may_end=signed.operator.may(Permission.END_SESSIONS),
        may_disable=signed.operator.may(Permission.DISABLE_USERS),
        may_delete=signed.operator.may(Permission.DELETE_USERS),
        may_roles=signed.operator.may(Permission.MANAGE_ROLES),
    )


@router.get("/audit")
async def audit_log(
    request: Request,
    signed: SignedDep,
    event: Annotated[str, Query(max_length=40)] = "",
    user: Annotated[str, Query(max_length=32)] = "",
    since: Annotated[str, Query(max_length=32)] = "",
    until: Annotated[str, Query(max_length=32)] = "",
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The trail, newest first, filtered by event, user and time (UTC), a page at a time."""
    require(request, signed, Permission.VIEW)
    found = await get_runtime(request).services.audit_trail.search(
        event=event or None,
        user_id=user or None,
        since=_moment(since),
        until=_moment(until),
        before_id=before,
        limit=PAGE_SIZE + 1,
    )
    filters = {"event": event, "user": user, "since": since, "until": until}
    more = found[PAGE_SIZE - 1].id if len(found) > PAGE_SIZE else None
    return render(
        request, "audit.html", signed, events=found[:PAGE_SIZE], filters=filters, more=more
    )


def _moment(text: str) -> datetime | None:
    """A ``datetime-local`` field's value, read as UTC; empty is no bound."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise ValidationFailed("A time is YYYY-MM-DDTHH:MM (UTC).") from None


@router.get("/operators")
async def operators(request: Request, signed: SignedDep) -> Response:
    require(request, signed, Permission.VIEW)
    return render(
        request,
        "operators.html",
        signed,
        operators=await accounts_of(get_runtime(request)).all(),
        roles=[role.value for role in OperatorRole],
        may_manage=signed.operator.may(Permission.MANAGE_OPERATORS),
        uri=None,
    )


@router.get("/lang/{lang}")
async def switch_language(lang: str, next: str = PREFIX) -> Response:
    """Remember the language and go back; only to a console page (no open redirect)."""
    target = next if next.startswith(PREFIX) and not next.startswith("//") else PREFIX
    response = back_to(target)
    if lang in i18n.LANGUAGES:
        response.set_cookie(
            i18n.LANG_COOKIE, lang, path=PREFIX, secure=True, samesite="strict", max_age=31_536_000
        )
    return response


@router.get("/console.css")
async def stylesheet() -> Response:
    return PlainTextResponse(_css(), media_type="text/css", headers=HEADERS)


@cache
def _css() -> str:
    return resources.files(__package__).joinpath("console.css").read_text("utf-8")
