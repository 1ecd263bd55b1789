"""The ``bandit`` scanner: bandit's tests run in-process through its Python API.

A plugin module like any third-party one (entry point ``bandit`` in the ``secgate`` group).
The parent process takes every Python file of secgate's own file list, splits them into
chunks balanced by size and hands them to worker processes; each worker drives a
``BanditManager`` file by file and returns plain data. Small trees are scanned in-process:
starting workers would cost more than it saves.

These things differ from ``bandit -r`` on purpose:

* Bandit is handed secgate's explicit file list: its own default excludes (substring
  matches: ``CVS``, ``.git``, ``.tox``… would drop ``app/CVSReader.py`` and all of
  ``.github/``) and ``[tool.bandit]`` ``exclude_dirs``/``include`` do not apply; secgate's
  collector decides what is excluded, and every file bandit does not scan is listed with a
  reason and a gap kind. ``[tool.bandit]`` settings that turn detection off are reported
  as weakenings (see :mod:`secgate.scanners.bandit.config`).
* A file this Python cannot parse because it uses newer syntax (a 3.12 f-string on 3.11)
  is a ``newer-python`` gap, not an unparsable one (see :mod:`secgate.scanners.bandit.gaps`
  and :mod:`secgate.pysyntax`).
* ``# nosec`` findings are reported with ``suppressed_by="inline:nosec"`` instead of being
  dropped. Bandit's own nosec parsing and matching decide which ones (the tester records
  bandit's decision instead of acting on it), so the set that bandit would drop is exactly
  the set secgate marks suppressed.
* The hard-coded password tests (B105, B106, B107) put the password into their message;
  secgate keeps its first characters and its length only, sets no snippet for them, and
  fingerprints them without the value.

One job per module: :mod:`~.options` (the options table), :mod:`~.config` (``[tool.bandit]``
and its weakenings), :mod:`~.gaps` (why a file could not be parsed), :mod:`~.findings`
(bandit issue to finding, redaction, snippets), :mod:`~.worker` (the plan, bandit's manager,
the worker pool) and :mod:`~.scanner` (the scanner class). This module is the plugin: it
registers the scanner and re-exports the names code outside the package uses.
"""

from __future__ import annotations

from secgate.plugins import Scanner, hookimpl
from secgate.scanners.bandit.config import (
    PYPROJECT,
    tool_bandit_file,
    tool_bandit_table,
    tree_weakenings,
)
from secgate.scanners.bandit.findings import (
    NOSEC,
    PASSWORD_TESTS,
    SNIPPET_MAX_LINES,
    redact_password_message,
)
from secgate.scanners.bandit.gaps import explain_unparsable, unparsable_gap
from secgate.scanners.bandit.options import INSTALL_HINT, NAME, BanditOptions
from secgate.scanners.bandit.scanner import BanditScanner
from secgate.scanners.bandit.worker import (
    MIN_CHUNK_BYTES,
    POOL_MIN_BYTES,
    _stop_pool,
    balanced_chunks,
    can_spawn_workers,
    scan_chunk,
)

__all__ = [
    "INSTALL_HINT",
    "MIN_CHUNK_BYTES",
    "NAME",
    "NOSEC",
    "PASSWORD_TESTS",
    "POOL_MIN_BYTES",
    "PYPROJECT",
    "SNIPPET_MAX_LINES",
    "BanditOptions",
    "BanditScanner",
    "_stop_pool",
    "balanced_chunks",
    "can_spawn_workers",
    "explain_unparsable",
    "redact_password_message",
    "scan_chunk",
    "secgate_register_scanners",
    "tool_bandit_file",
    "tool_bandit_table",
    "tree_weakenings",
    "unparsable_gap",
]


@hookimpl
def secgate_register_scanners() -> list[type[Scanner]]:
    """The bandit scanner."""
    return [BanditScanner]
