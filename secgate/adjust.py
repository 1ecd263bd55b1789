"""The built-in adjust step: what the policy must not judge as new, decided before it runs.

A plugin (entry point ``adjust``) like any other; its ``secgate_adjust_findings`` is
``trylast``, so another plugin's adjustments (the secrets/bandit de-duplication, a
third-party plugin's) come first. It sets ``suppressed_by`` on findings, in this order, the
first that applies winning:

1. Already set aside (``inline`` by its scanner, ``duplicate``…): left alone.
2. A path policy's ``exclude-rules`` covers it: ``path-policy:<id>``.
3. A VEX statement (``vex`` key, ``--vex``) says its package is ``not_affected`` by the
   advisory, or ``fixed``: ``vex:<document>#<statement>``, with the statement's status,
   justification and impact statement in the finding's ``vex.*`` properties (see
   :mod:`secgate.vex`; an ``affected`` statement only annotates it).
4. An active waiver matches it: ``waiver:<id>``. An expired one no longer does; the finding
   records which (``expired_waiver``) and the report says since when.
5. The baseline still has an unused entry with its fingerprint: ``baseline`` (count-aware).
6. With ``--new-since``: it was already there at that ref: ``preexisting``, or for an
   unchanged dependency ``newly-disclosed``.

What it found for the report (waiver and VEX statement states, the baseline's status,
warnings) goes into ``run.notes`` and ``run.warnings``. Because this runs before
``secgate_evaluate``, a plugin that replaces the built-in policy still gets VEX, baselines,
waivers and ``--new-since`` applied.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Literal

from secgate.api import hookimpl
from secgate.models import WaiverStatus
from secgate.pathpolicy import PathMatcher, waiver_matches
from secgate.vex import VexMatcher

if TYPE_CHECKING:
    from secgate.api import RunContext
    from secgate.config import Waiver
    from secgate.models import Finding


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


@hookimpl(trylast=True)
def secgate_adjust_findings(findings: list[Finding], run: RunContext) -> None:
    """Apply path-policy exclusions, VEX, waivers, the baseline and ``--new-since``, in place."""
    paths = PathMatcher(run.config.path_policies)
    waivers = _Waivers(run.config.waivers, run.config.waiver_warning / 86400.0)
    vex = VexMatcher(run.vex)
    staged: list[Finding] = []
    for finding in findings:
        if finding.suppressed_by:
            staged.append(finding)
            continue
        policy = paths.first(finding)
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
        finding = vex.apply(finding)  # noqa: PLW2901 - annotated copy replaces it
        if finding.suppressed_by:
            staged.append(finding)
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

    if run.baseline is not None:
        from secgate.baseline import match  # noqa: PLC0415

        staged, status = match(staged, run.baseline.entries, run.baseline.file)
        run.notes.baseline = status
        if status.fixed:
            fixed = sum(e.count for e in status.fixed)
            run.warnings.append(
                f"baseline {status.file}: {fixed} recorded finding{'s' if fixed != 1 else ''} "
                "no longer occur (fixed); `secgate baseline --prune` drops them"
            )
    if run.previous is not None:
        staged = run.previous.classify(staged)
    statuses, warnings = waivers.statuses()
    run.notes.waivers = statuses
    run.warnings.extend(warnings)
    run.notes.vex, vex_warnings = vex.statuses()
    run.warnings.extend(vex_warnings)
    findings[:] = staged
