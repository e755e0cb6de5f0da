"""The platforms the emulator plays: every platform of the list (``wxsession.platforms``)
with emulated answers, the first (the service's own mini program) the default one. Each
answers from its own ``emulated.py``: its wire format and routes over
:class:`~wxsession.emulator.core.EmulatorCore`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from wxsession.emulator.captcha import CaptchaAnswers
from wxsession.emulator.core import EmulatorCore
from wxsession.emulator.outbox import Outbox
from wxsession.emulator.routing import EmulatedPlatform
from wxsession.emulator.smtp import SmtpOutboxServer
from wxsession.platforms import PLATFORMS as SPECS

EMULATED: tuple[EmulatedPlatform, ...] = tuple(
    emulated for spec in SPECS if (emulated := spec.emulated_platform()) is not None
)
PLATFORMS = tuple(platform.name for platform in EMULATED)


class Emulator(EmulatorCore):
    """Plays every platform of :data:`EMULATED`: ``issue_code`` is the client's login call,
    the routes are their server APIs. ``apps`` are WeChat mini programs (the default
    platform); ``platform_apps`` the apps of the others by name. A platform with no app
    registered accepts any appid/secret pair. Messages (verification codes by SMS or mail)
    land in :attr:`outbox`."""

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
        super().__init__(
            apps,
            platforms=PLATFORMS,
            default_appid=default_appid,
            unionid=unionid,
            clock=clock,
            seed=seed,
            platform_apps=platform_apps,
        )
        self.outbox = Outbox(clock=clock)
        """Messages the emulated SMS vendors and SMTP server received (``/_emulator/outbox``)."""
        self.captchas = CaptchaAnswers()
        """Dev mode's CAPTCHA answers (``/_emulator/captcha/{id}``)."""
        self.smtp: SmtpOutboxServer | None = None
        """The SMTP server feeding :attr:`outbox`, when one runs (dev mode starts one)."""
