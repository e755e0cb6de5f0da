"""Carriers: where a session token travels between client and server.

A mini program has no cookies, so the default is a header (``Authorization: Bearer <token>``);
a custom header, a query parameter, a JSON body field and a cookie (web/H5) can be enabled.
Every enabled carrier is read: one token, or the same token in several carriers, is the
request's; two different tokens, or the session header twice, are refused
(:class:`~wxsession.errors.SessionAmbiguous`), never settled by order, so a bad token in one
carrier cannot fall through to a good one in another. An empty value counts as absent.
Carriers never judge a token (that is the session manager's job).
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Mapping, MutableMapping, Sequence
from typing import Any, Protocol

from wxsession.errors import SessionAmbiguous
from wxsession.settings import Settings

MAX_CARRIED_LENGTH = 512  # far above a real token; longer values are not even copied around


class RequestView(Protocol):
    """The few request features carriers read. Starlette's ``Request`` satisfies it."""

    @property
    def method(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def query_params(self) -> Mapping[str, str]: ...
    @property
    def cookies(self) -> Mapping[str, str]: ...
    async def json(self) -> Any: ...


class AsgiRequestView(RequestView, Protocol):
    """A request that also shows its ASGI scope (Starlette's ``Request``), whose raw header
    list header carriers read directly (see :meth:`CarrierChain.extract_asgi`)."""

    @property
    def scope(self) -> MutableMapping[str, Any]: ...


class Carrier(Protocol):
    name: str

    async def extract(self, request: RequestView) -> str | None: ...


def _clip(value: str | None) -> str | None:
    """Empty means absent; an oversized value is cut so it fails the shape check cheaply."""
    if not value:
        return None
    return value[: MAX_CARRIED_LENGTH + 1]


class HeaderCarrier:
    """``Authorization: Bearer <token>``, or the raw value of a custom header."""

    name = "header"

    def __init__(self, header_name: str = "Authorization") -> None:
        self.header_name = header_name
        self._raw_name = header_name.lower().encode("latin-1")
        self._bearer = header_name.lower() == "authorization"

    async def extract(self, request: RequestView) -> str | None:
        return self.parse(request.headers.get(self.header_name))

    def from_raw(self, headers: Iterable[tuple[bytes, bytes]]) -> str | None:
        """The token in an ASGI scope's raw header list (ASGI servers send names in lower
        case), decoded as Starlette's ``Headers`` would, without building that mapping. The
        header twice is refused, whatever the values: it is a single-value field (RFC 9110)."""
        name = self._raw_name
        found = None
        for key, value in headers:
            if key == name:
                if found is not None:
                    raise SessionAmbiguous()
                found = value
        return None if found is None else self.parse(found.decode("latin-1"))

    def parse(self, value: str | None) -> str | None:
        """The token in the header's value (after ``Bearer`` for ``Authorization``)."""
        if value is None:
            return None
        if self._bearer:
            scheme, _, credentials = value.partition(" ")
            if scheme.lower() != "bearer":
                return None
            value = credentials.strip()
        return _clip(value)


class QueryCarrier:
    """``?session_id=<token>``. Off by default: URLs end up in logs, history and referrers."""

    name = "query"

    def __init__(self, param: str = "session_id") -> None:
        self.param = param

    async def extract(self, request: RequestView) -> str | None:
        return _clip(request.query_params.get(self.param))


class BodyCarrier:
    """A field of a JSON object body, for clients that cannot set headers.

    The field is taken out of the parsed body (:meth:`extract` pops it): FastAPI validates a
    route's own body model against that same parsed object after the session dependencies
    have run, and those models forbid unknown fields, so a route with a body of its own
    (profile, password change) accepts the session in it. Extract once per request: the
    session dependencies keep what they resolved on the scope.
    """

    name = "body"
    _METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, field: str = "session_id") -> None:
        self.field = field

    async def extract(self, request: RequestView) -> str | None:
        if request.method not in self._METHODS:
            return None
        if "json" not in request.headers.get("content-type", ""):
            return None
        try:
            body = await request.json()
        except (ValueError, RecursionError):  # not JSON, not UTF-8, nested too deep
            return None
        if not isinstance(body, dict) or not isinstance(body.get(self.field), str):
            return None
        return _clip(body.pop(self.field))


class CookieCarrier:
    """A cookie for web/H5 clients: Secure, HttpOnly and SameSite=Lax unless configured."""

    name = "cookie"

    def __init__(
        self, cookie_name: str = "wxsession", *, secure: bool = True, samesite: str = "lax"
    ):
        self.cookie_name = cookie_name
        self.secure = secure
        self.samesite = samesite

    async def extract(self, request: RequestView) -> str | None:
        return _clip(request.cookies.get(self.cookie_name))

    def attributes(self) -> dict[str, Any]:
        """Attributes for both setting and clearing the cookie (a clearing ``Set-Cookie`` must
        match them, or browsers keep the old one). No ``Domain``: host-only, so a sibling
        subdomain never receives it."""
        return {"path": "/", "httponly": True, "secure": self.secure, "samesite": self.samesite}


class CarrierChain:
    """The enabled carriers (in configured order, which settles nothing but reading order)."""

    def __init__(self, carriers: Sequence[Carrier]) -> None:
        self.carriers = tuple(carriers)
        self.cookie: CookieCarrier | None = next(
            (c for c in self.carriers if isinstance(c, CookieCarrier)), None
        )

    async def extract(
        self, request: RequestView, raw_headers: Iterable[tuple[bytes, bytes]] | None = None
    ) -> str | None:
        """The token the carriers find; :class:`~wxsession.errors.SessionAmbiguous` for two
        different ones, or the session header twice. Header carriers scan an ASGI request's
        raw header list (``raw_headers``, else the request's scope's) instead of
        ``request.headers``: building Starlette's ``Headers`` and looking the header up there
        cost most of the carriers' share of every authenticated request, and only the raw
        list shows a header sent twice."""
        if raw_headers is None:
            scope = getattr(request, "scope", None)
            raw_headers = None if scope is None else scope.get("headers")
        found = None
        for carrier in self.carriers:
            if raw_headers is not None and isinstance(carrier, HeaderCarrier):
                token = carrier.from_raw(raw_headers)
            else:
                token = await carrier.extract(request)
            if token is not None:
                if found is not None and token != found:
                    raise SessionAmbiguous()
                found = token
        return found

    def extract_asgi(self, request: AsgiRequestView) -> Coroutine[Any, Any, str | None]:
        """:meth:`extract` on an ASGI request's raw header list (its scope's ``headers``).
        Not a coroutine itself: the caller awaits :meth:`extract`'s, one frame fewer on
        every authenticated request."""
        return self.extract(request, request.scope["headers"])

    @classmethod
    def from_settings(cls, settings: Settings) -> CarrierChain:
        build: dict[str, Carrier] = {
            "header": HeaderCarrier(settings.header_name),
            "query": QueryCarrier(settings.query_param),
            "body": BodyCarrier(settings.body_field),
            "cookie": CookieCarrier(
                settings.cookie_name,
                secure=settings.cookie_secure,
                samesite=settings.cookie_samesite,
            ),
        }
        return cls([build[name] for name in settings.carriers])
