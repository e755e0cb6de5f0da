"""Run by ``test_preforked.py`` as its own process (``python -m tests.integrations.forking
TOKEN``, settings from ``WXSESSION_*``): start a ``SyncRuntime``, check ``TOKEN``, fork; the
child checks it, then exits the normal way (atexit handlers, finalizers); then the parent
checks it again on the connections it opened before the fork. Prints what passed."""

from __future__ import annotations

import os
import sys

from wxsession.settings import load_settings
from wxsession.sync import Headers, RequestSnapshot, SyncRuntime


def check(runtime: SyncRuntime, token: str, who: str) -> None:
    request = RequestSnapshot(headers=Headers({"Authorization": f"Bearer {token}"}))
    active = runtime.authenticate(request)
    assert active is not None and active.record.user_id is not None
    print(who, "ok", flush=True)


def main(token: str) -> None:
    runtime = SyncRuntime(load_settings(), timeout=3).start()
    check(runtime, token, "parent")
    child = os.fork()
    if child == 0:
        check(runtime, token, "child")
        sys.exit(0)
    _, status = os.waitpid(child, 0)
    print("child exit", os.waitstatus_to_exitcode(status), flush=True)
    check(runtime, token, "parent after child")
    runtime.close()


if __name__ == "__main__":
    main(sys.argv[1])
