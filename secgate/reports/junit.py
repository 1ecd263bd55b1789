"""JUnit XML, the test-report format Jenkins, GitLab and most CI dashboards read.

One ``<testsuite name="secgate">`` holds, in this order:

- a ``<testcase>`` per scanner for its status (classname ``secgate.<scanner>``, name the
  scanner's): it passes when the scanner ran, holds an ``<error>`` when it failed and a
  ``<skipped>`` when it was not run;
- a ``<testcase>`` per blocking finding (classname ``secgate.<scanner>``), holding its
  ``<failure>`` (message ``path:line rule_id``, type = severity, text = severity, message,
  help). Its name is stable across runs, so GitLab's "newly failed" view shows a new
  finding even in a scanner that already failed: ``<scanner> <rule id> <path>
  [<fingerprint>]`` (the first 12 characters of the content fingerprint, which survives
  inserted lines), with `` #2``, `` #3``… for findings sharing all four. Its ``file`` and
  ``line`` attributes (as semgrep's own JUnit has) and the path in its name are relative
  to the repository root, as in the SARIF report (:mod:`secgate.reports.locations`);
- a last ``verdict`` testcase (classname ``secgate``) that fails (or errors) unless the
  verdict is pass; its text lists the reasons and every blocking finding (paths from the
  repository root too), for consumers that show only one ``<failure>``.

The suite's counts follow its elements: ``failures`` is the number of ``<failure>``
elements (each blocking finding, plus the verdict's), ``errors`` the number of ``<error>``
elements, ``skipped`` the skipped scanners, ``tests`` the scanners, the blocking findings
and the verdict.
Properties carry the verdict and the secgate version. Built with
:mod:`xml.etree.ElementTree`, so every value is escaped for XML. The scanned tree is
hostile: every string from it or from a scanner first has what XML 1.0 cannot hold (C0
controls but tab, newline and carriage return; lone surrogates, as from undecodable file
names; U+FFFE, U+FFFF) replaced by U+FFFD, then its other control, line-separator and
bidi characters shown as escapes (:func:`secgate.escape.escape_text`), and no line of a
text or attribute can read as a CI log command (:func:`secgate.escape.safe_line`). The
document is valid XML whatever bytes the tree's names hold. Snippets are never included.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # writes XML only: no untrusted XML is parsed here
from typing import ClassVar

from secgate.escape import escape_text, safe_lines
from secgate.models import Finding, ScanResult, ScanStatus, Verdict, VerdictStatus
from secgate.plugins import Reporter
from secgate.reports.facts import vex_reason
from secgate.reports.locations import ReportBase, report_base

#: Blocking findings listed in the verdict testcase's text (all are failures elsewhere).
MAX_LISTED_IN_VERDICT = 500

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """*value* as XML 1.0 text, no line a CI command: forbidden characters become U+FFFD."""
    return _NOT_XML.sub("\ufffd", safe_lines(str(value)))


def _element(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _esc(text: str) -> str:
    """Tree text on one line: what XML 1.0 forbids becomes U+FFFD, other controls escapes."""
    return escape_text(_NOT_XML.sub("\ufffd", text))


def _one_line(text: str) -> str:
    return _esc(" ".join(text.split()))


def _lines(text: str) -> str:
    """*text* keeping its line breaks (``\\n``), every line escaped."""
    return "\n".join(_esc(line) for line in text.split("\n"))


def failure_text(finding: Finding, base: ReportBase | None = None) -> str:
    """What a person needs to act on one finding (no snippet: it may hold a secret).

    Tree text is escaped (:func:`secgate.escape.escape_text`); the message and the help
    keep their own line breaks, nothing else. With *base* the location is relative to the
    repository root (:mod:`secgate.reports.locations`), else to the scanned root.
    """
    where = base.location(finding.path, finding.line) if base else finding.location
    lines = [
        f"severity: {finding.severity}",
        f"confidence: {finding.confidence}",
        f"rule: {_esc(finding.rule_id)}",
        f"location: {_esc(where)}",
        f"message: {_lines(finding.message)}",
    ]
    if finding.package is not None:
        pkg = finding.package
        lines.append(f"package: {_esc(pkg.name)} {_esc(pkg.version or '')}".rstrip())
        if pkg.fixed_versions:
            lines.append(f"fixed in: {_esc(', '.join(pkg.fixed_versions))}")
    if finding.cwe:
        lines.append(f"cwe: {', '.join(f'CWE-{c}' for c in finding.cwe)}")
    if finding.help_text:
        lines.append(f"help: {_lines(finding.help_text)}")
    if finding.help_url:
        lines.append(f"more: {_esc(finding.help_url)}")
    lines.append(f"fingerprint: {_esc(finding.fingerprint)}")
    return "\n".join(lines)


def _set_aside_line(findings: list[Finding]) -> str | None:
    set_aside = [f for f in findings if not f.blocking]
    if not set_aside:
        return None
    reasons: dict[str, int] = {}
    for finding in set_aside:
        key = finding.suppressed_by or "not blocking"
        reasons[key] = reasons.get(key, 0) + 1
    parts = ", ".join(f"{_esc(reason)} {n}" for reason, n in sorted(reasons.items()))
    return f"{len(set_aside)} not blocking ({parts})"


class _Counts:
    def __init__(self) -> None:
        self.tests = self.failures = self.errors = self.skipped = 0

    def attrs(self) -> dict[str, int]:
        return {
            "tests": self.tests,
            "failures": self.failures,
            "errors": self.errors,
            "skipped": self.skipped,
        }


def _scanner_case(
    suite: ET.Element, result: ScanResult, findings: list[Finding], counts: _Counts
) -> None:
    case = _element(
        suite,
        "testcase",
        classname=f"secgate.{_esc(result.name)}",
        name=_esc(result.name),
        time=_seconds(result.duration_s),
    )
    counts.tests += 1
    if result.status is ScanStatus.SKIPPED:
        _element(case, "skipped", message=_one_line(result.error or "not run"))
        counts.skipped += 1
        return
    if result.status is ScanStatus.ERROR:
        error = result.error or "unknown error"
        _element(case, "error", _lines(error), message=_one_line(error)[:500], type="scanner-error")
        counts.errors += 1
    blocking = sum(1 for f in findings if f.blocking)
    out = [
        f"{result.findings} finding{'s' if result.findings != 1 else ''}, "
        f"{result.coverage.files_scanned} files scanned"
    ]
    if blocking:
        out.append(f"{blocking} blocking (a testcase each)")
    if result.version:
        out.append(f"{_esc(result.name)} {_esc(result.version)}")
    set_aside = _set_aside_line(findings)
    if set_aside:
        out.append(set_aside)
    for finding in findings:
        vex = vex_reason(finding)
        if vex:
            why = _esc(finding.suppressed_by or "still judged")
            out.append(f"vex: {_esc(finding.location)} {_esc(finding.rule_id)}: {why}: {_esc(vex)}")
    for skipped in result.coverage.skipped:
        out.append(f"not scanned: {_esc(skipped.path)}: {_esc(skipped.reason)}")
    _element(case, "system-out", "\n".join(out))


def finding_case_name(finding: Finding, base: ReportBase, occurrence: int = 1) -> str:
    """The blocking finding's testcase name: scanner, rule, path, fingerprint (escaped)."""
    name = (
        f"{_one_line(finding.scanner)} {_one_line(finding.rule_id)} "
        f"{_one_line(base.path(finding.path))} [{_one_line(finding.fingerprint[:12])}]"
    )
    return name if occurrence == 1 else f"{name} #{occurrence}"


def _finding_cases(
    suite: ET.Element, findings: list[Finding], base: ReportBase, counts: _Counts
) -> None:
    seen: dict[tuple[str, str, str, str], int] = {}
    for finding in findings:
        if not finding.blocking:
            continue
        key = (finding.scanner, finding.rule_id, finding.path, finding.fingerprint[:12])
        seen[key] = seen.get(key, 0) + 1
        case = _element(
            suite,
            "testcase",
            classname=f"secgate.{_esc(finding.scanner)}",
            name=finding_case_name(finding, base, seen[key]),
            file=_esc(base.path(finding.path)),
            time=_seconds(0),
        )
        if finding.line:
            case.set("line", str(finding.line))
        counts.tests += 1
        _element(
            case,
            "failure",
            failure_text(finding, base),
            message=f"{_esc(base.location(finding.path, finding.line))} {_esc(finding.rule_id)}",
            type=finding.severity.value,
        )
        counts.failures += 1


def _verdict_case(suite: ET.Element, verdict: Verdict, base: ReportBase, counts: _Counts) -> None:
    case = _element(suite, "testcase", classname="secgate", name="verdict", time=_seconds(0))
    counts.tests += 1
    if verdict.status is VerdictStatus.PASS:
        return
    lines = [f"verdict: {verdict.status}", *(f"- {_esc(reason)}" for reason in verdict.reasons)]
    blocking = verdict.blocking
    if blocking:
        lines.append(f"blocking findings ({len(blocking)}):")
        lines += [
            f"{_esc(base.location(f.path, f.line))}  {f.severity}  {_esc(f.rule_id)}  "
            f"{_one_line(f.message)}"
            for f in blocking[:MAX_LISTED_IN_VERDICT]
        ]
        if len(blocking) > MAX_LISTED_IN_VERDICT:
            lines.append(f"… and {len(blocking) - MAX_LISTED_IN_VERDICT} more")
    first = _one_line(verdict.reasons[0]) if verdict.reasons else str(verdict.status)
    tag = "error" if verdict.status is VerdictStatus.ERROR else "failure"
    _element(
        case,
        tag,
        "\n".join(lines),
        message=f"{verdict.status}: {first}"[:500],
        type=f"secgate-{verdict.status}",
    )
    if tag == "error":
        counts.errors += 1
    else:
        counts.failures += 1


class JunitReporter(Reporter):
    """JUnit XML for Jenkins, GitLab and other CI test dashboards."""

    name: ClassVar[str] = "junit"
    description: ClassVar[str] = (
        "JUnit XML: a testcase per scanner (its status) and per blocking finding"
    )
    extension: ClassVar[str] = ".xml"

    def render(self, verdict: Verdict, *, color: bool = False) -> str:
        """Build the XML document."""
        root = ET.Element("testsuites", {"name": "secgate"})
        suite = _element(root, "testsuite", name="secgate")
        if verdict.started_at is not None:
            suite.set("timestamp", verdict.started_at.strftime("%Y-%m-%dT%H:%M:%S"))
        properties = _element(suite, "properties")
        props = {
            "secgate.verdict": verdict.status.value,
            "secgate.decided_by": _esc(verdict.decided_by),
            "secgate.version": _esc(verdict.tool_version),
            "secgate.stage": None if verdict.stage is None else _esc(verdict.stage),
            "secgate.new_since": None if verdict.new_since is None else _esc(verdict.new_since),
            "secgate.blocking": str(verdict.summary.blocking),
            "secgate.findings": str(verdict.summary.total),
        }
        for key, value in props.items():
            if value is not None:
                _element(properties, "property", name=key, value=value)

        counts = _Counts()
        by_scanner: dict[str, list[Finding]] = {}
        for finding in verdict.findings:
            by_scanner.setdefault(finding.scanner, []).append(finding)
        for result in verdict.scanners:
            _scanner_case(suite, result, by_scanner.get(result.name, []), counts)
        base = report_base(verdict.root)
        for result in verdict.scanners:
            _finding_cases(suite, by_scanner.get(result.name, []), base, counts)
        _verdict_case(suite, verdict, base, counts)

        total_time = sum(r.duration_s for r in verdict.scanners)
        if verdict.started_at is not None and verdict.finished_at is not None:
            total_time = (verdict.finished_at - verdict.started_at).total_seconds()
        for element in (suite, root):
            for key, count in counts.attrs().items():
                element.set(key, str(count))
            element.set("time", _seconds(total_time))
        ET.indent(root, space="  ")
        body = ET.tostring(root, encoding="unicode")
        return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
