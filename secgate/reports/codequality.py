"""GitLab Code Quality report: findings on the merge request's diff lines.

GitLab reads it from ``artifacts: reports: codequality`` and marks each issue on its line in
the merge request's changes view and its Code Quality widget. The format is a JSON array of
issues with ``description``, ``check_name``, ``fingerprint``, ``severity`` and
``location.path`` / ``location.lines.begin`` (GitLab's documented subset of the Code
Climate format; GitLab publishes no JSON schema for it).

- The same findings as the GitLab security reports (:func:`secgate.reports.gitlab.listed`:
  what blocks and what does not only because of the threshold; what the project set aside
  for good is left out), of every kind, secrets and dependency advisories included (a
  manifest's line).
- ``severity`` from the finding's: critical ``blocker``, high ``critical``, medium
  ``major``, low ``minor``, info ``info``.
- ``fingerprint``: GitLab shows one issue per fingerprint, so it is unique per finding and
  stable across runs: an MD5 hex digest of the key the security reports' ids come from
  (scanner, rule, path, content fingerprint, occurrence).
- ``description``: the scanner, the rule and the finding's message (already redacted: no
  secret value), on one line with control and bidi characters shown as escapes; paths are
  relative to the repository root.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from secgate.models import Finding, Severity, Verdict
from secgate.plugins import Reporter
from secgate.reports.gitlab import finding_keys, listed, plain_text, repo_path, report_order
from secgate.reports.locations import ReportBase, report_base

SEVERITIES = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}
MAX_DESCRIPTION = 2_000


def fingerprint(key: str) -> str:
    """The issue's fingerprint: unique per finding, the same in every run."""
    return hashlib.md5(key.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def issue(finding: Finding, key: str, base: ReportBase) -> dict[str, Any]:
    """One Code Quality issue for *finding*."""
    lines: dict[str, int] = {"begin": finding.line or 1}
    if finding.line and finding.end_line and finding.end_line > finding.line:
        lines["end"] = finding.end_line
    text = f"{finding.scanner} {finding.rule_id}: {finding.message}"
    if finding.blocking:
        text = f"[blocking] {text}"
    return {
        "description": plain_text(text, MAX_DESCRIPTION),
        "check_name": plain_text(f"{finding.scanner}/{finding.rule_id}", 255),
        "fingerprint": fingerprint(key),
        "severity": SEVERITIES[finding.severity],
        "location": {"path": repo_path(base, finding.path) or ".", "lines": lines},
    }


def codequality_report(verdict: Verdict) -> list[dict[str, Any]]:
    """The Code Quality issues of *verdict*, in report order."""
    base = report_base(verdict.root)
    findings = report_order(f for f in verdict.findings if listed(f))
    return [issue(f, k, base) for f, k in zip(findings, finding_keys(findings), strict=True)]


class CodeQualityReporter(Reporter):
    """GitLab Code Quality (``artifacts: reports: codequality``)."""

    name: ClassVar[str] = "gitlab-codequality"
    description: ClassVar[str] = (
        "GitLab Code Quality report: findings on the merge request's diff lines"
    )
    extension: ClassVar[str] = ".json"

    def render(self, verdict: Verdict, *, color: bool = False) -> str:
        """The issues as a JSON array."""
        return json.dumps(codequality_report(verdict), indent=2) + "\n"
