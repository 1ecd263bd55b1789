"""SARIF 2.1.0, the format GitHub code scanning and most security dashboards read.

One run per scanner that ran, each with its own ``automationDetails.id`` category: GitHub
rejects an upload whose runs share a category. Findings set aside by a baseline, a waiver or
an inline comment carry a SARIF ``suppressions`` entry; findings merely below the threshold
do not (they are reported, not dismissed).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar
from urllib.parse import quote

from secgate.models import Finding, ScanResult, ScanStatus, Severity, Verdict
from secgate.plugins import Reporter

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/secgate-ci/secgate"

#: SARIF has three result levels.
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

#: GitHub's `security-severity` property: a CVSS-like score that it buckets into
#: critical (>= 9.0), high (7.0-8.9), medium (4.0-6.9) and low (< 4.0).
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def _uri(path: str) -> str:
    return quote(path, safe="/-._~")


def _rule(rule_id: str, findings: list[Finding]) -> dict[str, Any]:
    first = findings[0]
    severity = max(f.severity for f in findings)
    cwes = sorted({c for f in findings for c in f.cwe})
    help_text = first.help_text or first.message
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": first.message.splitlines()[0][:200] or rule_id},
        "fullDescription": {"text": first.message},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {
            "tags": ["security", *(f"external/cwe/cwe-{c}" for c in cwes)],
            "security-severity": SECURITY_SEVERITY[severity],
            "precision": {"high": "high", "medium": "medium", "low": "low"}[
                max(f.confidence for f in findings).value
            ],
        },
    }
    if first.help_url:
        rule["helpUri"] = first.help_url
    return rule


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    location: dict[str, Any] = {
        "artifactLocation": {"uri": _uri(finding.path), "uriBaseId": "%SRCROOT%"},
    }
    if finding.line:
        region: dict[str, Any] = {"startLine": finding.line}
        if finding.end_line and finding.end_line >= finding.line:
            region["endLine"] = finding.end_line
        if finding.column:
            region["startColumn"] = finding.column
        if finding.snippet:
            region["snippet"] = {"text": finding.snippet}
        location["region"] = region
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {"secgate/v1": finding.fingerprint},
        "properties": {
            "severity": finding.severity.value,
            "confidence": finding.confidence.value,
            "blocking": finding.blocking,
        },
    }
    if finding.suppressed_by:
        result["properties"]["suppressedBy"] = finding.suppressed_by
    if finding.package is not None:
        result["properties"]["package"] = finding.package.model_dump(mode="json")
    if finding.suppressed_by and finding.suppressed_by != "below-threshold":
        result["suppressions"] = [
            {
                "kind": "inSource" if finding.suppressed_by.startswith("inline") else "external",
                "status": "accepted",
                "justification": finding.suppressed_by,
            }
        ]
    return result


def _run(result: ScanResult, findings: list[Finding], verdict: Verdict) -> dict[str, Any]:
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    rule_ids = sorted(by_rule)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    driver: dict[str, Any] = {
        "name": f"secgate/{result.name}",
        "informationUri": INFORMATION_URI,
        "rules": [_rule(r, by_rule[r]) for r in rule_ids],
        "properties": {"secgateVersion": verdict.tool_version},
    }
    if result.version:
        driver["version"] = result.version
    invocation: dict[str, Any] = {"executionSuccessful": result.status is ScanStatus.OK}
    if result.started_at:
        invocation["startTimeUtc"] = result.started_at.isoformat().replace("+00:00", "Z")
    if result.finished_at:
        invocation["endTimeUtc"] = result.finished_at.isoformat().replace("+00:00", "Z")
    notes: list[dict[str, Any]] = []
    if result.error:
        notes.append({"level": "error", "message": {"text": result.error}})
    for skipped in result.coverage.skipped:
        notes.append(
            {
                "level": "warning",
                "message": {"text": f"skipped {skipped.path}: {skipped.reason}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": _uri(skipped.path),
                                "uriBaseId": "%SRCROOT%",
                            }
                        }
                    }
                ],
            }
        )
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"secgate/{result.name}/"},
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule_id]) for f in findings],
    }


class SarifReporter(Reporter):
    """SARIF 2.1.0 for GitHub code scanning and other dashboards."""

    name: ClassVar[str] = "sarif"
    description: ClassVar[str] = "SARIF 2.1.0, one run per scanner (GitHub code scanning)"
    extension: ClassVar[str] = ".sarif"

    def render(self, verdict: Verdict, *, color: bool = False) -> str:
        """Build the SARIF log."""
        runs = []
        for result in verdict.scanners:
            if result.status is ScanStatus.SKIPPED:
                continue
            findings = [f for f in verdict.findings if f.scanner == result.name]
            runs.append(_run(result, findings, verdict))
        log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}
        return json.dumps(log, indent=2) + "\n"
