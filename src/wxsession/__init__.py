"""wxsession: WeChat mini-program login sessions, as a service or inside your own app.

The public face: import what your app needs from here (``from wxsession import Settings``).
Each web framework has its own entry point beside it, since their names overlap
(``login_required``, ``current_user``) and each imports its framework:
``wxsession.integrations.fastapi``, ``wxsession.integrations.flask`` and
``wxsession.integrations.django``. Everything else is internal and may move.

Names load on first use, so ``import wxsession`` stays cheap and a Flask app never imports
FastAPI (which :func:`create_app` needs) or anything else it does not ask for.
"""

TYPE_CHECKING = False  # not typing's: importing typing would cost more than all of this module
if TYPE_CHECKING:
    from wxsession.core.errors import WxSessionError
    from wxsession.core.session import ActiveSession
    from wxsession.core.user import UserView
    from wxsession.server.app import create_app
    from wxsession.settings import Settings

__all__ = ["ActiveSession", "Settings", "UserView", "WxSessionError", "create_app"]

_HOMES = {
    "ActiveSession": "wxsession.core.session",
    "Settings": "wxsession.settings",
    "UserView": "wxsession.core.user",
    "WxSessionError": "wxsession.core.errors",
    "create_app": "wxsession.server.app",
}
"""Where each public name lives: the one place to update when a module moves."""


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'wxsession' has no attribute {name!r}")
    from importlib import import_module  # here, not above: only once a name is asked for

    value = getattr(import_module(home), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
