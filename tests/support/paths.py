"""Where the repository is, so a test module's own depth in tests/ never matters."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository root (docs/, scripts/, clients/, examples/)."""
