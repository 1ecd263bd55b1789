"""secgate: a security gate for CI/CD pipelines.

One call runs the scanners, weighs their findings against the team's policy and answers
pass, fail or error::

    import secgate

    verdict = secgate.check("src/", stage="pr")
    if not verdict.passed:
        raise SystemExit(verdict.exit_code)

Names are imported on first use (PEP 562), so ``import secgate`` — and the pytest plugin,
which pytest imports in every run — costs almost nothing until secgate is actually used.
Importing this package never imports a scanning tool: scanners import them when they run.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0.dev0"

_EXPORTS = {
    "Config": "secgate.config",
    "ScannerOptions": "secgate.config",
    "check": "secgate.engine",
    "evaluate": "secgate.engine",
    "ConfigError": "secgate.errors",
    "ScannerError": "secgate.errors",
    "SecgateError": "secgate.errors",
    "Confidence": "secgate.models",
    "Finding": "secgate.models",
    "PackageInfo": "secgate.models",
    "ScanResult": "secgate.models",
    "ScanStatus": "secgate.models",
    "Severity": "secgate.models",
    "SkippedFile": "secgate.models",
    "Verdict": "secgate.models",
    "VerdictStatus": "secgate.models",
    "Reporter": "secgate.plugins",
    "ScanContext": "secgate.plugins",
    "ScanOutput": "secgate.plugins",
    "Scanner": "secgate.plugins",
    "hookimpl": "secgate.plugins",
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'secgate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


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
