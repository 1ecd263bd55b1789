"""The built-in policy: which findings block, and the verdict.

A plugin (entry point ``policy``) like any other; its ``secgate_evaluate`` is ``trylast``, so
a plugin that returns a decision first replaces it.

Each finding is judged by the first rule that applies:

1. Already set aside before the policy (``suppressed_by`` set by its scanner, e.g. ``inline``,
   or by a ``secgate_adjust_findings`` plugin, e.g. ``duplicate``): does not block.
2. A path policy's ``exclude-rules`` covers it: ``path-policy:<id>``.
3. An active waiver matches it: ``waiver:<id>``. An expired waiver no longer matches; the
   report says which waiver expired and since when.
4. The baseline still has an unused entry with its fingerprint: ``baseline`` (count-aware).
5. With ``--new-since``: it was already there at that ref: ``preexisting``, or for an
   unchanged dependency ``newly-disclosed``.
6. Its severity is at or above the threshold: it blocks. The threshold is the first matching
   path policy's ``fail-on`` (the built-in one relaxes test, docs and example code to
   critical, except for secrets), else the scanner's ``fail-on``, else the global one; below
   it, ``below-threshold``.

The verdict: ``error`` when a scanner failed under ``on-scanner-error = "fail"`` (the default)
or when no scanner ran; else ``fail`` when any finding blocks; else ``pass``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Literal

from secgate.files import spec_of
from secgate.models import Finding, ScanStatus, Severity, VerdictStatus, WaiverStatus
from secgate.plugins import Decision, hookimpl

if TYPE_CHECKING:
    from secgate.config import PathPolicy, Waiver
    from secgate.models import ScanResult
    from secgate.plugins import RunContext

BELOW_THRESHOLD = "below-threshold"


class _PathMatcher:
    """The first path policy that applies to a finding.

    A finding is judged where it takes effect: its ``policy_path`` property when the scanner
    set one (a dependency declared in ``docs/requirements.txt`` but installed by
    ``pip install -r requirements.txt`` is judged as ``requirements.txt``), else its path.
    """

    def __init__(self, policies: tuple[PathPolicy, ...]) -> None:
        self.policies = [(policy, spec_of(policy.paths)) for policy in policies]

    @staticmethod
    def judged_path(finding: Finding) -> str:
        """The path the path policies are matched against."""
        value = finding.properties.get("policy_path")
        return value if isinstance(value, str) and value else finding.path

    def first(self, finding: Finding) -> PathPolicy | None:
        path = self.judged_path(finding)
        for policy, spec in self.policies:
            if policy.scanners is not None and finding.scanner not in policy.scanners:
                continue
            if finding.scanner in policy.except_scanners:
                continue
            if spec.match_file(path):
                return policy
        return None


def waiver_matches(waiver: Waiver, finding: Finding) -> bool:
    """Whether every match key the waiver sets agrees with the finding."""
    if waiver.scanner is not None and waiver.scanner != finding.scanner:
        return False
    if waiver.rule is not None and waiver.rule != finding.rule_id:
        return False
    if waiver.fingerprint is not None and waiver.fingerprint != finding.fingerprint:
        return False
    if waiver.advisory is not None:
        ids = {finding.rule_id}
        if finding.package is not None:
            ids.update(finding.package.aliases)
            if finding.package.advisory_id:
                ids.add(finding.package.advisory_id)
        if waiver.advisory not in ids:
            return False
    return waiver.path is None or spec_of((waiver.path,)).match_file(finding.path)


def threshold_for(
    finding: Finding, run: RunContext, path_policy: PathPolicy | None = None
) -> tuple[Severity, str]:
    """The severity at which *finding* blocks, and the config key that set it."""
    if path_policy is not None and path_policy.fail_on is not None:
        return path_policy.fail_on, f"paths[{path_policy.label}].fail-on"
    options = run.options.get(finding.scanner)
    if options is not None and options.fail_on is not None:
        return options.fail_on, f"scanners.{finding.scanner}.fail-on"
    return run.config.fail_on, "fail-on"


def _count_by_severity(findings: list[Finding]) -> str:
    counts: dict[Severity, int] = {}
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return ", ".join(f"{counts[s]} {s}" for s in sorted(counts, reverse=True))


def _today() -> date:
    return datetime.now(UTC).date()


class _Waivers:
    """Waiver bookkeeping for one run."""

    def __init__(self, waivers: tuple[Waiver, ...], warning_days: float) -> None:
        self.today = _today()
        self.warning_days = warning_days
        self.waivers = waivers
        self.matched = {w.id: 0 for w in waivers}

    def expired(self, waiver: Waiver) -> bool:
        return waiver.expires < self.today

    def apply(self, finding: Finding) -> tuple[Waiver | None, Waiver | None]:
        """(the active waiver that excuses *finding*, an expired one that would have)."""
        lapsed = None
        for waiver in self.waivers:
            if not waiver_matches(waiver, finding):
                continue
            self.matched[waiver.id] += 1
            if self.expired(waiver):
                lapsed = lapsed or waiver
                continue
            return waiver, None
        return None, lapsed

    def statuses(self) -> tuple[list[WaiverStatus], list[str]]:
        statuses: list[WaiverStatus] = []
        warnings: list[str] = []
        for waiver in self.waivers:
            days_left = (waiver.expires - self.today).days
            matched = self.matched[waiver.id]
            state: Literal["active", "expiring", "expired"]
            if self.expired(waiver):
                state = "expired"
                blocked = (
                    f"; {matched} finding{'s' if matched != 1 else ''} it covered no longer excused"
                    if matched
                    else ""
                )
                warnings.append(
                    f"waiver {waiver.id} expired on {waiver.expires} "
                    f"({-days_left} day{'s' if days_left != -1 else ''} ago){blocked}"
                )
            elif days_left <= self.warning_days:
                state = "expiring"
                warnings.append(
                    f"waiver {waiver.id} expires on {waiver.expires} (in {days_left} "
                    f"day{'s' if days_left != 1 else ''}): fix the finding or renew it"
                )
            else:
                state = "active"
            unused = matched == 0 and state != "expired"
            if unused:
                warnings.append(f"waiver {waiver.id} matched no finding (unused): remove it")
            statuses.append(
                WaiverStatus(
                    id=waiver.id,
                    state=state,
                    expires=waiver.expires,
                    days_left=days_left,
                    matched=matched,
                    unused=unused,
                    reason=waiver.reason,
                    owner=waiver.owner,
                    ticket=waiver.ticket,
                )
            )
        return statuses, warnings


def _judge_findings(findings: list[Finding], run: RunContext) -> tuple[list[Finding], _Waivers]:
    paths = _PathMatcher(run.config.path_policies)
    waivers = _Waivers(run.config.waivers, run.config.waiver_warning / 86400.0)
    staged: list[Finding] = []
    policies: list[PathPolicy | None] = []
    for finding in findings:
        policy = paths.first(finding)
        policies.append(policy)
        if finding.suppressed_by:
            staged.append(finding)
            continue
        if policy is not None and finding.rule_id in policy.exclude_rules:
            staged.append(
                finding.model_copy(
                    update={
                        "suppressed_by": f"path-policy:{policy.label}",
                        "decided_by": f"paths[{policy.label}].exclude-rules",
                    }
                )
            )
            continue
        active, lapsed = waivers.apply(finding)
        if active is not None:
            staged.append(
                finding.model_copy(
                    update={
                        "suppressed_by": f"waiver:{active.id}",
                        "decided_by": f"waiver {active.id} (expires {active.expires})",
                    }
                )
            )
            continue
        if lapsed is not None:
            finding = finding.model_copy(  # noqa: PLW2901 - annotated copy replaces it
                update={"properties": {**finding.properties, "expired_waiver": lapsed.id}}
            )
        staged.append(finding)

    entries = run.extras.get("baseline_entries")
    if entries is not None:
        from secgate.baseline import match  # noqa: PLC0415

        staged, status = match(staged, entries, str(run.extras.get("baseline_file", "")))
        run.extras["baseline_status"] = status
    previous = run.extras.get("previous")
    if previous is not None:
        staged = previous.classify(staged)

    judged: list[Finding] = []
    for finding, policy in zip(staged, policies, strict=True):
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
        threshold, key = threshold_for(finding, run, policy)
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
    return judged, waivers


@hookimpl(trylast=True)
def secgate_evaluate(
    findings: list[Finding], results: list[ScanResult], run: RunContext
) -> Decision:
    """Apply the rules in the module docstring."""
    judged, waivers = _judge_findings(findings, run)
    waiver_statuses, warnings = waivers.statuses()
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
        new = " new" if run.extras.get("previous") is not None else ""
        reasons.append(
            f"{len(blocking)} blocking{new} finding{'s' if len(blocking) != 1 else ''} "
            f"({_count_by_severity(blocking)}) at or above the threshold{stage}"
        )
    else:
        status, decided_by = VerdictStatus.PASS, "no-blocking-findings"
        reasons.append(
            f"no blocking findings{stage}: fail-on={run.config.fail_on}, "
            f"{len(judged)} finding{'s' if len(judged) != 1 else ''} reported, none blocking"
        )
    if errors and run.config.on_scanner_error == "warn":
        reasons.extend(f"{line} (on-scanner-error=warn)" for line in error_lines)
    baseline = run.extras.get("baseline_status")
    if baseline is not None and baseline.fixed:
        fixed = sum(e.count for e in baseline.fixed)
        warnings.append(
            f"baseline {baseline.file}: {fixed} recorded finding{'s' if fixed != 1 else ''} "
            "no longer occur (fixed); `secgate baseline --prune` drops them"
        )
    return Decision(
        status=status,
        reasons=reasons,
        decided_by=decided_by,
        findings=judged,
        warnings=warnings,
        baseline=baseline,
        waivers=waiver_statuses,
    )
