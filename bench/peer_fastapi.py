"""The hand-written peer: a FastAPI route that does one Redis GET per request, the minimum a
server-side session needs. Run by bench/run.py under the same uvicorn as wxsession (one
worker); the session is set by the script as ``peer:s:<sha256 of token>`` = the user JSON.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Header, HTTPException, Response
from redis.asyncio import Redis


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.redis = Redis.from_url(os.environ["REDIS_URL"])
    yield
    await app.state.redis.aclose()


app = FastAPI(lifespan=lifespan)


@app.get("/me")
async def me(authorization: str = Header("")) -> Response:
    key = "peer:s:" + hashlib.sha256(authorization.removeprefix("Bearer ").encode()).hexdigest()
    user = await app.state.redis.get(key)
    if user is None:
        raise HTTPException(401)
    return Response(user, media_type="application/json")
