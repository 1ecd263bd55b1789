"""The exit codes of the ``secgate`` command: 0 pass, 1 fail, 2 error."""

from __future__ import annotations

from secgate.models import VerdictStatus

#: The verdict's own exit codes (:attr:`secgate.models.VerdictStatus.exit_code`), defined once.
EXIT_PASS = VerdictStatus.PASS.exit_code
EXIT_FAIL = VerdictStatus.FAIL.exit_code
EXIT_ERROR = VerdictStatus.ERROR.exit_code
