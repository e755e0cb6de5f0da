"""Fixtures for the reliability campaign: the real server of ``tests/server`` (SQLite, and
Redis sessions + PostgreSQL users), reused here rather than rebuilt."""

from __future__ import annotations

from tests.server.conftest import backend, make_service, service

__all__ = ["backend", "make_service", "service"]
