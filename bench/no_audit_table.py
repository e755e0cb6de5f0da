"""``wxsession`` with the audit table's observer turned into a no-op: the "before" of
``bench/run.py --only logins --audit-pair``, so the cost of writing the audit trail is
measured against the same code, in the same run. Bench only: the service has no such switch.

    python bench/no_audit_table.py serve --port 8001
"""

from __future__ import annotations

import sys

from wxsession.audit import Event
from wxsession.audit_log.writer import AuditWriter
from wxsession.cli import main


def _ignore(self: AuditWriter, happened: Event) -> None:
    """Nothing queued, nothing written: the log line alone, as before the audit table."""


if __name__ == "__main__":
    AuditWriter.observe = _ignore  # type: ignore[method-assign]
    sys.exit(main())
