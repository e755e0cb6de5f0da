"""Log output for ``wxsession serve``: one JSON object per line (default) or plain text.

Every line carries the id of the request it was written for, so an operator can pull all
lines of one request out of a busy log. The id lives in a :class:`~contextvars.ContextVar`
that :class:`~wxsession.server.middleware.AccessLog` sets per request; asyncio copies the
context into every task the request spawns, so the id follows the work without being passed
around. What is logged is decided where it is written (never tokens, openid, unionid,
session_key or secrets): this module only shapes lines, it does not scrub them.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

LogFormat = Literal["json", "text"]

request_id: ContextVar[str | None] = ContextVar("wxsession_request_id", default=None)

_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""An incoming X-Request-Id is honoured only in this shape: no spaces, quotes or control
characters that could forge log lines or headers, and short."""

_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "request_id", "color_message", "taskName"}
)


_PROCESS_TAG = secrets.token_hex(4)
_sequence = itertools.count()


def new_request_id(incoming: str | None = None) -> str:
    """``incoming`` when it is a well-formed id (a proxy's or a client's), else a fresh one.

    A fresh id is this process's random tag and a counter: unique among instances without a
    random draw (a system call) on every request. An id names a request; it grants nothing.
    """
    if incoming is not None and _WELL_FORMED_ID.fullmatch(incoming):
        return incoming
    return f"{_PROCESS_TAG}{next(_sequence) & 0xFFFFFFFF:08x}"


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request id (``None`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, request_id; then any ``extra=`` fields; then the
    exception, if any. Times are UTC, ISO 8601 with milliseconds."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(
    level: str = "info", fmt: LogFormat = "json", stream: TextIO | None = None
) -> logging.Handler:
    """Send every logger's records (uvicorn's included) to one handler on the root logger.

    Replaces handlers already on the root logger, so calling it twice does not double lines.
    Returns the handler (tests attach it to a buffer through ``stream``).
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    return handler


def configure_cli_logging(level: str, fmt: LogFormat) -> None:
    """Logging for ``wxsession admin``: audit lines on stderr (stdout carries the JSON
    results), Alembic's progress quiet; an embedding program's own logging is left alone."""
    if logging.getLogger().handlers:
        return
    configure_logging(level, fmt, stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)
