"""The emulator's memory: registered apps, issued codes, users' ids, tokens and faults.

What every emulated platform shares: a code belongs to one app of one platform and is only
good at that platform's endpoint; a person (``user``) has one openid per app and one unionid
per platform family. Each platform's wire format (its answers and error codes) lives in its
home, ``wxsession.platforms.<name>.emulated``, and calls this state.

Pure Python and thread-safe: the ASGI app calls it from uvicorn's loop while tests call it
from their own thread (to issue codes, set faults or read what was issued).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from wxsession.emulator import faults as fault_rules
from wxsession.emulator.faults import Answer, ErrorBody, Faults
from wxsession.emulator.records import (
    Code,
    ErrorCode,
    ExchangeErrors,
    Grant,
    Issued,
    PhoneCode,
)

CODE_TTL = 300.0
"""WeChat documents a login code as valid for about five minutes."""

MAX_USER_LENGTH = 64


class EmulatorCore:
    """The state every emulated platform shares. ``issue_code`` is the client's login call
    (``wx.login()`` and its kin on each platform); the platforms' emulated answers take the codes.

    ``platforms`` names the platforms played, the first being the default one, whose apps are
    ``apps``; ``platform_apps`` are the apps of the others by name. A platform with no app
    registered accepts any appid/secret pair."""

    def __init__(
        self,
        apps: Mapping[str, str] | None = None,
        *,
        platforms: Sequence[str],
        default_appid: str | None = None,
        unionid: bool = False,
        clock: Callable[[], float] = time.time,
        seed: str = "wxsession-emulator",
        platform_apps: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.platforms = tuple(platforms)
        self.default_platform = self.platforms[0]
        self.apps: Mapping[str, str] = dict(apps or {})
        self.platform_apps: dict[str, Mapping[str, str]] = {self.default_platform: self.apps}
        for platform, registered in (platform_apps or {}).items():
            if platform not in self.platforms or platform == self.default_platform:
                raise ValueError(self._unknown(platform))
            self.platform_apps[platform] = dict(registered)
        if default_appid is not None and self.apps and default_appid not in self.apps:
            raise ValueError("default_appid must be one of the registered apps")
        self.default_appid = default_appid
        self.unionid = unionid
        self.clock = clock
        self._seed = seed.encode()
        self._lock = threading.Lock()
        self._codes: dict[str, Code] = {}
        self._issued: dict[tuple[str, str], Issued] = {}
        self._latest: dict[str, Issued] = {}
        self._session_keys: dict[tuple[str, str], str] = {}
        self._faults = Faults()
        self._app_tokens: dict[str, Grant] = {}
        self._shared: dict[str, str] = {}  # appid -> its shared ("stable") app token
        self._user_tokens: dict[str, Grant] = {}
        self._phone_codes: dict[str, PhoneCode] = {}
        self.token_fetches = 0
        """How many app access tokens were asked for (stable_token and token): tests count it."""
        self.calls: Counter[str] = Counter()
        """API calls received, by path (``/sns/jscode2session``, a prefixed host's paths):
        tests count them to see whether the server called the platform at all."""

    def _unknown(self, platform: object) -> str:
        return f"unknown platform {platform!r}; known: {', '.join(self.platforms)}"

    # -- the client's login call ------------------------------------------------------------

    def issue_code(self, appid: str | None, user: str, platform: str | None = None) -> str:
        """A fresh one-time code for ``user`` of ``appid`` (or of the default app) on
        ``platform`` (by default the platform ``appid`` is registered on, else the default
        one): the client's login call on that platform (its spec's ``code_source``)."""
        appid, platform = self._resolve(appid, platform)
        if not isinstance(user, str) or not 0 < len(user) <= MAX_USER_LENGTH:
            raise ValueError(f"user must be a string of 1 to {MAX_USER_LENGTH} characters")
        code = secrets.token_urlsafe(24)
        with self._lock:
            now = self.clock()
            self._prune(now)
            self._codes[code] = Code(appid, user, now + CODE_TTL, platform)
        return code

    def _resolve(self, appid: str | None, platform: str | None) -> tuple[str, str]:
        if platform is None:
            registered = [
                name
                for name, apps in self.platform_apps.items()
                if isinstance(appid, str) and appid in apps
            ]
            platform = registered[0] if registered else self.default_platform
        if platform not in self.platforms:
            raise ValueError(self._unknown(platform))
        if platform == self.default_platform:
            return self.resolve_appid(appid), platform
        apps = self.platform_apps.get(platform, {})
        if appid is None:
            if len(apps) == 1:
                return next(iter(apps)), platform
            raise ValueError(f"appid is required: the emulator has no single {platform} app")
        if not isinstance(appid, str) or not appid:
            raise ValueError("appid must be a non-empty string")
        if apps and appid not in apps:
            raise ValueError(f"unknown appid {appid!r}: it is not a {platform} app here")
        return appid, platform

    def resolve_appid(self, appid: str | None) -> str:
        """``appid`` if it is an app of the default platform here, else the default app."""
        if appid is None:
            if self.default_appid is not None:
                return self.default_appid
            if len(self.apps) == 1:
                return next(iter(self.apps))
            raise ValueError("appid is required: the emulator has no single default app")
        if not isinstance(appid, str) or not appid:
            raise ValueError("appid must be a non-empty string")
        if self.apps and appid not in self.apps:
            raise ValueError(f"unknown appid {appid!r}: it is not registered on this emulator")
        return appid

    def _prune(self, now: float) -> None:
        # Codes are stored in issue order, so the expired ones are at the front.
        while self._codes:
            oldest = next(iter(self._codes))
            if self._codes[oldest].expires_at > now:
                break
            del self._codes[oldest]

    # -- taking a code --------------------------------------------------------------------

    def check_credentials(
        self, platform: str, errors: ExchangeErrors[ErrorCode], appid: object, secret: object
    ) -> ErrorCode | None:
        """The platform's error code if ``appid``/``secret`` are missing or not its app's."""
        if not isinstance(appid, str) or not appid:
            return errors.no_appid
        if not isinstance(secret, str) or not secret:
            return errors.no_secret
        apps = self.platform_apps.get(platform, {})
        if apps:
            if appid not in apps:
                return errors.bad_appid
            if not hmac.compare_digest(apps[appid].encode(), secret.encode()):
                return errors.bad_secret
        return None

    def take(
        self,
        platform: str,
        errors: ExchangeErrors[ErrorCode],
        appid: object,
        secret: object,
        code: object,
    ) -> Code | ErrorCode:
        """The code's record, now used, or the platform's error code for why not."""
        if not isinstance(appid, str) or not appid:
            return errors.no_appid
        if not isinstance(secret, str) or not secret:
            return errors.no_secret
        if not isinstance(code, str) or not code:
            return errors.no_code
        refused = self.check_credentials(platform, errors, appid, secret)
        if refused is not None:
            return refused
        return self.take_code(platform, errors, appid, code)

    def take_code(
        self, platform: str, errors: ExchangeErrors[ErrorCode], appid: str, code: object
    ) -> Code | ErrorCode:
        """:meth:`take` once the platform proved the caller is ``appid`` its own way (a
        secret, a signature)."""
        if not isinstance(code, str) or not code:
            return errors.no_code
        with self._lock:
            issued = self._codes.get(code)
            if (
                issued is None
                or issued.appid != appid
                or issued.platform != platform
                or issued.expires_at <= self.clock()
            ):
                return errors.bad_code
            if issued.used:
                return errors.used_code
            issued.used = True
            return issued

    def issue(self, appid: str, user: str, family: str | None = None) -> Issued:
        """Record a fresh session_key for the user; unionids (if on) are of ``family``."""
        with self._lock:
            openid = self.openid_for(appid, user)
            issued = Issued(
                appid=appid,
                user=user,
                openid=openid,
                session_key=base64.b64encode(secrets.token_bytes(16)).decode(),
                unionid=self.unionid_for(user, family) if self.unionid else None,
            )
            self._issued[appid, user] = issued
            self._latest[user] = issued
            self._session_keys[appid, openid] = issued.session_key
            return issued

    def errcode_errors(self, messages: Mapping[int, str]) -> ErrorBody:
        """:meth:`errcode_error` with ``messages`` bound: a platform's forced-fault body."""
        return lambda errcode: self.errcode_error(errcode, messages)

    def errcode_error(self, errcode: int, messages: Mapping[int, str]) -> dict[str, Any]:
        """``{"errcode", "errmsg"}`` with a request id: the error shape several platforms share,
        each with its own ``messages``."""
        return {
            "errcode": errcode,
            "errmsg": f"{messages.get(errcode, 'error')}, rid: {self._rid()}",
        }

    def _rid(self) -> str:
        return f"{int(self.clock()) & 0xFFFFFFFF:08x}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"

    # -- stable ids and what was issued ----------------------------------------------------

    def openid_for(self, appid: str, user: str) -> str:
        """The user's openid in ``appid``: stable, and different in every other app."""
        return "o" + self.derive(b"openid", appid, user)

    def unionid_for(self, user: str, family: str | None = None) -> str:
        """The user's unionid on a platform family (the default platform's if ``None``): the
        same in every app of the family (a mobile App can share the mini programs' family)."""
        if family is None or family == self.default_platform:
            return "o" + self.derive(b"unionid", user)
        return "u" + self.derive(b"unionid", family, user)

    def derive(self, label: bytes, *parts: str) -> str:
        """A stable 27-character id for ``parts``, under this emulator's seed."""
        message = b"\x00".join([label, *(part.encode() for part in parts)])
        digest = hmac.new(self._seed, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:27]

    def issued_for(self, user: str, appid: str | None = None) -> Issued:
        """The newest session given out for ``user`` (in ``appid``, or in any app)."""
        with self._lock:
            found = self._latest.get(user) if appid is None else self._issued.get((appid, user))
        if found is None:
            raise KeyError(f"no session was issued for user {user!r}")
        return found

    def session_key_for(self, appid: str, openid: str) -> str | None:
        """The newest session_key of ``openid``: the one that decrypts what it sends next."""
        with self._lock:
            return self._session_keys.get((appid, openid))

    def current_key(self, appid: str, openid: str) -> str:
        """:meth:`session_key_for`, which must exist."""
        key = self.session_key_for(appid, openid)
        if key is None:
            raise KeyError("no session_key was issued for this openid in this app")
        return key

    def rotate_session_key(self, appid: str, openid: str) -> str:
        """Give the user a new session_key without telling the server: what a ``wx.login()``
        whose code never reaches the server (or ``resetusersessionkey``) does."""
        with self._lock:
            if (appid, openid) not in self._session_keys:
                raise KeyError("no session_key was issued for this openid in this app")
            key = base64.b64encode(secrets.token_bytes(16)).decode()
            self._session_keys[appid, openid] = key
            return key

    # -- access tokens and phone codes -----------------------------------------------------

    def app_token(
        self, appid: str, ttl: int, *, shared_margin: float | None, force_refresh: bool = False
    ) -> tuple[str, int]:
        """``(token, expires_in)``: an access token of the app itself. With ``shared_margin``
        it is shared ("stable"): every caller gets the current one until only that many
        seconds are left (or ``force_refresh``)."""
        with self._lock:
            self.token_fetches += 1
            now = self.clock()
            current = self._shared.get(appid)
            if shared_margin is not None and current is not None and not force_refresh:
                expires_at = self._app_tokens[current].expires_at
                if expires_at - now > shared_margin:
                    return current, int(expires_at - now)
            token = secrets.token_urlsafe(48)
            self._app_tokens[token] = Grant(appid, now + ttl)
            if shared_margin is not None:
                self._shared[appid] = token
            return token, ttl

    def user_token(self, appid: str, user: str, openid: str, ttl: int) -> str:
        """An OAuth access token of ``user``, valid ``ttl`` seconds."""
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._user_tokens[token] = Grant(appid, self.clock() + ttl, user, openid)
        return token

    def app_grant(self, token: str | None) -> Grant | None:
        with self._lock:
            return self._app_tokens.get(token or "")

    def user_grant(self, token: str) -> Grant | None:
        with self._lock:
            return self._user_tokens.get(token)

    def expire_access_tokens(self) -> None:
        """Every access token given out so far (the apps' and the users') is expired from
        now on (42001)."""
        with self._lock:
            now = self.clock()
            for tokens in (self._app_tokens, self._user_tokens):
                for token, grant in tokens.items():
                    tokens[token] = replace(grant, expires_at=min(grant.expires_at, now))

    def issue_phone_code(
        self,
        appid: str | None,
        user: str,
        phone: str = "13800138000",
        country_code: str | int = "86",
    ) -> str:
        """The ``code`` a getPhoneNumber button gives the client (one use)."""
        appid = self.resolve_appid(appid)
        code = secrets.token_hex(16)
        with self._lock:
            self._phone_codes[code] = PhoneCode(appid, user, phone, country_code)
        return code

    def take_phone_code(self, code: object) -> PhoneCode | None:
        with self._lock:
            return self._phone_codes.pop(code, None) if isinstance(code, str) else None

    # -- faults -----------------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        with self._lock:
            return self._faults

    def set_faults(
        self,
        latency_ms: int = 0,
        errcode: int | str | None = None,
        count: int = 1,
        body: str | None = None,
        status: int = 200,
        path: str | None = None,
    ) -> Faults:
        """Replace the faults: ``errcode``, ``body`` or ``status`` answer the next ``count``
        calls instead of the real exchange (which then does not consume the code). With
        ``path``, only calls to that path (``/sns/userinfo``) take them."""
        faults = fault_rules.new_faults(latency_ms, errcode, count, body, status, path)
        with self._lock:
            self._faults = faults
        return faults

    def reset_faults(self) -> None:
        with self._lock:
            self._faults = Faults()

    def begin_call(self, path: str, error: ErrorBody) -> tuple[float, Answer | None]:
        """Latency (seconds) and forced answer, if any, for one API call to ``path``; a
        forced error code is answered by ``error``, in the platform's shape.

        Decided when the call arrives, so a slow call still in flight (its client long gone)
        never takes a fault that was set for a later one.
        """
        with self._lock:
            self.calls[path] += 1
            latency, forced, self._faults = fault_rules.take(self._faults, path)
        if forced is None:
            return latency, None
        return latency, fault_rules.forced_answer(forced, error)
