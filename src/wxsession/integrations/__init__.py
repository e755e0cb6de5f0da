"""Thin adapters that bring wxsession sessions into other web frameworks."""
