"""SARIF 2.1.0, the format GitHub code scanning and most security dashboards read.

One run per scanner that ran to its end, each with its own ``automationDetails.id``
category: GitHub rejects an upload whose runs share a category, and it replaces a
category's alerts with the latest upload's results. Hence:

- **No run for a scanner that errored** (nor for a skipped one). An empty run in its
  category would close every open alert of that scanner (GitHub ignores ``invocations``);
  with no run, its alerts stay as the last good upload left them. Every other run's
  invocation says so in a ``toolExecutionNotifications`` entry; when no scanner ran to its
  end, a notes-only ``secgate`` run (category ``secgate/notices/``, no results) carries it.
- **Paths relative to the repository root.** GitHub resolves a result's ``uri`` from the
  repository root, so a scan of ``services/api`` writes ``services/api/app/run.py``: the
  base is the git top level when the scanned root lies in a git work tree, else the
  current directory, else the scanned root (:mod:`secgate.reports.locations`).
  ``originalUriBaseIds`` names that base ``%SRCROOT%`` and the scanned root ``SCANROOT``
  (its ``uri`` the scanned root relative to ``%SRCROOT%``).
- **Rules that do not change between runs.** Rule text comes from the scanner's
  :meth:`~secgate.plugins.Scanner.rules` (with the run's options), else a fixed generic
  text per rule id, never from a finding's message. ``security-severity`` and
  ``defaultConfiguration.level`` come from the rule's default severity. A rule without one
  (bandit's tests: their severity varies per finding) has no ``security-severity``, so
  GitHub shows its alerts by their level; a dependency advisory's severity is the
  advisory's own (every finding of it carries the same), so it keeps one.
- **Levels say what blocks**: a blocking finding is ``error``; one that does not block
  (below the threshold, baselined, waived…) is ``warning`` when medium or worse, else
  ``note``.
- **Every result has a full region**: ``startLine``, ``startColumn``, ``endLine`` and
  ``endColumn`` (columns 1-based, ``endColumn`` exclusive). secgate does not know where a
  finding ends on its last line, so the region ends one character after its start column
  on a single line (``startColumn`` 1 when the scanner gave no column, as pip-audit's
  manifest lines), and after the first character of the last line of a multi-line
  finding. A finding with no line at all (a whole file) marks line 1, column 1 to 2.
- **Fingerprints**: ``partialFingerprints`` holds secgate's own content fingerprint
  (``secgate/v1``) and ``primaryLocationLineHash``, the key GitHub tracks alerts by, made
  from the same fingerprint (it survives inserted lines) and an occurrence count for
  findings sharing one (``<fingerprint>:<n>``).

Findings set aside by a baseline, a waiver or an inline comment carry a SARIF
``suppressions`` entry; findings merely below the threshold do not (they are reported, not
dismissed).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterable
from typing import Any, ClassVar
from urllib.parse import quote

from secgate.models import Finding, ScanResult, ScanStatus, Severity, Verdict
from secgate.plugins import Reporter, RuleInfo
from secgate.reports.locations import ReportBase, report_base

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/secgate-ci/secgate"
#: The category of the notes-only run written when no scanner ran to its end.
NOTICES_CATEGORY = "secgate/notices/"

#: A rule's default level, from its default severity.
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

_SEMVER = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$")


def _uri(path: str) -> str:
    """*path* as a URI reference: an undecodable name's bytes (lone surrogates) as ``%XX``."""
    return quote(path, safe="/-._~", errors="surrogateescape")


def semantic_version(version: str) -> str | None:
    """*version* (PEP 440 or semver) as Semantic Versioning 2.0 text, None if it has no number.

    ``1.7.9`` stays; ``0.1.0.dev0`` becomes ``0.1.0-dev0``; ``2.3`` becomes ``2.3.0``.
    """
    match = _SEMVER.match(version.strip())
    if match is None:
        return None
    major, minor, patch, rest = match.groups()
    core = f"{int(major)}.{int(minor or 0)}.{int(patch or 0)}"
    local = ""
    if "+" in rest:
        rest, local = rest.split("+", 1)
    pre = ".".join(p for p in re.split(r"[^0-9A-Za-z]+", rest) if p)
    build = ".".join(p for p in re.split(r"[^0-9A-Za-z]+", local) if p)
    return core + (f"-{pre}" if pre else "") + (f"+{build}" if build else "")


# --------------------------------------------------------------------------- rules


def rule_catalog(verdict: Verdict, names: Iterable[str]) -> dict[str, dict[str, RuleInfo]]:
    """Each named scanner's rules (``Scanner.rules`` with the run's options), by rule id.

    Best effort: a scanner that is not installed here, or whose rules cannot be listed,
    has none, and its rules get generic text.
    """
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    catalog: dict[str, dict[str, RuleInfo]] = {}
    try:
        registry = make_plugin_host().scanners()
    except Exception:  # noqa: BLE001 - rule text is optional; the report is not
        return catalog
    tables = verdict.policy.get("scanners") if isinstance(verdict.policy, dict) else None
    for name in names:
        info = registry.get(name)
        if info is None:
            continue
        table = tables.get(name) if isinstance(tables, dict) else None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    options = info.cls.Options.model_validate(table or {})
                except Exception:  # noqa: BLE001 - the defaults still name the rules
                    options = info.cls.Options()
                infos = info.cls().rules(options)
        except Exception:  # noqa: BLE001, S112 - rule text is optional; the report is not
            continue
        catalog[name] = {i.id: i for i in infos if isinstance(i, RuleInfo)}
    return catalog


def _rule_info(rule_id: str, known: dict[str, RuleInfo]) -> RuleInfo | None:
    if rule_id in known:
        return known[rule_id]
    # A catalog entry like pip-audit's "<advisory id>" stands for every id of its kind.
    placeholders = [info for key, info in sorted(known.items()) if key.startswith("<")]
    return placeholders[0] if len(placeholders) == 1 else None


def generic_rule_text(scanner: str, rule_id: str) -> str:
    """The fixed text of a rule its scanner does not describe."""
    return f"{scanner} rule {rule_id}"


def _rule(
    scanner: str, rule_id: str, findings: list[Finding], known: dict[str, RuleInfo]
) -> dict[str, Any]:
    info = _rule_info(rule_id, known)
    description = " ".join((info.description if info else "").split())
    if info is not None and info.id != rule_id:  # a placeholder entry: name the id
        description = f"{rule_id}: {description}" if description else ""
    text = description or generic_rule_text(scanner, rule_id)
    severity = info.severity if info is not None and info.id == rule_id else None
    if severity is None and all(f.package is not None for f in findings):
        # A dependency advisory: its severity is the advisory's, the same on every finding.
        severity = max(f.severity for f in findings)
    cwes = sorted({*(info.cwe if info else ()), *(c for f in findings for c in f.cwe)})
    properties: dict[str, Any] = {
        "tags": ["security", *(f"external/cwe/cwe-{c}" for c in cwes)],
    }
    if severity is not None:
        properties["security-severity"] = SECURITY_SEVERITY[severity]
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": text[:200]},
        "fullDescription": {"text": text},
        "help": {"text": text},
        "defaultConfiguration": {"level": "warning" if severity is None else LEVELS[severity]},
        "properties": properties,
    }
    urls = sorted({f.help_url for f in findings if f.help_url})
    if urls:
        rule["helpUri"] = urls[0]
    return rule


# --------------------------------------------------------------------------- results


def result_level(finding: Finding) -> str:
    """``error`` for a blocking finding; else ``warning`` (medium or worse) or ``note``."""
    if finding.blocking:
        return "error"
    return "warning" if finding.severity >= Severity.MEDIUM else "note"


def region(finding: Finding) -> dict[str, Any]:
    """The finding's full region (see the module's docstring for the columns)."""
    start = finding.line or 1
    end = finding.end_line if finding.end_line and finding.end_line >= start else start
    column = finding.column or 1
    out: dict[str, Any] = {
        "startLine": start,
        "startColumn": column,
        "endLine": end,
        "endColumn": column + 1 if end == start else 2,
    }
    if finding.snippet and finding.line:
        out["snippet"] = {"text": finding.snippet}
    return out


def _location(base: ReportBase, path: str) -> dict[str, Any]:
    return {"uri": _uri(base.path(path)), "uriBaseId": "%SRCROOT%"}


def _result(finding: Finding, rule_index: int, base: ReportBase, occurrence: int) -> dict[str, Any]:
    location: dict[str, Any] = {
        "artifactLocation": _location(base, finding.path),
        "region": region(finding),
    }
    fingerprints = {"secgate/v1": finding.fingerprint}
    if finding.fingerprint:
        fingerprints["primaryLocationLineHash"] = f"{finding.fingerprint}:{occurrence}"
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": result_level(finding),
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": fingerprints,
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


# --------------------------------------------------------------------------- runs


def left_out_note(result: ScanResult, findings: int) -> dict[str, Any]:
    """The notification saying an errored scanner's run is left out, and why."""
    error = " ".join((result.error or "unknown error").split())[:500]
    text = (
        f"scanner {result.name} failed ({error}): its run (category secgate/{result.name}/) "
        "is left out of this file, so uploading it leaves that scanner's open alerts as the "
        "last complete scan left them instead of closing them"
    )
    if findings:
        text += f"; the {findings} finding(s) it reported before failing are in the JSON report"
    return {"level": "error", "message": {"text": text}}


def _base_ids(base: ReportBase) -> dict[str, Any]:
    descriptions = {
        "git": "the repository root (git top level)",
        "cwd": "the current directory (the scanned root is not in a git work tree)",
        "root": "the scanned root (neither in a git work tree nor under the current directory)",
    }
    scan_root: dict[str, Any] = {"uriBaseId": "%SRCROOT%"}
    if base.prefix:
        scan_root["uri"] = _uri(base.prefix)
    scan_root["description"] = {"text": "the scanned root"}
    return {
        "%SRCROOT%": {
            "uri": base.base.as_uri().rstrip("/") + "/",
            "description": {"text": descriptions[base.kind]},
        },
        "SCANROOT": scan_root,
    }


def _invocation(result: ScanResult | None, base: ReportBase, notes: list[dict[str, Any]]) -> Any:
    invocation: dict[str, Any] = {
        "executionSuccessful": result is not None and result.status is ScanStatus.OK
    }
    if result is not None and result.started_at:
        invocation["startTimeUtc"] = result.started_at.isoformat().replace("+00:00", "Z")
    if result is not None and result.finished_at:
        invocation["endTimeUtc"] = result.finished_at.isoformat().replace("+00:00", "Z")
    own: list[dict[str, Any]] = []
    for skipped in result.coverage.skipped if result is not None else ():
        own.append(
            {
                "level": "warning",
                "message": {"text": f"skipped {skipped.path}: {skipped.reason}"},
                "locations": [
                    {"physicalLocation": {"artifactLocation": _location(base, skipped.path)}}
                ],
            }
        )
    if own or notes:
        invocation["toolExecutionNotifications"] = [*notes, *own]
    return invocation


def _occurrences(findings: list[Finding]) -> list[int]:
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for finding in findings:
        key = (finding.rule_id, finding.path, finding.fingerprint)
        seen[key] = seen.get(key, 0) + 1
        out.append(seen[key])
    return out


def _driver(name: str, version: str | None, verdict: Verdict) -> dict[str, Any]:
    driver: dict[str, Any] = {"name": name, "informationUri": INFORMATION_URI}
    if version:
        driver["version"] = version
    semver = semantic_version(version or verdict.tool_version)
    if semver:
        driver["semanticVersion"] = semver
    driver["properties"] = {"secgateVersion": verdict.tool_version}
    return driver


def _run(
    result: ScanResult,
    findings: list[Finding],
    verdict: Verdict,
    *,
    base: ReportBase,
    known: dict[str, RuleInfo],
    notes: list[dict[str, Any]],
) -> dict[str, Any]:
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    rule_ids = sorted(by_rule)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    driver = _driver(f"secgate/{result.name}", result.version, verdict)
    driver["rules"] = [_rule(result.name, r, by_rule[r], known) for r in rule_ids]
    return {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"secgate/{result.name}/"},
        "invocations": [_invocation(result, base, notes)],
        "originalUriBaseIds": _base_ids(base),
        "columnKind": "unicodeCodePoints",
        "results": [
            _result(f, index[f.rule_id], base, n)
            for f, n in zip(findings, _occurrences(findings), strict=True)
        ],
    }


def _notices_run(verdict: Verdict, base: ReportBase, notes: list[dict[str, Any]]) -> Any:
    return {
        "tool": {"driver": {**_driver("secgate", verdict.tool_version, verdict), "rules": []}},
        "automationDetails": {"id": NOTICES_CATEGORY},
        "invocations": [_invocation(None, base, notes)],
        "originalUriBaseIds": _base_ids(base),
        "columnKind": "unicodeCodePoints",
        "results": [],
    }


class SarifReporter(Reporter):
    """SARIF 2.1.0 for GitHub code scanning and other dashboards."""

    name: ClassVar[str] = "sarif"
    description: ClassVar[str] = (
        "SARIF 2.1.0, one run per scanner that ran to its end (GitHub code scanning)"
    )
    extension: ClassVar[str] = ".sarif"

    def render(self, verdict: Verdict, *, color: bool = False) -> str:
        """Build the SARIF log."""
        base = report_base(verdict.root)
        by_scanner: dict[str, list[Finding]] = {}
        for finding in verdict.findings:
            by_scanner.setdefault(finding.scanner, []).append(finding)
        ran = [r for r in verdict.scanners if r.status is ScanStatus.OK]
        notes = [
            left_out_note(r, len(by_scanner.get(r.name, [])))
            for r in verdict.scanners
            if r.status is ScanStatus.ERROR
        ]
        catalog = rule_catalog(verdict, [r.name for r in ran if by_scanner.get(r.name)])
        runs = [
            _run(
                r,
                by_scanner.get(r.name, []),
                verdict,
                base=base,
                known=catalog.get(r.name, {}),
                notes=notes,
            )
            for r in ran
        ]
        if notes and not runs:
            runs.append(_notices_run(verdict, base, notes))
        log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}
        return json.dumps(log, indent=2) + "\n"
