"""secgate: a security gate for CI/CD pipelines.

One call runs the scanners, weighs their findings against the team's policy and answers
pass, fail or error::

    import secgate

    verdict = secgate.check("src/", stage="pr")
    if not verdict.passed:
        raise SystemExit(verdict.exit_code)

Importing this package imports no scanning tool: scanners import them when they run.
"""

from __future__ import annotations

__version__ = "0.1.0.dev0"

from secgate.config import Config, ScannerOptions
from secgate.engine import check, evaluate
from secgate.errors import ConfigError, ScannerError, SecgateError
from secgate.models import (
    Confidence,
    Finding,
    PackageInfo,
    ScanResult,
    ScanStatus,
    Severity,
    SkippedFile,
    Verdict,
    VerdictStatus,
)
from secgate.plugins import Reporter, ScanContext, Scanner, ScanOutput, hookimpl

__all__ = [
    "Confidence",
    "Config",
    "ConfigError",
    "Finding",
    "PackageInfo",
    "Reporter",
    "ScanContext",
    "ScanOutput",
    "ScanResult",
    "ScanStatus",
    "Scanner",
    "ScannerError",
    "ScannerOptions",
    "SecgateError",
    "Severity",
    "SkippedFile",
    "Verdict",
    "VerdictStatus",
    "__version__",
    "check",
    "evaluate",
    "hookimpl",
]
