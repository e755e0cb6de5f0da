"""The audit trail in SQL: the ``audit_events`` table (:mod:`.table`) and its batched writer
(:mod:`.writer`). The read side, for the API and the console, is
:mod:`wxsession.services.audit_trail`."""
