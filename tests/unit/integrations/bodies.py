"""Large JSON request bodies made on demand, counting how much of them the app reads."""

from __future__ import annotations

import io
from typing import Any

BIG = 8 * 1024 * 1024
"""Far over the 64 KiB default ``max_body_bytes`` (the report's body was 114 MB)."""


def json_body(token: str, size: int) -> bytes:
    """A JSON object of ``size`` bytes holding the session in ``session_id``."""
    head, tail = f'{{"session_id": "{token}", "pad": "'.encode(), b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


class CountingInput(io.BytesIO):
    """A WSGI input stream over a body that counts the bytes read from it."""

    read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.read_bytes += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        count = super().readinto(buffer)
        self.read_bytes += count
        return count

    def readline(self, size: int | None = -1) -> bytes:
        data = super().readline(size)
        self.read_bytes += len(data)
        return data
