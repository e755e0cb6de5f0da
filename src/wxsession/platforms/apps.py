"""Several apps of one platform in one deployment (``WXSESSION_<PLATFORM>_APPS``): reading
the list, and joining it with the one-app form (``WXSESSION_<PLATFORM>_APPID``/``_SECRET``).

Two spellings of the list: ``appid:secret`` pairs separated by commas, or a JSON list of
objects (``[{"appid": "...", "secret": "...", "options": {...}}]``) for apps that need
options of their own (they override the platform-wide option settings). Every error names
the entry by its position and never repeats a secret or an option's value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import PlainValidator, SecretStr
from pydantic_settings import NoDecode

from wxsession.platforms.spec import Option, PlatformApp, PlatformSpec

MAX_APPID_LENGTH = 64
"""The longest appid taken (the access-token table's key is 64 characters)."""


@dataclass(frozen=True, slots=True)
class ListedApp:
    """One entry of an apps list: its appid and secret, and the options it sets itself."""

    appid: str
    secret: SecretStr = field(repr=False)
    options: Mapping[str, object] = field(default_factory=dict, repr=False)


def parse_apps(value: object, options: Sequence[Option] = ()) -> tuple[ListedApp, ...]:
    """``value`` (a setting's text, or what an earlier parse returned) → its apps, in order;
    ``ValueError`` for a malformed entry, a repeated appid or an option the platform lacks."""
    if isinstance(value, tuple) and all(isinstance(app, ListedApp) for app in value):
        return value
    if not isinstance(value, str):
        raise ValueError("must be text: appid:secret pairs, or a JSON list of objects")
    text = value.strip()
    if not text:
        return ()
    if text.startswith("{"):
        raise ValueError("a JSON value must be a list of objects: [{...}, ...]")
    if text.startswith("["):
        apps = _from_json(text, {option.name: option for option in options})
    else:
        parts = [part for part in text.split(",") if part.strip()]  # a trailing comma is fine
        apps = tuple(_from_pair(number, part) for number, part in enumerate(parts, 1))
    seen: set[str] = set()
    for app in apps:
        if app.appid in seen:
            raise ValueError(f"appid {app.appid!r} is listed twice")
        seen.add(app.appid)
    return apps


def _from_pair(number: int, part: str) -> ListedApp:
    appid, sep, secret = part.strip().partition(":")
    if not sep or not secret.strip():
        raise ValueError(f"entry {number} is not appid:secret")
    return ListedApp(_appid(number, appid.strip()), SecretStr(secret.strip()))


def _from_json(text: str, known: Mapping[str, Option]) -> tuple[ListedApp, ...]:
    try:
        entries = json.loads(text)
    except (ValueError, RecursionError):
        raise ValueError("starts with '[' but is not valid JSON") from None
    if not isinstance(entries, list):
        raise ValueError("must be a JSON list of objects")
    return tuple(_from_object(number, entry, known) for number, entry in enumerate(entries, 1))


def _from_object(number: int, entry: object, known: Mapping[str, Option]) -> ListedApp:
    if not isinstance(entry, dict):
        raise ValueError(f"entry {number} is not a JSON object")
    extra = sorted(set(entry) - {"appid", "secret", "options"})
    if extra:
        raise ValueError(f"entry {number} has unknown fields: {', '.join(map(repr, extra))}")
    appid, secret, options = entry.get("appid"), entry.get("secret"), entry.get("options", {})
    if not isinstance(appid, str):
        raise ValueError(f"entry {number} needs an 'appid' string")
    if not isinstance(secret, str) or not secret.strip():
        raise ValueError(f"entry {number} needs a non-empty 'secret' string")
    if not isinstance(options, dict):
        raise ValueError(f"entry {number}: 'options' must be a JSON object")
    return ListedApp(
        _appid(number, appid.strip()), SecretStr(secret.strip()), _options(number, options, known)
    )


def _appid(number: int, appid: str) -> str:
    if not 0 < len(appid) <= MAX_APPID_LENGTH or not all("!" <= c <= "~" for c in appid):
        raise ValueError(
            f"entry {number}: the appid must be 1 to {MAX_APPID_LENGTH} visible ASCII characters"
        )
    return appid


def _options(
    number: int, given: Mapping[str, object], known: Mapping[str, Option]
) -> dict[str, object]:
    taken: dict[str, object] = {}
    for name, value in given.items():
        option = known.get(name)
        if option is None:
            names = ", ".join(known) or "none"
            raise ValueError(f"entry {number}: unknown option {name!r} (this platform's: {names})")
        taken[name] = _typed(number, option, value)
    return taken


def _typed(number: int, option: Option, value: object) -> object:
    """``value`` if it has the type of ``option``'s default (an integer stands for a float)."""
    kind = type(option.default)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if type(value) is not kind:
        raise ValueError(f"entry {number}: option {option.name!r} must be a {kind.__name__}")
    return value


def apps_fields(specs: Iterable[PlatformSpec]) -> tuple[dict[str, object], dict[str, object]]:
    """The annotations and defaults of the ``Settings`` fields of the apps lists of ``specs``
    (read as text, never as JSON by pydantic-settings: :func:`parse_apps` reads both forms)."""
    annotations: dict[str, object] = {}
    defaults: dict[str, object] = {}
    for spec in specs:
        name = spec.apps_field
        annotations[name] = Annotated[
            tuple[ListedApp, ...], NoDecode, PlainValidator(_parser(spec.settings.options))
        ]
        defaults[name] = ()
    return annotations, defaults


def _parser(options: Sequence[Option]) -> Callable[[object], tuple[ListedApp, ...]]:
    def parse(value: object) -> tuple[ListedApp, ...]:
        return parse_apps(value, options)

    return parse


def check_apps(specs: Iterable[PlatformSpec], get: Callable[[str], Any]) -> None:
    """``ValueError`` naming the first of ``specs`` whose settings (read through ``get``) do
    not hold together: half an appid/secret pair, or a pair and a list that disagree."""
    for spec in specs:
        fields = spec.settings
        if (get(fields.appid) is None) != (get(fields.secret) is None):
            appid, secret = fields.env(fields.appid), fields.env(fields.secret)
            raise ValueError(f"set both {appid} and {secret}, or neither")
        configured(spec, get)


def configured(spec: PlatformSpec, get: Callable[[str], Any]) -> tuple[PlatformApp, ...]:
    """``spec``'s apps from settings read through ``get`` (a field name → its value): the
    list, else the one-app pair, each with the platform's options under its own. Both forms
    set is fine only when the pair is one of the list's apps with the same secret (a
    deployment moving from one form to the other); anything else is a ``ValueError``."""
    fields = spec.settings
    appid, secret, listed = get(fields.appid), get(fields.secret), get(spec.apps_field)
    if appid is not None and secret is not None:
        twin = next((app for app in listed if app.appid == appid), None)
        if not listed:
            listed = (ListedApp(appid, secret),)
        elif twin is None or twin.secret.get_secret_value() != secret.get_secret_value():
            raise ValueError(
                f"{fields.env(fields.appid)} and {fields.env(spec.apps_field)} are both set "
                "and disagree (that appid is not listed, or its secret differs): set one "
                "form, or list the same app in both"
            )
    base_url = get(fields.api_base)
    options = {option.name: get(option.field) for option in fields.options}
    return tuple(
        PlatformApp(app.appid, app.secret, base_url, {**options, **app.options}) for app in listed
    )
