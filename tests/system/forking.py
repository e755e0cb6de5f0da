"""Run by ``test_preforked.py`` as its own process (settings from ``WXSESSION_*``): start a
``SyncRuntime``, check a token, fork, and print what passed, one line per step.

``python -m tests.system.forking leave TOKEN``: the child checks ``TOKEN``, then
exits the normal way (atexit handlers, finalizers); then the parent checks it again, on the
connections it opened before the fork.

``python -m tests.system.forking retry TOKEN``: the child waits for a line on stdin
(the test has made the database unreachable), checks ``TOKEN`` (503: its runtime cannot
open), waits for another line (the database is back) and checks it again."""

from __future__ import annotations

import os
import sys

from wxsession.core.errors import SessionStoreUnavailable
from wxsession.settings import load_settings
from wxsession.sync import Headers, RequestSnapshot, SyncRuntime


def check(runtime: SyncRuntime, token: str, who: str) -> None:
    request = RequestSnapshot(headers=Headers({"Authorization": f"Bearer {token}"}))
    active = runtime.authenticate(request)
    assert active is not None and active.record.user_id is not None
    print(who, "ok", flush=True)


def leave(runtime: SyncRuntime, token: str) -> None:
    check(runtime, token, "child")


def retry(runtime: SyncRuntime, token: str) -> None:
    input()
    try:
        check(runtime, token, "child")
    except SessionStoreUnavailable:
        print("child 503", flush=True)
    input()
    check(runtime, token, "child")


def main(mode: str, token: str) -> None:
    runtime = SyncRuntime(load_settings(), timeout=3).start()
    check(runtime, token, "parent")
    child = os.fork()
    if child == 0:
        {"leave": leave, "retry": retry}[mode](runtime, token)
        sys.exit(0)
    _, status = os.waitpid(child, 0)
    print("child exit", os.waitstatus_to_exitcode(status), flush=True)
    if mode == "leave":
        check(runtime, token, "parent after child")
    runtime.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
