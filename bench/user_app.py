"""A user's own FastAPI app, protected by wxsession's dependency (``/orders``), the same
route without it (``/plain``), with a dependency that does nothing (``/floor``), and awaiting
the same check in its body instead of declaring it (``/inline``): the first difference is what
our dependency costs, the next what FastAPI charges for any dependency, the last our check
alone. Run by
bench/run.py with the same WXSESSION_* settings as the wxsession server it measures, so the
token issued there is honoured here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request

from wxsession.accounts.models import User
from wxsession.integrations import fastapi as wxs

app = FastAPI()
wxs.setup(app)


@app.get("/orders")
async def orders(user: Annotated[User, Depends(wxs.current_user)]) -> dict[str, object]:
    return {"user": user.id, "orders": []}


@app.get("/plain")
async def plain() -> dict[str, object]:
    return {"user": "0123456789abcdef0123456789abcdef", "orders": []}


async def nothing() -> None:
    """A dependency with no work in it: FastAPI's own cost of solving one."""


@app.get("/floor")
async def floor(_: Annotated[None, Depends(nothing)]) -> dict[str, object]:
    return {"user": "0123456789abcdef0123456789abcdef", "orders": []}


@app.get("/inline")
async def inline(request: Request) -> dict[str, object]:
    user = await wxs.current_user(request)  # the dependency object, awaited directly
    return {"user": user.id, "orders": []}
