"""The service hides what start-up built from Python's cyclic collector (issue 8): a full
collection walked those 150 000 long-lived objects, a tenth of a second of CPU each time."""

from __future__ import annotations

import gc

from wxsession.server.app import create_app
from wxsession.settings import Settings


async def test_what_start_up_built_is_frozen_out_of_the_collector(sqlite_url: str) -> None:
    gc.unfreeze()  # whatever an earlier test in this process froze
    app = create_app(Settings(database_url=sqlite_url))
    async with app.router.lifespan_context(app):
        runtime = app.state.wxsession
        assert gc.get_freeze_count() > 0
        assert not any(obj is runtime for obj in gc.get_objects())  # frozen: not tracked
