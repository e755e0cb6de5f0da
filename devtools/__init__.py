"""Development tools shared by the test suite and the benchmarks (bench/), not shipped in the
wheel: pytest puts the repository root on ``sys.path`` (pyproject ``pythonpath``), and the
bench scripts insert it themselves."""
