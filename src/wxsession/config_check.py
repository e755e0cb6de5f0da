"""``wxsession config check``: show what the service would run with, or why it would not start.

Operators paste this output into tickets and chats, so nothing secret may be in it: values of
``SecretStr`` settings are replaced by ``********`` and passwords inside URLs by ``***``.
A value that fails validation is echoed only when it is not a secret, next to the reason.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit

from pydantic import SecretStr, ValidationError

from wxsession.settings import Settings

PREFIX = "WXSESSION_"
MASK = "********"
_SECRET_QUERY_KEYS = frozenset({"password", "pass", "secret", "token"})


def env_name(field: str) -> str:
    return f"{PREFIX}{field.upper()}"


def mask_url(value: str) -> str:
    """``value`` with any password in its userinfo or query string replaced by ``***``."""
    if "://" not in value:
        return value
    parts = urlsplit(value)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:***@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, "***" if k.lower() in _SECRET_QUERY_KEYS else v) for k, v in pairs], safe="/"
        )
    if netloc == parts.netloc and query == parts.query:
        return value  # urlunsplit would drop the empty authority of sqlite:///./file.db
    rebuilt = f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
    return rebuilt + (f"#{parts.fragment}" if parts.fragment else "")


def shown(value: object) -> str:
    """A setting's value as it is safe to print."""
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else "(empty)"
    if value is None:
        return "(not set)"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, tuple):  # an apps list: the appids, never a secret or an option
        return ",".join(f"{app.appid}:{MASK}" for app in value) or "(not set)"
    if isinstance(value, str):
        return mask_url(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _secret_fields() -> set[str]:
    return {
        name
        for name, info in Settings.model_fields.items()
        if "SecretStr" in str(info.annotation) or "ListedApp" in str(info.annotation)
    }


def check(out: TextIO) -> int:
    """Print the effective settings (0) or every invalid value with its reason (2), as read
    from this process's environment, exactly as ``wxsession serve`` would read them."""
    given = {k.upper(): v for k, v in os.environ.items() if k.upper().startswith(PREFIX)}
    known = {env_name(name) for name in Settings.model_fields}
    for name in sorted(set(given) - known):
        out.write(f"warning: {name} is not a wxsession setting and is ignored (a typo?)\n")
    try:
        settings = Settings()
    except ValidationError as exc:
        _explain(exc, given, out)
        return 2
    width = max(len(name) for name in known)
    out.write("Effective wxsession settings (* = from the environment, else the default):\n")
    for field in Settings.model_fields:
        name = env_name(field)
        marker = "*" if name in given else " "
        out.write(f"  {marker} {name:<{width}}  {shown(getattr(settings, field))}\n")
    problem = settings.service_problem()
    if problem is not None:
        out.write(f"\nInvalid configuration:\n  {problem}\n")
        return 2
    if settings.dev_mode:
        out.write(
            "\nDEV MODE: every platform is the built-in emulator, and its /_emulator/* routes"
            " are served. Never expose this to real users.\n"
        )
    out.write("\nThe configuration is valid.\n")
    return 0


def _explain(exc: ValidationError, given: Mapping[str, str], out: TextIO) -> None:
    secret = {env_name(name) for name in _secret_fields()}
    out.write("Invalid configuration:\n")
    for error in exc.errors(include_input=False, include_url=False):
        if error["type"] == "default_factory_not_called":  # dev_mode's, after another error
            continue
        field = ".".join(str(part) for part in error["loc"][:1])
        message = error["msg"].removeprefix("Value error, ")
        if not field:
            out.write(f"  {message}\n")
            continue
        name = env_name(field)
        raw = given.get(name)
        if raw is None:
            value = ""
        elif name in secret:
            value = f"={MASK}"
        else:
            value = f"={mask_url(raw)!r}"
        out.write(f"  {name}{value}: {message}\n")
