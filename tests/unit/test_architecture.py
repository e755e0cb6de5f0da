"""The shape of the house, read from the source with :mod:`ast` (nothing is imported):

- no import cycle among ``wxsession`` modules: imports at module level and inside functions
  (lazy ones) must be acyclic, and ``TYPE_CHECKING`` imports must not hide a cycle either;
- layers: a module imports only from its own layer or the layers below it;
- wire modules (sans-IO protocol code) and ``core`` load no HTTP, ASGI, SQL or Redis library,
  not even through the wxsession modules they import;
- the ORM ``User`` row stays in the accounts package: everyone else gets a ``UserView``.

There is no list of exceptions: each rule holds for every module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import wxsession

SRC = Path(wxsession.__file__).parent
ROOT = "wxsession"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("wxsession.core",)),
    (
        "foundation",
        (
            "wxsession.origins",
            "wxsession.data_keys",
            "wxsession.avatar_url",
            "wxsession.client_ip",
            "wxsession.csrf",
            "wxsession.metrics",
            "wxsession.db",
            "wxsession.sqlite_async",
            "wxsession.db_probe",
            "wxsession.redis_topology",
            "wxsession.logging_setup",
            "wxsession.audit",
            "wxsession.startup",
        ),
    ),
    (
        "emulator kit",  # what each platform's emulated answers are written with
        (
            "wxsession.emulator.core",
            "wxsession.emulator.faults",
            "wxsession.emulator.records",
            "wxsession.emulator.routing",
            "wxsession.emulator.outbox",
        ),
    ),
    ("platforms", ("wxsession.platforms", "wxsession.messaging")),
    ("settings", ("wxsession.settings",)),  # generated from the platform list
    (
        "stores and seams",
        (
            "wxsession.sessions",
            "wxsession.accounts",
            "wxsession.throttle",
            "wxsession.carriers",
            "wxsession.audit_log",  # the audit table and its writer
            "wxsession.platforms.registry",  # providers built from the settings
            "wxsession.migrate",
            "wxsession.migrations",
        ),
    ),
    ("services", ("wxsession.services",)),
    ("runtime", ("wxsession.runtime", "wxsession.sync")),
    ("server", ("wxsession.server",)),
    ("integrations", ("wxsession.integrations",)),
    (
        "entry points and dev tools",
        (
            "wxsession",  # the public face (__init__) gathers from every layer
            "wxsession.cli",
            "wxsession.admin",
            "wxsession.config_check",
            "wxsession.config_connect",
            "wxsession.dev_mode",
            "wxsession.emulator",
        ),
    ),
]
"""Lowest first. A module belongs to the layer of its longest matching prefix."""

DEV_MODE = ("wxsession.dev_mode", "wxsession.emulator")
DEV_MODE_LOADERS = frozenset({"wxsession.runtime", "wxsession.server.app"})
"""Wiring that may load the emulator and dev mode, inside a function only (or for type
checking), so a production app never imports them; the CLI, in the top layer, may anywhere."""

WIRE_MODULES = (
    "wxsession.platforms.wire",
    "wxsession.platforms.wechat.wire",
    "wxsession.platforms.wechat.api",
    "wxsession.platforms.wechat.errcodes",
    "wxsession.platforms.wechat.crypto",
    "wxsession.platforms.wechat_app.wire",
    "wxsession.platforms.wechat_sns.wire",
    "wxsession.platforms.qq.wire",
    "wxsession.platforms.douyin.wire",
    "wxsession.platforms.baidu.wire",
    "wxsession.platforms.kuaishou.wire",
    "wxsession.platforms.alipay.wire",
    "wxsession.messaging.sms_wire",
    "wxsession.messaging.sms_tencent.wire",
    "wxsession.messaging.sms_aliyun.wire",
)
"""Sans-IO protocol code; every ``core`` module is held to the same rule."""

IO_LIBRARIES = frozenset(
    {
        # HTTP clients and servers, ASGI/WSGI frameworks
        "aiohttp",
        "django",
        "fastapi",
        "flask",
        "gunicorn",
        "h11",
        "http.client",
        "http.server",
        "httpcore",
        "httpx",
        "requests",
        "starlette",
        "urllib.request",
        "urllib3",
        "uvicorn",
        "werkzeug",
        # SQL
        "aiosqlite",
        "alembic",
        "asyncpg",
        "psycopg",
        "psycopg2",
        "sqlalchemy",
        "sqlite3",
        # Redis
        "redis",
        "valkey",
    }
)

ORM_USER_IMPORTERS = frozenset({"wxsession.sessions.ended"})
"""Outside accounts, only SQL that joins the users table may name the ORM ``User`` (the
revocation point's query); no row leaves the accounts package."""


@dataclass(frozen=True, slots=True)
class Import:
    source: str
    target: str
    """A wxsession module, or a third-party module's dotted name."""
    kind: str
    """``module`` (top level), ``function`` (inside a function) or ``typing``."""
    names: tuple[str, ...] = ()


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


@cache
def imports() -> tuple[Import, ...]:
    return tuple(found for name in modules() for found in _imports_of(name))


def _imports_of(name: str) -> Iterator[Import]:
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    yield from _walk(name, package, tree, "module")


def _walk(name: str, package: str, node: ast.AST, kind: str) -> Iterator[Import]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import):
            for alias in child.names:
                yield Import(name, _module_of(alias.name), kind)
        elif isinstance(child, ast.ImportFrom):
            base = child.module or ""
            if child.level:
                anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in child.names:
                submodule = f"{base}.{alias.name}"
                target = submodule if submodule in modules() else _module_of(base)
                yield Import(name, target, kind, (alias.name,))
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            yield from _walk(name, package, ast.Module(body=child.body, type_ignores=[]), "typing")
            yield from _walk(name, package, ast.Module(body=child.orelse, type_ignores=[]), kind)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(name, package, child, "function" if kind == "module" else kind)
        else:
            yield from _walk(name, package, child, kind)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_of(dotted: str) -> str:
    """The wxsession module ``dotted`` names (or is inside), else ``dotted`` itself."""
    while dotted.startswith(ROOT) and dotted not in modules() and "." in dotted:
        dotted = dotted.rpartition(".")[0]
    return dotted


def _internal(found: Import) -> bool:
    return found.target in modules() and found.target != found.source


def _cycles(kinds: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {name: set() for name in modules()}
    for found in imports():
        if found.kind in kinds and _internal(found):
            graph[found.source].add(found.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def layer_of(name: str) -> int:
    best, found = -1, None
    for number, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = name == prefix or name.startswith(prefix + ".")
            if matches and len(prefix) > best:
                best, found = len(prefix), number
    assert found is not None, f"{name} is in no layer: add it to LAYERS"
    return found


def test_every_module_has_a_layer() -> None:
    for name in modules():
        layer_of(name)


def test_runtime_imports_have_no_cycle() -> None:
    """Module-level and function-level imports together: a lazy import hides a cycle, it
    does not remove it."""
    assert _cycles({"module", "function"}) == []


def test_type_checking_imports_hide_no_cycle() -> None:
    assert _cycles({"module", "function", "typing"}) == []


def test_no_module_imports_from_a_layer_above() -> None:
    upward = set()
    for found in imports():
        if not _internal(found) or layer_of(found.target) <= layer_of(found.source):
            continue
        if (
            found.kind in ("function", "typing")
            and found.source in DEV_MODE_LOADERS
            and found.target.startswith(DEV_MODE)
        ):
            continue
        upward.add((found.source, found.target))
    assert sorted(upward) == [], "imports from a higher layer (see LAYERS)"


def _loaded_by(name: str) -> set[str]:
    """The wxsession modules whose imports ``name`` runs: its own (lazy ones too), then the
    module-level imports of each module that loads, with its parent packages (the root's
    public face aside), transitively. A lazy import elsewhere runs only when called."""
    seen: set[str] = set()
    todo = [(name, {"module", "function"})]
    while todo:
        source, kinds = todo.pop()
        if source in seen:
            continue
        seen.add(source)
        parent = source.rpartition(".")[0]
        if parent != ROOT:
            todo.append((parent, {"module"}))
        todo.extend(
            (found.target, {"module"})
            for found in imports()
            if found.source == source and found.kind in kinds and _internal(found)
        )
    return seen


def _io_libraries(name: str) -> list[tuple[str, str]]:
    """The I/O libraries importing ``name`` loads, with the module that imports each."""
    loaded = _loaded_by(name)
    return sorted(
        (found.source, found.target)
        for found in imports()
        if found.source in loaded
        and (found.kind == "module" or (found.kind == "function" and found.source == name))
        and any(found.target == lib or found.target.startswith(lib + ".") for lib in IO_LIBRARIES)
    )


def test_wire_modules_and_core_load_no_io_library() -> None:
    wire = [name for name in modules() if name.startswith("wxsession.core")]
    missing = [name for name in WIRE_MODULES if name not in modules()]
    assert missing == [], "a wire module moved: update WIRE_MODULES"
    for name in [*WIRE_MODULES, *wire]:
        assert _io_libraries(name) == [], f"{name} loads an I/O library"


def test_the_orm_user_stays_in_accounts() -> None:
    naming = {
        found.source
        for found in imports()
        if found.target == "wxsession.accounts.models" and "User" in found.names
    }
    outside = {name for name in naming if not name.startswith("wxsession.accounts")}
    assert outside <= ORM_USER_IMPORTERS, "hand out a UserView (wxsession.core.user) instead"


def test_the_checks_see_what_they_check() -> None:
    """The AST walk finds each kind of import it tells apart (a blind walk passes all)."""
    kinds = {(found.source, found.target, found.kind) for found in imports()}
    assert ("wxsession.sessions.manager", "wxsession.core.session", "module") in kinds
    assert any(kind == "function" for _, _, kind in kinds)
    assert ("wxsession.sessions.ended", "wxsession.accounts.models", "module") in kinds
