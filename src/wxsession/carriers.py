"""Carriers: where a session token travels between client and server.

A mini program has no cookies, so the default is a header (``Authorization: Bearer <token>``);
a custom header, a query parameter, a JSON body field and a cookie (web/H5) can be enabled.
Every enabled carrier is read: one token, or the same token in several carriers, is the
request's; two different tokens, or the session header twice, are refused
(:class:`~wxsession.core.errors.SessionAmbiguous`), never settled by order, so a bad token in one
carrier cannot fall through to a good one in another. An empty value counts as absent.
Carriers never judge a token (that is the session manager's job), but they refuse what makes
one unsafe to use: the session cookie twice (a cookie tossed beside ours), a state-changing
request from another site with the session in the cookie (:mod:`wxsession.csrf`), a body
carrier's body over ``max_body_bytes`` (413, never read whole).
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Mapping, MutableMapping, Sequence
from typing import Any, Protocol

from wxsession.core.errors import PayloadTooLarge, SessionAmbiguous
from wxsession.csrf import SAFE_METHODS, refuse_cross_site
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

    Only a body of declared length (``Content-Length``) is read: over ``max_bytes`` it is
    refused (413) before a byte is read, and the server reads no more than declared; a body
    of unknown length (chunked) is not read for a session at all. Without this carrier no
    body is read for a session.

    The field is taken out of the parsed body (:meth:`extract` pops it): FastAPI validates a
    route's own body model against that same parsed object after the session dependencies
    have run, and those models forbid unknown fields, so a route with a body of its own
    (profile, password change) accepts the session in it. Extract once per request: the
    session dependencies keep what they resolved on the scope.
    """

    name = "body"
    _METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, field: str = "session_id", max_bytes: int = 64 * 1024) -> None:
        self.field = field
        self.max_bytes = max_bytes

    def reads(self, method: str, headers: Mapping[str, str]) -> bool:
        """Whether to read this request's body: a JSON body of a state-changing method, of
        declared length; :class:`~wxsession.core.errors.PayloadTooLarge` if that is too long."""
        if method not in self._METHODS or "json" not in headers.get("content-type", ""):
            return False
        length = headers.get("content-length", "")
        if not length.isdigit():
            return False
        if int(length) > self.max_bytes:
            raise PayloadTooLarge()
        return True

    async def extract(self, request: RequestView) -> str | None:
        if not self.reads(request.method, request.headers):
            return None
        try:
            body = await request.json()
        except (ValueError, RecursionError):  # not JSON, not UTF-8, nested too deep
            return None
        if not isinstance(body, dict) or not isinstance(body.get(self.field), str):
            return None
        return _clip(body.pop(self.field))


class CookieCarrier:
    """A cookie for web/H5 clients: Secure, HttpOnly and SameSite=Lax unless configured.

    The ``Cookie`` header is read here, not through a framework's cookie mapping: each
    framework keeps a different one of two same-named cookies (Flask the first, Starlette
    and Django the last), and two are what a sibling subdomain's tossed cookie looks like,
    so two are refused (:class:`~wxsession.core.errors.SessionAmbiguous`), whatever they hold.
    """

    name = "cookie"

    def __init__(
        self, cookie_name: str = "__Host-wxsession", *, secure: bool = True, samesite: str = "lax"
    ):
        self.cookie_name = cookie_name
        self.secure = secure
        self.samesite = samesite

    async def extract(self, request: RequestView) -> str | None:
        header = request.headers.get("cookie")
        return self.parse(() if header is None else (header,))

    def from_raw(self, headers: Iterable[tuple[bytes, bytes]]) -> str | None:
        """The token in an ASGI scope's raw ``Cookie`` headers (HTTP/2 may send several)."""
        return self.parse(value.decode("latin-1") for key, value in headers if key == b"cookie")

    def parse(self, cookie_headers: Iterable[str]) -> str | None:
        """The session cookie's value in these ``Cookie`` header values. Pairs are split on
        ``;`` and on ``,`` (how some servers join two such headers), names compared exactly
        (cookie names are case-sensitive), as frameworks parse them."""
        found = None
        for header in cookie_headers:
            for chunk in header.replace(",", ";").split(";"):
                name, sep, value = chunk.partition("=")
                if sep and name.strip() == self.cookie_name:
                    if found is not None:
                        raise SessionAmbiguous()
                    found = value.strip()
        return _clip(found)

    def attributes(self) -> dict[str, Any]:
        """Attributes for both setting and clearing the cookie (a clearing ``Set-Cookie`` must
        match them, or browsers keep the old one). No ``Domain``: host-only, so a sibling
        subdomain never receives it."""
        return {"path": "/", "httponly": True, "secure": self.secure, "samesite": self.samesite}


class CarrierChain:
    """The enabled carriers (in configured order, which settles nothing but reading order)."""

    def __init__(self, carriers: Sequence[Carrier], trusted_origins: Iterable[str] = ()) -> None:
        self.carriers = tuple(carriers)
        self.cookie: CookieCarrier | None = next(
            (c for c in self.carriers if isinstance(c, CookieCarrier)), None
        )
        self.body: BodyCarrier | None = next(
            (c for c in self.carriers if isinstance(c, BodyCarrier)), None
        )
        self.trusted_origins = frozenset(trusted_origins)
        self._raw = tuple(c for c in self.carriers if isinstance(c, (HeaderCarrier, CookieCarrier)))
        self.raw_only = len(self._raw) == len(self.carriers)
        """Only header and cookie carriers: :meth:`extract_now` may be used."""

    async def extract(
        self, request: RequestView, raw_headers: Iterable[tuple[bytes, bytes]] | None = None
    ) -> str | None:
        """The token the carriers find; :class:`~wxsession.core.errors.SessionAmbiguous` for two
        different ones, or the session header or cookie twice;
        :class:`~wxsession.core.errors.CrossSiteRequest` for a state-changing request from
        another site whose token came in the cookie. Header and cookie carriers scan an ASGI
        request's raw header list (``raw_headers``, else the request's scope's) instead of
        ``request.headers``: building Starlette's ``Headers`` and looking the header up there
        cost most of the carriers' share of every authenticated request, and only the raw
        list shows a header sent twice."""
        if raw_headers is None:
            scope = getattr(request, "scope", None)
            raw_headers = None if scope is None else scope.get("headers")
        found = None
        for carrier in self.carriers:
            if raw_headers is not None and isinstance(carrier, (HeaderCarrier, CookieCarrier)):
                token = carrier.from_raw(raw_headers)
            else:
                token = await carrier.extract(request)
            found = self._taken(request, carrier, token, found)
        return found

    def extract_now(self, request: AsgiRequestView) -> str | None:
        """:meth:`extract` without awaiting, for a chain of header and cookie carriers only
        (:attr:`raw_only`; the default): the same token and the same refusals, one coroutine
        fewer on every authenticated request."""
        raw_headers = request.scope["headers"]
        found = None
        for carrier in self._raw:
            found = self._taken(request, carrier, carrier.from_raw(raw_headers), found)
        return found

    def _taken(
        self, request: RequestView, carrier: Carrier, token: str | None, found: str | None
    ) -> str | None:
        """``token`` (found by ``carrier``) added to ``found``: refused when it came in a
        cookie of a cross-site state-changing request, or differs from ``found``."""
        if token is None:
            return found
        if carrier is self.cookie and request.method not in SAFE_METHODS:
            refuse_cross_site(request.method, request.headers, self.trusted_origins)
        if found is not None and token != found:
            raise SessionAmbiguous()
        return token

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
            "body": BodyCarrier(settings.body_field, settings.max_body_bytes),
            "cookie": CookieCarrier(
                settings.cookie_name,
                secure=settings.cookie_secure,
                samesite=settings.cookie_samesite,
            ),
        }
        return cls([build[name] for name in settings.carriers], settings.csrf_trusted_origins)
