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
    "PluginError": "secgate.errors",
    "Confidence": "secgate.models",
    "Coverage": "secgate.models",
    "Finding": "secgate.models",
    "GapKind": "secgate.models",
    "PackageInfo": "secgate.models",
    "ScanResult": "secgate.models",
    "ScanStatus": "secgate.models",
    "Severity": "secgate.models",
    "SkippedFile": "secgate.models",
    "Verdict": "secgate.models",
    "VerdictStatus": "secgate.models",
    "SECGATE_API_VERSION": "secgate.api",
    "Availability": "secgate.api",
    "Decision": "secgate.api",
    "FileDigests": "secgate.api",
    "Reporter": "secgate.api",
    "RuleInfo": "secgate.api",
    "RunContext": "secgate.api",
    "ScanContext": "secgate.api",
    "ScanOutput": "secgate.api",
    "Scanner": "secgate.api",
    "bundled_rules": "secgate.api",
    "hookimpl": "secgate.api",
    "package_version": "secgate.api",
    "VerificationResult": "secgate.attest",
    "attest": "secgate.attest",
    "verify_attestation": "secgate.attest",
}

if TYPE_CHECKING:
    from secgate.api import (
        SECGATE_API_VERSION,
        Availability,
        Decision,
        FileDigests,
        Reporter,
        RuleInfo,
        RunContext,
        ScanContext,
        Scanner,
        ScanOutput,
        bundled_rules,
        hookimpl,
        package_version,
    )
    from secgate.attest import VerificationResult, attest, verify_attestation
    from secgate.config import (
        Config,
        ScannerOptions,
    )
    from secgate.engine import (
        check,
        evaluate,
    )
    from secgate.errors import (
        ConfigError,
        PluginError,
        ScannerError,
        SecgateError,
    )
    from secgate.models import (
        Confidence,
        Coverage,
        Finding,
        GapKind,
        PackageInfo,
        ScanResult,
        ScanStatus,
        Severity,
        SkippedFile,
        Verdict,
        VerdictStatus,
    )


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
    "SECGATE_API_VERSION",
    "Availability",
    "Confidence",
    "Config",
    "ConfigError",
    "Coverage",
    "Decision",
    "FileDigests",
    "Finding",
    "GapKind",
    "PackageInfo",
    "PluginError",
    "Reporter",
    "RuleInfo",
    "RunContext",
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
    "VerificationResult",
    "__version__",
    "attest",
    "bundled_rules",
    "check",
    "evaluate",
    "hookimpl",
    "package_version",
    "verify_attestation",
]
