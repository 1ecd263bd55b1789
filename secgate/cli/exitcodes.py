"""The exit codes of the ``secgate`` command: 0 pass, 1 fail, 2 error."""

from __future__ import annotations

EXIT_PASS, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
