"""The emulator's memory: registered apps, issued codes, users' ids and injected faults.

It plays four login platforms: the WeChat mini program (``wechat``, the default), the WeChat
mobile App (``wechat_app``, Open Platform OAuth), and the QQ and Douyin mini programs. A code
belongs to one app of one platform and is only good at that platform's endpoint. A person
(``user``) has one unionid per platform family: the mini program and the App share WeChat's.

Pure Python and thread-safe: the ASGI app calls it from uvicorn's loop while tests call it
from their own thread (to issue codes, set faults or read what was issued).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from wxsession.platforms.wechat import crypto

CODE_TTL = 300.0
"""WeChat documents a login code as valid for about five minutes."""

MAX_USER_LENGTH = 64
PLATFORMS = ("wechat", "wechat_app", "qq", "douyin")
APP_TOKEN_TTL = 7200
MAX_LATENCY_MS = 60_000

ERRMSGS: Mapping[int, str] = {
    -1: "system error",
    40013: "invalid appid",
    40029: "invalid code",
    40125: "invalid appsecret",
    40163: "code been used",
    40226: "high risk user",
    41002: "appid missing",
    41004: "appsecret missing",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40014: "invalid access_token",
    41001: "access_token missing",
    41008: "missing code",
    42001: "access_token expired",
    87009: "invalid signature",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
}

DOUYIN_TIPS: Mapping[int, str] = {
    -1: "system error",
    40014: "bad params",
    40015: "bad appid",
    40017: "bad secret",
    40018: "bad code",
    40019: "bad anonymous_code",
}


_WECHAT_ERRORS = {
    "no_appid": 41002,
    "no_secret": 41004,
    "no_code": 41008,
    "bad_appid": 40013,
    "bad_secret": 40125,
    "bad_code": 40029,
    "used_code": 40163,
}
_ERRORS: Mapping[str, Mapping[str, int]] = {
    "wechat": _WECHAT_ERRORS,
    "wechat_app": _WECHAT_ERRORS,
    "qq": {**_WECHAT_ERRORS, "used_code": 40029},  # QQ documents no "code used" errcode
    "douyin": {
        "no_appid": 40014,
        "no_secret": 40014,
        "no_code": 40014,
        "bad_appid": 40015,
        "bad_secret": 40017,
        "bad_code": 40018,
        "used_code": 40018,
    },
}
"""Why a code exchange failed → each platform's error code for it."""


@dataclass(frozen=True, slots=True)
class Issued:
    """What a successful jscode2session gave out for a user, as the server received it."""

    appid: str
    user: str
    openid: str = field(repr=False)
    session_key: str = field(repr=False)
    unionid: str | None = field(repr=False)


@dataclass(frozen=True, slots=True)
class Faults:
    """Injected misbehaviour. ``count`` is how many more calls get the override (if any)."""

    latency_ms: int = 0
    errcode: int | None = None
    count: int = 0
    body: str | None = None
    status: int = 200
    path: str | None = None
    """Only calls to this path (e.g. ``/sns/userinfo``) take the faults; ``None``: all."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer of the WeChat API: status, body text, and the errcode for logging."""

    status: int
    body: str
    errcode: int | None = None
    media_type: str = "text/plain"


@dataclass(slots=True)
class _Code:
    appid: str
    user: str
    expires_at: float
    platform: str = "wechat"
    used: bool = False


class Emulator:
    """Plays WeChat for jscode2session: ``issue_code`` is ``wx.login()``, ``exchange`` is
    the server API. With no ``apps`` configured, any appid/secret pair is accepted."""

    def __init__(
        self,
        apps: Mapping[str, str] | None = None,
        *,
        default_appid: str | None = None,
        unionid: bool = False,
        clock: Callable[[], float] = time.time,
        seed: str = "wxsession-emulator",
        platform_apps: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """``apps`` are WeChat mini programs; ``platform_apps`` the apps of the other
        platforms by name (``wechat_app``, ``qq``, ``douyin``). A platform with no app
        registered accepts any appid/secret pair."""
        self.apps: Mapping[str, str] = dict(apps or {})
        self.platform_apps: dict[str, Mapping[str, str]] = {"wechat": self.apps}
        for platform, registered in (platform_apps or {}).items():
            if platform not in PLATFORMS or platform == "wechat":
                raise ValueError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}")
            self.platform_apps[platform] = dict(registered)
        if default_appid is not None and self.apps and default_appid not in self.apps:
            raise ValueError("default_appid must be one of the registered apps")
        self.default_appid = default_appid
        self.unionid = unionid
        self.clock = clock
        self._seed = seed.encode()
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._issued: dict[tuple[str, str], Issued] = {}
        self._latest: dict[str, Issued] = {}
        self._session_keys: dict[tuple[str, str], str] = {}
        self._faults = Faults()
        self._tokens: dict[str, tuple[str, float]] = {}  # access token -> (appid, expires_at)
        self._stable: dict[str, str] = {}  # appid -> its stable token
        self._phone_codes: dict[str, tuple[str, str, str, str | int]] = {}
        self._app_tokens: dict[str, tuple[str, str, str, float]] = {}  # token -> app, user...
        self.token_fetches = 0
        """How many access tokens were asked for (stable_token and token): tests count it."""
        self.calls: Counter[str] = Counter()
        """API calls received, by path (``/sns/jscode2session``, ``/qq/sns/jscode2session``):
        tests count them to see whether the server called the platform at all."""

    # -- wx.login() ---------------------------------------------------------------------

    def issue_code(self, appid: str | None, user: str, platform: str | None = None) -> str:
        """A fresh one-time code for ``user`` of ``appid`` (or of the default app) on
        ``platform`` (by default the platform ``appid`` is registered on, else ``wechat``):
        ``wx.login()``, ``qq.login()``, ``tt.login()`` or the App's SendAuth."""
        appid, platform = self._resolve(appid, platform)
        if not isinstance(user, str) or not 0 < len(user) <= MAX_USER_LENGTH:
            raise ValueError(f"user must be a string of 1 to {MAX_USER_LENGTH} characters")
        code = secrets.token_urlsafe(24)
        with self._lock:
            now = self.clock()
            self._prune(now)
            self._codes[code] = _Code(appid, user, now + CODE_TTL, platform)
        return code

    def _resolve(self, appid: str | None, platform: str | None) -> tuple[str, str]:
        if platform is None:
            registered = [
                name
                for name, apps in self.platform_apps.items()
                if isinstance(appid, str) and appid in apps
            ]
            platform = registered[0] if registered else "wechat"
        if platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}")
        if platform == "wechat":
            return self._resolve_appid(appid), platform
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

    def _resolve_appid(self, appid: str | None) -> str:
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

    # -- jscode2session -----------------------------------------------------------------

    def exchange(self, appid: str | None, secret: str | None, code: str | None) -> dict[str, Any]:
        """WeChat's answer to jscode2session: the session, or ``{"errcode", "errmsg"}``."""
        taken = self._take("wechat", appid, secret, code)
        if isinstance(taken, int):
            return self._error(taken)
        with self._lock:
            result = self._issue(taken.appid, taken.user)
        answer = {"session_key": result.session_key, "openid": result.openid}
        if result.unionid is not None:
            answer["unionid"] = result.unionid
        return answer

    def _take(self, platform: str, appid: object, secret: object, code: object) -> _Code | int:
        """The code's record, now used, or the platform's error code for why not."""
        errors = _ERRORS[platform]
        if not isinstance(appid, str) or not appid:
            return errors["no_appid"]
        if not isinstance(secret, str) or not secret:
            return errors["no_secret"]
        if not isinstance(code, str) or not code:
            return errors["no_code"]
        apps = self.platform_apps.get(platform, {})
        if apps:
            if appid not in apps:
                return errors["bad_appid"]
            if not hmac.compare_digest(apps[appid].encode(), secret.encode()):
                return errors["bad_secret"]
        with self._lock:
            issued = self._codes.get(code)
            if (
                issued is None
                or issued.appid != appid
                or issued.platform != platform
                or issued.expires_at <= self.clock()
            ):
                return errors["bad_code"]
            if issued.used:
                return errors["used_code"]
            issued.used = True
            return issued

    def _issue(self, appid: str, user: str, family: str = "wechat") -> Issued:
        """Record a fresh session_key for the user; the caller holds the lock."""
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

    def answer_code2session(
        self, appid: str | None, secret: str | None, code: str | None
    ) -> Answer:
        """The real jscode2session answer, as WeChat sends it: HTTP 200 even for errcodes."""
        result = self.exchange(appid, secret, code)
        errcode = result.get("errcode")
        return Answer(200, json.dumps(result), errcode if isinstance(errcode, int) else None)

    def _error(self, errcode: int) -> dict[str, Any]:
        return {
            "errcode": errcode,
            "errmsg": f"{ERRMSGS.get(errcode, 'error')}, rid: {self._rid()}",
        }

    def _rid(self) -> str:
        return f"{int(self.clock()) & 0xFFFFFFFF:08x}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"

    # -- QQ and Douyin mini programs, WeChat mobile App ------------------------------------

    def qq_exchange(
        self, appid: str | None, secret: str | None, code: str | None
    ) -> dict[str, Any]:
        """QQ's jscode2session: WeChat's shape, with ``errcode: 0`` and empty strings next
        to a success."""
        taken = self._take("qq", appid, secret, code)
        if isinstance(taken, int):
            return self._error(taken)
        with self._lock:
            result = self._issue(taken.appid, taken.user, "qq")
        return {
            "errcode": 0,
            "errmsg": "",
            "openid": result.openid,
            "session_key": result.session_key,
            "unionid": result.unionid or "",
        }

    def douyin_exchange(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Douyin's v2 jscode2session on a JSON body ``{appid, secret, code}``."""
        taken = self._take("douyin", body.get("appid"), body.get("secret"), body.get("code"))
        if isinstance(taken, int):
            return self.douyin_error(taken)
        with self._lock:
            result = self._issue(taken.appid, taken.user, "douyin")
        data = {
            "session_key": result.session_key,
            "openid": result.openid,
            "anonymous_openid": "",
            "unionid": result.unionid or "",
        }
        return {"err_no": 0, "err_tips": "success", "log_id": self._log_id(), "data": data}

    def douyin_error(self, err_no: int) -> dict[str, Any]:
        empty = {"session_key": "", "openid": "", "anonymous_openid": "", "unionid": ""}
        tips = DOUYIN_TIPS.get(err_no, "error")
        return {"err_no": err_no, "err_tips": tips, "log_id": self._log_id(), "data": empty}

    def _log_id(self) -> str:
        return secrets.token_hex(12).upper()

    def app_access_token(
        self, appid: str | None, secret: str | None, code: str | None
    ) -> dict[str, Any]:
        """The App's ``sns/oauth2/access_token``: a user access token for the code's user."""
        taken = self._take("wechat_app", appid, secret, code)
        if isinstance(taken, int):
            return self._error(taken)
        token = secrets.token_urlsafe(48)
        openid = self.openid_for(taken.appid, taken.user)
        with self._lock:
            expires_at = self.clock() + APP_TOKEN_TTL
            self._app_tokens[token] = (taken.appid, taken.user, openid, expires_at)
        answer = {
            "access_token": token,
            "expires_in": APP_TOKEN_TTL,
            "refresh_token": secrets.token_urlsafe(48),
            "openid": openid,
            "scope": "snsapi_userinfo",
        }
        if self.unionid:
            answer["unionid"] = self.unionid_for(taken.user)
        return answer

    def app_userinfo(self, access_token: str | None, openid: str | None) -> dict[str, Any]:
        """The App's ``sns/userinfo``: the token's user, if ``openid`` is theirs."""
        if not access_token:
            return self._error(41001)
        with self._lock:
            found = self._app_tokens.get(access_token)
            now = self.clock()
        if found is None:
            return self._error(40014)
        _appid, user, token_openid, expires_at = found
        if expires_at <= now:
            return self._error(42001)
        if openid != token_openid:
            return self._error(40003)
        avatar = self._derive(b"avatar", user)
        answer: dict[str, Any] = {
            "openid": token_openid,
            "nickname": user,
            "sex": 0,
            "province": "",
            "city": "",
            "country": "CN",
            "headimgurl": f"https://thirdwx.qlogo.cn/mmopen/vi_32/{avatar}/132",
            "privilege": [],
        }
        if self.unionid:
            answer["unionid"] = self.unionid_for(user)
        return answer

    # -- stable ids and what was issued ----------------------------------------------------

    def openid_for(self, appid: str, user: str) -> str:
        """The user's openid in ``appid``: stable, and different in every other app."""
        return "o" + self._derive(b"openid", appid, user)

    def unionid_for(self, user: str, family: str = "wechat") -> str:
        """The user's unionid on a platform family: the same in every app of it (WeChat's
        mini programs and Apps of one Open Platform account share it; QQ and Douyin have
        their own)."""
        if family == "wechat":
            return "o" + self._derive(b"unionid", user)
        return "u" + self._derive(b"unionid", family, user)

    def _derive(self, label: bytes, *parts: str) -> str:
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

    # -- open data (what the client receives from wx.getXxx and forwards) ------------------

    def _current_key(self, appid: str, openid: str) -> str:
        key = self.session_key_for(appid, openid)
        if key is None:
            raise KeyError("no session_key was issued for this openid in this app")
        return key

    def encrypt_for(self, appid: str, openid: str, payload: Mapping[str, Any]) -> tuple[str, str]:
        """``(encryptedData, iv)`` as WeChat hands them to the client: ``payload`` plus a
        watermark (unless it brings its own), AES-128-CBC under the newest session_key."""
        data = dict(payload)
        data.setdefault("watermark", {"appid": appid, "timestamp": int(self.clock())})
        iv = secrets.token_bytes(16)
        plaintext = json.dumps(data, ensure_ascii=False).encode("utf-8")
        encrypted = crypto.encrypt(plaintext, self._current_key(appid, openid), iv)
        return encrypted, base64.b64encode(iv).decode("ascii")

    def sign(self, appid: str, openid: str, raw_data: str) -> str:
        """The ``signature`` WeChat gives next to ``rawData``, under the newest session_key."""
        return crypto.sign(raw_data, self._current_key(appid, openid))

    def rotate_session_key(self, appid: str, openid: str) -> str:
        """Give the user a new session_key without telling the server: what a ``wx.login()``
        whose code never reaches the server (or ``resetusersessionkey``) does."""
        with self._lock:
            if (appid, openid) not in self._session_keys:
                raise KeyError("no session_key was issued for this openid in this app")
            key = base64.b64encode(secrets.token_bytes(16)).decode()
            self._session_keys[appid, openid] = key
            return key

    # -- access token, phone number, checksession --------------------------------------------

    def _credentials_error(self, appid: object, secret: object) -> dict[str, Any] | None:
        if not isinstance(appid, str) or not appid:
            return self._error(41002)
        if not isinstance(secret, str) or not secret:
            return self._error(41004)
        if self.apps:
            if appid not in self.apps:
                return self._error(40013)
            if not hmac.compare_digest(self.apps[appid].encode(), secret.encode()):
                return self._error(40125)
        return None

    def access_token(
        self, appid: object, secret: object, *, stable: bool, force_refresh: bool = False
    ) -> dict[str, Any]:
        """``cgi-bin/stable_token`` (``stable``) or ``cgi-bin/token``. A stable token is the
        same for every caller until its last five minutes, as WeChat documents."""
        error = self._credentials_error(appid, secret)
        if error is not None:
            return error
        assert isinstance(appid, str)
        with self._lock:
            self.token_fetches += 1
            now = self.clock()
            current = self._stable.get(appid)
            if stable and current is not None and not force_refresh:
                _, expires_at = self._tokens[current]
                if expires_at - now > 300:
                    return {"access_token": current, "expires_in": int(expires_at - now)}
            token = secrets.token_urlsafe(48)
            self._tokens[token] = (appid, now + 7200)
            if stable:
                self._stable[appid] = token
            return {"access_token": token, "expires_in": 7200}

    def expire_access_tokens(self) -> None:
        """Every access token given out so far (the apps' and the App users') is expired
        from now on (42001)."""
        with self._lock:
            now = self.clock()
            self._tokens = {t: (appid, min(exp, now)) for t, (appid, exp) in self._tokens.items()}
            self._app_tokens = {
                token: (*found[:3], min(found[3], now)) for token, found in self._app_tokens.items()
            }

    def _token_error(self, token: str | None) -> tuple[str | None, dict[str, Any] | None]:
        found = self._tokens.get(token or "")
        if found is None:
            return None, self._error(40001)
        appid, expires_at = found
        if expires_at <= self.clock():
            return None, self._error(42001)
        return appid, None

    def issue_phone_code(
        self,
        appid: str | None,
        user: str,
        phone: str = "13800138000",
        country_code: str | int = "86",
    ) -> str:
        """The ``code`` a getPhoneNumber button gives the client (one use, five minutes)."""
        appid = self._resolve_appid(appid)
        code = secrets.token_hex(16)
        with self._lock:
            self._phone_codes[code] = (appid, user, phone, country_code)
        return code

    def phone_number(self, access_token: str | None, code: object) -> dict[str, Any]:
        """``wxa/business/getuserphonenumber``."""
        with self._lock:
            appid, error = self._token_error(access_token)
            if error is not None:
                return error
            found = self._phone_codes.pop(code, None) if isinstance(code, str) else None
            if found is None or found[0] != appid:
                return self._error(40029)
        appid, _user, phone, country = found
        return {
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": f"+{country} {phone}",
                "purePhoneNumber": phone,
                "countryCode": country,
                "watermark": {"appid": appid, "timestamp": int(self.clock())},
            },
        }

    def check_session(
        self,
        access_token: str | None,
        openid: str | None,
        signature: str | None,
        method: str | None,
    ) -> dict[str, Any]:
        """``wxa/checksession``: errcode 0 if ``signature`` is hmac_sha256("", key) of the
        openid's newest session_key, 87009 otherwise."""
        with self._lock:
            appid, error = self._token_error(access_token)
            if error is not None:
                return error
            key = self._session_keys.get((appid or "", openid or ""))
        if method != "hmac_sha256" or key is None or signature is None:
            return self._error(87009)
        expected = hmac.new(key.encode(), b"", hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            return self._error(87009)
        return {"errcode": 0, "errmsg": "ok"}

    # -- faults -----------------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        with self._lock:
            return self._faults

    def set_faults(
        self,
        latency_ms: int = 0,
        errcode: int | None = None,
        count: int = 1,
        body: str | None = None,
        status: int = 200,
        path: str | None = None,
    ) -> Faults:
        """Replace the faults: ``errcode``, ``body`` or ``status`` answer the next ``count``
        calls instead of the real exchange (which then does not consume the code). With
        ``path``, only calls to that path (``/qq/sns/jscode2session``) take them."""
        if not 0 <= latency_ms <= MAX_LATENCY_MS:
            raise ValueError(f"latency_ms must be between 0 and {MAX_LATENCY_MS}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if not 200 <= status <= 599:
            raise ValueError("status must be an HTTP status between 200 and 599")
        if errcode is not None and body is not None:
            raise ValueError("set errcode or body, not both")
        if path is not None and not path.startswith("/"):
            raise ValueError("path must start with '/'")
        overrides = errcode is not None or body is not None or status != 200
        faults = Faults(latency_ms, errcode, count if overrides else 0, body, status, path)
        with self._lock:
            self._faults = faults
        return faults

    def reset_faults(self) -> None:
        with self._lock:
            self._faults = Faults()

    def begin_call(
        self, path: str | None = None, *, douyin: bool = False
    ) -> tuple[float, Answer | None]:
        """Latency (seconds) and forced answer, if any, for one API call to ``path``; a
        forced error code is in Douyin's shape when ``douyin``.

        Decided when the call arrives, so a slow call still in flight (its client long gone)
        never takes a fault that was set for a later one.
        """
        with self._lock:
            self.calls[path or ""] += 1
            faults = self._faults
            if faults.path is not None and faults.path != path:
                return 0.0, None
            latency = faults.latency_ms / 1000
            if faults.count <= 0:
                return latency, None
            remaining = faults.count - 1
            self._faults = (
                replace(faults, count=remaining)
                if remaining
                else Faults(latency_ms=faults.latency_ms, path=faults.path)
            )
        if faults.body is not None:
            return latency, Answer(faults.status, faults.body)
        if faults.errcode is not None:
            error = self.douyin_error(faults.errcode) if douyin else self._error(faults.errcode)
            return latency, Answer(faults.status, json.dumps(error), faults.errcode)
        page = f"<html><body><h1>{faults.status}</h1></body></html>"
        return latency, Answer(faults.status, page, media_type="text/html")
