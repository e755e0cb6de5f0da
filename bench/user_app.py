"""A user's own FastAPI app, protected by wxsession's dependency (``/orders``), the same
route without it (``/plain``), with the least a session dependency can do (``/minimal``), with
a dependency that does nothing (``/floor``), and awaiting our check in its body instead of
declaring it (``/inline``). Against ``/plain``: the first is what our dependency costs, the
second what any session dependency costs in FastAPI, the third what FastAPI charges for any
dependency, the last our check alone. Run by bench/run.py with the same WXSESSION_* settings
as the wxsession server it measures, so the token issued there is honoured here.

Routes are matched in the order they are declared, so each case pays one regular-expression
match per route above it: the baseline comes second, after ``/orders``.
"""

from __future__ import annotations

import hashlib
import time
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request

from wxsession.core.user import UserView
from wxsession.integrations import fastapi as wxs

app = FastAPI()
wxs.setup(app)


@app.get("/orders")
async def orders(user: Annotated[UserView, Depends(wxs.current_user)]) -> dict[str, object]:
    return {"user": user.id, "orders": []}


@app.get("/plain")
async def plain() -> dict[str, object]:
    return {"user": "0123456789abcdef0123456789abcdef", "orders": []}


_SEEN: dict[bytes, tuple[str, float]] = {}
"""Token digests already checked, with their user and expiry: the least state a check reads."""


async def minimal_session(request: Request) -> str:
    """The least a session dependency can do: find the bearer token, hash it (sessions are
    known by hashes), look it up in process memory and check its expiry. No store, no
    revocation point, no renewal, no metrics. A token seen for the first time is checked by
    wxsession once, so only valid sessions are remembered."""
    for name, value in request.scope["headers"]:
        if name == b"authorization":
            digest = hashlib.sha256(value.partition(b" ")[2]).digest()
            seen = _SEEN.get(digest)
            if seen is not None and time.time() < seen[1]:
                return seen[0]
            record = (await wxs.require_session(request)).record
            assert record.user_id is not None  # require_session: a registered user
            _SEEN[digest] = (record.user_id, record.expires_at)
            return record.user_id
    raise HTTPException(401)


@app.get("/minimal")
async def minimal(user: Annotated[str, Depends(minimal_session)]) -> dict[str, object]:
    return {"user": user, "orders": []}


async def nothing() -> None:
    """A dependency with no work in it: FastAPI's own cost of solving one."""


@app.get("/floor")
async def floor(_: Annotated[None, Depends(nothing)]) -> dict[str, object]:
    return {"user": "0123456789abcdef0123456789abcdef", "orders": []}


@app.get("/inline")
async def inline(request: Request) -> dict[str, object]:
    user = await wxs.current_user(request)  # the dependency object, awaited directly
    return {"user": user.id, "orders": []}
