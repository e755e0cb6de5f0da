"""The test suite. Where a test goes:

- ``unit/``: one module or package at a time, in process, in a folder that mirrors
  ``src/wxsession/`` (``unit/platforms/wechat/test_crypto.py`` tests
  ``platforms/wechat/crypto.py``); real SQLite, Redis or an emulator where the code needs them.
- ``contract/``: the suites every implementation of a seam passes (session stores, providers).
- ``api/``: the service over HTTP, a real server on both backends (``service`` fixture).
- ``system/``: real processes: the CLI, ``wxsession serve``, several instances, gunicorn,
  the SDK under node; ``system/reliability/`` is the fault, fuzz and load campaign (``slow``).
- ``docs/``: the documentation holds true (generated API docs, the tests docs name, and
  this layout: ``docs/test_suite_layout.py``).
- ``support/``: fixtures (loaded as plugins by ``conftest.py``) and helpers; servers that
  ``bench/`` needs too are in ``devtools/`` at the repository root.

Test file names are unique across the suite.
"""
