"""Matching findings to path policies, waivers and thresholds: shared by adjust and policy.

A finding is judged where it takes effect (its ``policy_path`` property when its scanner set
one, else its path): the first ``[[tool.secgate.paths]]`` policy whose globs match it
applies, then the built-in test-code one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from secgate.files import spec_of

if TYPE_CHECKING:
    from secgate.api import RunContext
    from secgate.config import PathPolicy, Waiver
    from secgate.models import Finding, Severity


class PathMatcher:
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
    """Whether every match key the waiver sets agrees with the finding, or with one of the
    partners merged into it (a waiver written for bandit's B602 still covers the merged
    finding the pack's rule now holds)."""
    if _matches(waiver, finding, finding.scanner, finding.rule_id, finding.fingerprint):
        return True
    return any(
        _matches(waiver, finding, related.scanner, related.rule_id, related.fingerprint)
        for related in finding.related
    )


def _matches(
    waiver: Waiver, finding: Finding, scanner: str, rule_id: str, fingerprint: str
) -> bool:
    if waiver.scanner is not None and waiver.scanner != scanner:
        return False
    if waiver.rule is not None and waiver.rule != rule_id:
        return False
    if waiver.fingerprint is not None and waiver.fingerprint != fingerprint:
        return False
    if waiver.advisory is not None:
        ids = {rule_id}
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
