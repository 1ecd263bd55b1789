"""The built-in policy: which findings block, and the verdict.

A plugin (entry point ``policy``) like any other; its ``secgate_evaluate`` is ``trylast``, so
a plugin that returns a decision first replaces it.

Rules, in the order they are applied:

1. Scanner errors: under ``on-scanner-error = "fail"`` (the default) any scanner whose status
   is ``error`` makes the verdict ``error``; a gate that could not look must not pass.
2. No scanner ran at all: ``error``.
3. Findings already set aside (``suppressed_by`` set by the scanner, e.g. ``inline``, or by a
   ``secgate_adjust_findings`` plugin, e.g. ``baseline`` or ``waiver:<id>``) do not block.
4. Every other finding blocks when its severity is at or above the threshold: the scanner's
   own ``fail-on`` if set, else the global ``fail-on``; below it, ``suppressed_by`` is
   ``below-threshold``.
5. Any blocking finding: ``fail``. Otherwise ``pass``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from secgate.models import Finding, ScanStatus, Severity, VerdictStatus
from secgate.plugins import Decision, hookimpl

if TYPE_CHECKING:
    from secgate.models import ScanResult
    from secgate.plugins import RunContext

BELOW_THRESHOLD = "below-threshold"


def threshold_for(finding: Finding, run: RunContext) -> tuple[Severity, str]:
    """The severity at which *finding* blocks, and the config key that set it."""
    options = run.options.get(finding.scanner)
    if options is not None and options.fail_on is not None:
        return options.fail_on, f"scanners.{finding.scanner}.fail-on"
    return run.config.fail_on, "fail-on"


def _count_by_severity(findings: list[Finding]) -> str:
    counts: dict[Severity, int] = {}
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return ", ".join(f"{counts[s]} {s}" for s in sorted(counts, reverse=True))


@hookimpl(trylast=True)
def secgate_evaluate(
    findings: list[Finding], results: list[ScanResult], run: RunContext
) -> Decision:
    """Apply thresholds and fail-closed error handling (see the module docstring)."""
    judged: list[Finding] = []
    for finding in findings:
        if finding.suppressed_by:
            judged.append(
                finding.model_copy(
                    update={
                        "blocking": False,
                        "decided_by": finding.decided_by or f"suppressed ({finding.suppressed_by})",
                    }
                )
            )
            continue
        threshold, key = threshold_for(finding, run)
        if finding.severity >= threshold:
            judged.append(
                finding.model_copy(
                    update={
                        "blocking": True,
                        "suppressed_by": None,
                        "decided_by": f"{key}={threshold}",
                    }
                )
            )
        else:
            judged.append(
                finding.model_copy(
                    update={
                        "blocking": False,
                        "suppressed_by": BELOW_THRESHOLD,
                        "decided_by": f"{key}={threshold}",
                    }
                )
            )

    blocking = [f for f in judged if f.blocking]
    errors = [r for r in results if r.status is ScanStatus.ERROR]
    ran = [r for r in results if r.status is ScanStatus.OK]
    stage = f" (stage {run.stage})" if run.stage else ""
    reasons: list[str] = []

    error_lines = [f"scanner {r.name} failed: {r.error or 'unknown error'}" for r in errors]
    if errors and run.config.on_scanner_error == "fail":
        status, decided_by = VerdictStatus.ERROR, "on-scanner-error=fail"
        reasons.extend(error_lines)
        reasons.append(
            "a security gate fails closed: fix the scanner, or set "
            'on-scanner-error = "warn" to judge the other scanners alone'
        )
    elif not ran:
        status, decided_by = VerdictStatus.ERROR, "no-scanner-ran"
        reasons.append(
            "no scanner ran, so nothing was checked; install one "
            "(pip install 'secgate-ci[all]') or select one with --scanner"
        )
        reasons.extend(error_lines)
    elif blocking:
        status, decided_by = VerdictStatus.FAIL, "blocking-findings"
        reasons.append(
            f"{len(blocking)} blocking finding{'s' if len(blocking) != 1 else ''} "
            f"({_count_by_severity(blocking)}) at or above the threshold{stage}"
        )
    else:
        status, decided_by = VerdictStatus.PASS, "no-blocking-findings"
        set_aside = len(judged)
        reasons.append(
            f"no blocking findings{stage}: fail-on={run.config.fail_on}, "
            f"{set_aside} finding{'s' if set_aside != 1 else ''} reported, none blocking"
        )
    if errors and run.config.on_scanner_error == "warn":
        reasons.extend(f"{line} (on-scanner-error=warn)" for line in error_lines)
    return Decision(status=status, reasons=reasons, decided_by=decided_by, findings=judged)
