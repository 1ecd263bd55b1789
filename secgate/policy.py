"""The built-in policy: which findings block, and the verdict.

A plugin (entry point ``policy``) like any other; its ``secgate_evaluate`` is ``trylast``, so
a plugin that returns a decision first replaces it. It decides only from what the adjust
step produced (:mod:`secgate.adjust`: path-policy exclusions, waivers, the baseline,
``--new-since``): a finding set aside there (``suppressed_by``) does not block; any other
blocks when its severity is at or above the threshold: the first matching path policy's
``fail-on`` (the built-in one relaxes test, docs and example code to critical, except for
secrets), else the scanner's ``fail-on``, else the global one; below it,
``below-threshold``.

The verdict: ``error`` when a scanner failed under ``on-scanner-error = "fail"`` (the default)
or when no scanner ran; else ``fail`` when any finding blocks; else ``pass``. (The coverage
policy, :mod:`secgate.coverage`, is laid over the decision by the engine.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from secgate.api import Decision, hookimpl
from secgate.models import Finding, ScanStatus, Severity, VerdictStatus
from secgate.pathpolicy import PathMatcher, threshold_for, waiver_matches

if TYPE_CHECKING:
    from secgate.api import RunContext
    from secgate.models import ScanResult

__all__ = ["BELOW_THRESHOLD", "secgate_evaluate", "threshold_for", "waiver_matches"]

#: Kept for code that imported the matcher from here.
_PathMatcher = PathMatcher

BELOW_THRESHOLD = "below-threshold"


def _count_by_severity(findings: list[Finding]) -> str:
    counts: dict[Severity, int] = {}
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return ", ".join(f"{counts[s]} {s}" for s in sorted(counts, reverse=True))


def _own_thresholds(run: RunContext) -> str:
    """`` (bandit: critical)`` for scanners whose own fail-on differs: the effective ones."""
    own = sorted(
        f"{name}: {opts.fail_on}"
        for name, opts in run.options.items()
        if opts.fail_on is not None and opts.fail_on != run.config.fail_on
    )
    return f" ({', '.join(own)})" if own else ""


def _judge_findings(findings: list[Finding], run: RunContext) -> list[Finding]:
    paths = PathMatcher(run.config.path_policies)
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
        threshold, key = threshold_for(finding, run, paths.first(finding))
        lapsed_id = finding.properties.get("expired_waiver")
        note = f"; waiver {lapsed_id} expired" if lapsed_id else ""
        blocks = finding.severity >= threshold
        judged.append(
            finding.model_copy(
                update={
                    "blocking": blocks,
                    "suppressed_by": None if blocks else BELOW_THRESHOLD,
                    "decided_by": f"{key}={threshold}{note}",
                }
            )
        )
    return judged


@hookimpl(trylast=True)
def secgate_evaluate(
    findings: list[Finding], results: list[ScanResult], run: RunContext
) -> Decision:
    """Apply the rules in the module docstring."""
    judged = _judge_findings(findings, run)
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
        new = " new" if run.previous is not None else ""
        reasons.append(
            f"{len(blocking)} blocking{new} finding{'s' if len(blocking) != 1 else ''} "
            f"({_count_by_severity(blocking)}) at or above the threshold{stage}"
        )
    else:
        status, decided_by = VerdictStatus.PASS, "no-blocking-findings"
        reasons.append(
            f"no blocking findings{stage}: fail-on={run.config.fail_on}{_own_thresholds(run)}, "
            f"{len(judged)} finding{'s' if len(judged) != 1 else ''} reported, none blocking"
        )
    if errors and run.config.on_scanner_error == "warn":
        reasons.extend(f"{line} (on-scanner-error=warn)" for line in error_lines)
    return Decision(
        status=status,
        reasons=reasons,
        decided_by=decided_by,
        findings=judged,
        baseline=run.notes.baseline,
        waivers=list(run.notes.waivers),
    )
