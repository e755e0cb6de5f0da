"""Dev mode's CAPTCHA answers, so tests and demos can solve the challenges they are shown.

The dev-mode service tells the emulator each answer it draws; ``GET /_emulator/captcha/{id}``
answers ``{"id": ..., "answer": "K7P2M"}`` (404 ``{"error": ...}`` for an id it was not
told). Only dev mode wires this up: a production service never tells anyone an answer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

KEEP = 1000


class CaptchaAnswers:
    """The last :data:`KEEP` challenges' answers, by id."""

    def __init__(self, *, keep: int = KEEP) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._answers: OrderedDict[str, str] = OrderedDict()

    def record(self, challenge_id: str, answer: str) -> None:
        with self._lock:
            self._answers[challenge_id] = answer
            while len(self._answers) > self._keep:
                self._answers.popitem(last=False)

    def answer(self, challenge_id: str) -> str | None:
        with self._lock:
            return self._answers.get(challenge_id)

    def routes(self) -> list[Route]:
        async def captcha(request: Request) -> Response:
            challenge_id = request.path_params["challenge_id"]
            answer = self.answer(challenge_id)
            if answer is None:
                return JSONResponse({"error": "no such challenge"}, status_code=404)
            return JSONResponse({"id": challenge_id, "answer": answer})

        return [Route("/_emulator/captcha/{challenge_id}", captcha, methods=["GET"])]
