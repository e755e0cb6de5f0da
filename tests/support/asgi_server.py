"""Temporary alias while the tree is being reorganised (see wxsession.server.background)."""

from tests.support.clock import MovableClock
from wxsession.server.background import free_port, serve_in_thread

__all__ = ["MovableClock", "free_port", "serve_in_thread"]
