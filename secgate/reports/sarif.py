"""SARIF 2.1.0, the format GitHub code scanning and most security dashboards read.

One run per scanner that ran to its end, each with its own ``automationDetails.id``
category: GitHub rejects an upload whose runs share a category, and it replaces a
category's alerts with the latest upload's results. Hence:

- **No run for a scanner that errored** (nor for a skipped one). An empty run in its
  category would close every open alert of that scanner: GitHub's SARIF support page lists
  ``tool``, ``results`` and ``invocations[].workingDirectory`` as the run properties it
  reads and says the rest are ignored, so an ``executionSuccessful: false`` would not stop
  the closing. With no run, its alerts stay as the last good upload left them. Every other
  run's invocation says so in a ``toolExecutionNotifications`` entry (``scanner-error``);
  when no scanner ran to its end, a notes-only ``secgate`` run (category
  ``secgate/notices/``, no results) carries it.
- **Every gap is a notification**: each run's invocation lists the files the collector
  skipped (no scanner saw them: over ``max-file-mb``, symbolic links, unreadable…) and the
  files or manifest lines that scanner skipped, each with its path as a location, its
  ``kind`` and who skipped it (at most :data:`MAX_GAP_NOTES`, then a count).
- **GitHub's upload limits**: at most :data:`MAX_RUNS` runs (the runs with the most severe
  findings are kept) and :data:`MAX_RESULTS_PER_RUN` results per run (the most severe kept,
  blocking first among equals); a cut is a ``toolExecutionNotifications`` entry saying how
  many results were left out. A result has one location (the limit is 1,000).
- **Paths relative to the repository root.** GitHub resolves a result's ``uri`` from the
  repository root, so a scan of ``services/api`` writes ``services/api/app/run.py``: the
  base is the git top level when the scanned root lies in a git work tree, else the
  current directory, else the scanned root (:mod:`secgate.reports.locations`).
  ``originalUriBaseIds`` names that base ``%SRCROOT%`` and the scanned root ``SCANROOT``
  (its ``uri`` the scanned root relative to ``%SRCROOT%``).
- **Rules that do not change between runs**: one general text per rule, from the rule
  itself, never from a finding's message; ``security-severity``, ``precision``, CWE tags,
  ``help.text``/``help.markdown`` and ``helpUri`` on every rule
  (:mod:`secgate.reports.sarif_rules`).
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
from typing import Any, ClassVar
from urllib.parse import quote

from secgate.models import Finding, ScanResult, ScanStatus, Severity, SkippedFile, Verdict
from secgate.plugins import Reporter
from secgate.reports.facts import vex_reason
from secgate.reports.locations import ReportBase, report_base
from secgate.reports.sarif_rules import (
    INFORMATION_URI,
    LEVELS,
    SECURITY_SEVERITY,
    RuleText,
    generic_rule_text,
    rule_texts,
    sarif_rule,
)

__all__ = ["LEVELS", "SECURITY_SEVERITY", "SarifReporter", "generic_rule_text"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: The category of the notes-only run written when no scanner ran to its end.
NOTICES_CATEGORY = "secgate/notices/"

#: GitHub's upload limits (a file over one is rejected): runs per file, results per run,
#: locations per result (``relatedLocations`` too). A report over one is cut by severity.
MAX_RUNS = 20
MAX_RESULTS_PER_RUN = 25_000
MAX_LOCATIONS_PER_RESULT = 1_000
#: Gap notifications per run; the rest are counted in one more notification.
MAX_GAP_NOTES = 1_000

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
    vex = vex_reason(finding)
    if vex:
        result["properties"]["vex"] = vex
    if finding.suppressed_by and finding.suppressed_by != "below-threshold":
        aside_by_vex = vex and finding.suppressed_by.startswith("vex:")
        result["suppressions"] = [
            {
                "kind": "inSource" if finding.suppressed_by.startswith("inline") else "external",
                "status": "accepted",
                "justification": f"{finding.suppressed_by}: {vex}"
                if aside_by_vex
                else finding.suppressed_by,
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
    return {
        "level": "error",
        "message": {"text": text},
        "descriptor": {"id": "scanner-error"},
        "properties": {"scanner": result.name},
    }


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


def gap_note(gap: SkippedFile, base: ReportBase, by: str) -> dict[str, Any]:
    """The notification for one file (or manifest line) *by* (a scanner, the collector) skipped."""
    location: dict[str, Any] = {"artifactLocation": _location(base, gap.path)}
    if gap.line:
        location["region"] = {"startLine": gap.line}
    where = f"{gap.path}:{gap.line}" if gap.line else gap.path
    return {
        "level": "warning",
        "message": {"text": f"not scanned ({gap.kind.value}, {by}): {where}: {gap.reason}"},
        "descriptor": {"id": f"gap/{gap.kind.value}"},
        "locations": [{"physicalLocation": location}],
        "properties": {"kind": gap.kind.value, "skippedBy": by},
    }


def _gap_notes(
    result: ScanResult | None, verdict: Verdict, base: ReportBase
) -> list[dict[str, Any]]:
    """Every gap of this run: the collector's (no scanner saw those files) and its own."""
    gaps: list[tuple[SkippedFile, str]] = [(g, "collector") for g in verdict.collection.skipped]
    seen = {(g.path, g.line) for g, _ in gaps}
    for gap in result.coverage.skipped if result is not None else ():
        if (gap.path, gap.line) not in seen:
            seen.add((gap.path, gap.line))
            gaps.append((gap, result.name if result is not None else "collector"))
    notes = [gap_note(gap, base, by) for gap, by in gaps[:MAX_GAP_NOTES]]
    if len(gaps) > MAX_GAP_NOTES:
        notes.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{len(gaps) - MAX_GAP_NOTES} more files not scanned are left out "
                    "of this file; the JSON report lists every one"
                },
                "descriptor": {"id": "gap/more"},
            }
        )
    return notes


def _invocation(
    result: ScanResult | None, verdict: Verdict, base: ReportBase, notes: list[dict[str, Any]]
) -> Any:
    invocation: dict[str, Any] = {
        "executionSuccessful": result is not None and result.status is ScanStatus.OK
    }
    if result is not None and result.started_at:
        invocation["startTimeUtc"] = result.started_at.isoformat().replace("+00:00", "Z")
    if result is not None and result.finished_at:
        invocation["endTimeUtc"] = result.finished_at.isoformat().replace("+00:00", "Z")
    every = [*notes, *_gap_notes(result, verdict, base)]
    if every:
        invocation["toolExecutionNotifications"] = every
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


def _most_severe_first(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, not f.blocking))


def within_limit(
    findings: list[Finding], limit: int
) -> tuple[list[Finding], dict[str, Any] | None]:
    """At most *limit* findings, the most severe kept (blocking first among equals), in
    report order; and the notification saying how many were left out (None if none)."""
    if len(findings) <= limit:
        return findings, None
    kept_ids = {id(f) for f in _most_severe_first(findings)[:limit]}
    kept = [f for f in findings if id(f) in kept_ids]
    dropped = [f for f in findings if id(f) not in kept_ids]
    counts: dict[str, int] = {}
    for finding in dropped:
        counts[finding.severity.value] = counts.get(finding.severity.value, 0) + 1
    shown = ", ".join(f"{n} {s}" for s, n in counts.items())
    blocking = sum(f.blocking for f in dropped)
    text = (
        f"{len(dropped)} of {len(findings)} results left out ({shown}; {blocking} blocking): "
        f"GitHub accepts at most {limit} results per run, so the most severe {limit} are "
        "kept; the JSON report has every finding"
    )
    return kept, {
        "level": "warning",
        "message": {"text": text},
        "descriptor": {"id": "limit/results"},
        "properties": {"leftOut": len(dropped), "leftOutBlocking": blocking},
    }


def _run(
    result: ScanResult,
    findings: list[Finding],
    verdict: Verdict,
    *,
    base: ReportBase,
    known: dict[str, RuleText],
    notes: list[dict[str, Any]],
) -> dict[str, Any]:
    findings, cut_note = within_limit(findings, MAX_RESULTS_PER_RUN)
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    rule_ids = sorted(by_rule)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    driver = _driver(f"secgate/{result.name}", result.version, verdict)
    driver["rules"] = [sarif_rule(result.name, r, by_rule[r], known) for r in rule_ids]
    own = [*notes, cut_note] if cut_note else notes
    return {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"secgate/{result.name}/"},
        "invocations": [_invocation(result, verdict, base, own)],
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
        "invocations": [_invocation(None, verdict, base, notes)],
        "originalUriBaseIds": _base_ids(base),
        "columnKind": "unicodeCodePoints",
        "results": [],
    }


def _runs_within_limit(
    ran: list[ScanResult], by_scanner: dict[str, list[Finding]]
) -> tuple[list[ScanResult], dict[str, Any] | None]:
    """At most :data:`MAX_RUNS` runs: those whose findings are most severe (then most
    numerous) are kept, in name order; and the notification naming the others."""
    if len(ran) <= MAX_RUNS:
        return ran, None

    def weight(result: ScanResult) -> tuple[int, int]:
        found = by_scanner.get(result.name, [])
        return (max((f.severity.rank for f in found), default=-1), len(found))

    keep = {r.name for r in sorted(ran, key=weight, reverse=True)[:MAX_RUNS]}
    dropped = [r.name for r in ran if r.name not in keep]
    left = sum(len(by_scanner.get(name, [])) for name in dropped)
    text = (
        f"the runs of {len(dropped)} scanner(s) are left out ({', '.join(dropped)}; "
        f"{left} results): GitHub accepts at most {MAX_RUNS} runs per file; the JSON "
        "report has every finding"
    )
    note = {
        "level": "warning",
        "message": {"text": text},
        "descriptor": {"id": "limit/runs"},
        "properties": {"leftOut": left},
    }
    return [r for r in ran if r.name in keep], note


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
        ran, runs_note = _runs_within_limit(ran, by_scanner)
        if runs_note is not None:
            notes.append(runs_note)
        catalog = rule_texts(verdict, [r.name for r in ran if by_scanner.get(r.name)])
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
        if not runs and (notes or verdict.collection.skipped):
            runs.append(_notices_run(verdict, base, notes))
        log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}
        return json.dumps(log, indent=2) + "\n"
