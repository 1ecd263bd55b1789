"""The ``secgate`` command: parse arguments, call the engine, print, exit.

Exit codes: 0 pass, 1 fail (blocking findings), 2 error (bad usage or config, or a scanner
that could not do its job under the default fail-closed policy).

One job per module: ``entry`` (main: dispatch and exit codes), ``parser`` (every option and
help text), one module per command (``check``, ``evaluate``, ``merge``, ``baseline``,
``scanners``, ``rules``, ``db``), ``output`` (report files, stdout, error lines),
``progress`` (the live terminal display) and ``exitcodes``.
"""

from __future__ import annotations

from secgate.cli.entry import console_main, main
from secgate.cli.parser import build_parser

__all__ = ["build_parser", "console_main", "main"]
