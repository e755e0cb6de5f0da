"""The session timeout and revocation rules as a Hypothesis state machine against a real
server (SQLite, and Redis + PostgreSQL) whose clock the test moves.

Rules: log in (WeChat or password), request at the current time, log out, log out
everywhere, change the password, move the clock. After each step the model says which
tokens are live; every request checks it both ways: a token the model holds dead (logged
out, revoked, expired idle or past its absolute lifetime) never passes, and a live one
always does (SECURITY_REFERENCE 1b, and section 4's stateful pattern).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from tests.support.service import Service

pytestmark = pytest.mark.slow

IDLE = 600
MAX_AGE = 1800
TOUCH = 60
PASSWORDS = ("machine password one", "machine password two")


@dataclass
class Modelled:
    """What the model knows of one issued session."""

    person: str
    last_seen: float
    expires_at: float
    absolute: float
    ended: bool = False

    def live(self, now: float) -> bool:
        return not self.ended and now < self.expires_at and now < self.absolute


def machine_for(service: Service) -> type[RuleBasedStateMachine]:
    clock = service.clock

    class SessionRules(RuleBasedStateMachine):
        tokens = Bundle("tokens")

        def __init__(self) -> None:
            super().__init__()
            self.run = uuid.uuid4().hex[:8]
            self.sessions: dict[str, Modelled] = {}
            self.password = PASSWORDS[0]

        # -- issuing ------------------------------------------------------------------

        def _issued(self, person: str, token: str) -> str:
            now = clock()
            self.sessions[token] = Modelled(
                person, now, min(now + IDLE, now + MAX_AGE), now + MAX_AGE
            )
            return token

        @initialize(target=tokens)
        def register_password_user(self) -> str:
            response = service.post(
                "/v1/auth/password/register",
                json={"username": f"pw-{self.run}", "password": self.password},
            )
            assert response.status_code == 201, response.text
            return self._issued("pw", response.json()["session_id"])

        @rule(target=tokens, who=st.sampled_from(["wx-a", "wx-b"]))
        def wechat_login(self, who: str) -> str:
            response = service.login(f"{who}-{self.run}")
            assert response.status_code == 200, response.text
            return self._issued(who, response.json()["session_id"])

        @rule(target=tokens)
        def password_login(self) -> str:
            response = service.post(
                "/v1/auth/password/login",
                json={"username": f"pw-{self.run}", "password": self.password},
            )
            assert response.status_code == 200, response.text
            return self._issued("pw", response.json()["session_id"])

        # -- using and ending ---------------------------------------------------------

        def _resolves(self, token: str) -> bool:
            """The model's verdict for a request now, renewing a live session if due."""
            now = clock()
            session = self.sessions[token]
            if not session.live(now):
                session.ended = True
                return False
            if now - session.last_seen >= TOUCH:
                session.last_seen = now
                session.expires_at = min(now + IDLE, session.absolute)
            return True

        @rule(token=tokens)
        def request(self, token: str) -> None:
            expected = self._resolves(token)
            response = service.get("/v1/me", token)
            assert response.status_code == (200 if expected else 401), response.text

        @rule(token=tokens)
        def logout(self, token: str) -> None:
            expected = self._resolves(token)
            response = service.post("/v1/auth/logout", token)
            assert response.status_code == (204 if expected else 401), response.text
            self.sessions[token].ended = True

        @rule(token=tokens)
        def logout_everywhere(self, token: str) -> None:
            expected = self._resolves(token)
            response = service.post("/v1/auth/logout-all", token)
            assert response.status_code == (204 if expected else 401), response.text
            if expected:
                self._end_all(self.sessions[token].person)

        @rule(target=tokens, token=tokens)
        def change_password(self, token: str) -> str:
            person = self.sessions[token].person
            expected = self._resolves(token)
            new = PASSWORDS[1] if self.password == PASSWORDS[0] else PASSWORDS[0]
            response = service.post(
                "/v1/me/password",
                token,
                json={"current_password": self.password, "new_password": new},
            )
            if not expected:
                assert response.status_code == 401, response.text
                return token
            if person != "pw":
                assert response.status_code == 400, response.text
                assert response.json()["error"]["code"] == "PASSWORD_NOT_SET"
                return token
            assert response.status_code == 200, response.text
            self.password = new
            self._end_all(person)
            return self._issued(person, response.json()["session_id"])

        @rule(seconds=st.sampled_from([1, TOUCH - 1, TOUCH, IDLE - TOUCH, IDLE - 1, IDLE]))
        def advance_clock(self, seconds: int) -> None:
            clock.advance(seconds)

        def _end_all(self, person: str) -> None:
            for session in self.sessions.values():
                if session.person == person:
                    session.ended = True

    return SessionRules


def test_revoked_or_expired_tokens_never_pass_and_live_ones_do(
    make_service: Callable[..., Service],
) -> None:
    service = make_service(
        session_ttl=IDLE,
        session_max_age=MAX_AGE,
        session_touch_interval=TOUCH,
        max_sessions_per_user=1000,
    )
    run_state_machine_as_test(
        machine_for(service),
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
