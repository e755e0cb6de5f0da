"""Unit tests, mirroring src/wxsession/ (see tests/__init__.py)."""
