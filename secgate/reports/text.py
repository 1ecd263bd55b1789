"""Plain text for CI logs: a line per scanner, blocking findings by file, then the verdict."""

from __future__ import annotations

from typing import ClassVar

from secgate.escape import escape_text, safe_line
from secgate.models import Finding, ScanStatus, Severity, Verdict, VerdictStatus
from secgate.plugins import Reporter
from secgate.reports.facts import plural as _plural
from secgate.reports.facts import vex_reason, vulnerability_data_lines

MAX_SKIPPED_SHOWN = 20

_COLORS = {
    "red": "\x1b[31m",
    "green": "\x1b[32m",
    "yellow": "\x1b[33m",
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    "reset": "\x1b[0m",
}
_SEVERITY_COLOR = {
    Severity.CRITICAL: "red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "dim",
    Severity.INFO: "dim",
}
_STATUS_COLOR = {
    ScanStatus.OK: "green",
    ScanStatus.ERROR: "red",
    ScanStatus.SKIPPED: "yellow",
    VerdictStatus.PASS: "green",
    VerdictStatus.FAIL: "red",
    VerdictStatus.ERROR: "red",
}


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, color: str) -> str:
        if not self.enabled:
            return text
        return f"{_COLORS[color]}{text}{_COLORS['reset']}"


MAX_MESSAGE = 160


def short_message(message: str, limit: int = MAX_MESSAGE) -> str:
    """The message on one line: its first sentence, cut at *limit* characters.

    Logs get one line per finding; the whole message (the fix included) is in the json,
    sarif and markdown reports. Control and bidi characters come out escaped
    (:func:`secgate.escape.escape_text`): the message comes from the scanned tree.
    """
    text = " ".join(message.split())
    end = text.find(". ")
    if 0 < end < limit:
        return escape_text(text[: end + 1])
    return escape_text(text if len(text) <= limit else text[: limit - 1].rstrip() + "…")


def format_finding(finding: Finding) -> str:
    """``path:line  severity  rule_id  message`` on one line, tree text escaped."""
    message = short_message(finding.message)
    location, rule = escape_text(finding.location), escape_text(finding.rule_id)
    return safe_line(f"{location}  {finding.severity}  {rule}  {message}")


class TextReporter(Reporter):
    """Human-readable report for terminals and CI logs (the default)."""

    name: ClassVar[str] = "text"
    description: ClassVar[str] = "readable summary for terminals and CI logs (default)"
    extension: ClassVar[str] = ".txt"

    def render(self, verdict: Verdict, *, color: bool = False) -> str:
        """Scanners, blocking findings grouped by file, warnings, the verdict and its reasons.

        Every string from the scanned tree or a scanner is escaped
        (:func:`secgate.escape.escape_text`) and every line made safe from CI log commands
        (:func:`secgate.escape.safe_line`): a hostile file name cannot add a line.
        """
        paint = _Paint(color)
        esc = escape_text
        out: list[str] = []
        stage = f"  stage {esc(verdict.stage)}" if verdict.stage else ""
        head = f"secgate {esc(verdict.tool_version)}  {esc(verdict.root)}{stage}"
        out.append(paint(safe_line(head), "bold"))
        if verdict.scope:
            out.append(safe_line(f"scope: {esc(verdict.scope)}"))
        out.append("")
        if verdict.policy_summary:
            out.append(paint("policy summary: this run's config turns off or loosens", "bold"))
            out += [safe_line(f"  - {esc(line)}") for line in verdict.policy_summary]
            out.append("")
        width = max((len(esc(r.name)) for r in verdict.scanners), default=8)
        for result in verdict.scanners:
            status = paint(f"{result.status.value:<7}", _STATUS_COLOR[result.status])
            if result.status is ScanStatus.OK:
                cov = result.coverage
                skipped = f", {len(cov.skipped)} skipped" if cov.skipped else ""
                detail = (
                    f"{_plural(result.findings, 'finding'):<13} {result.duration_s:6.2f} s"
                    f"  ({_plural(cov.files_scanned, 'file')}{skipped})"
                )
            else:
                detail = esc(result.error or "")
                if result.findings:
                    detail += f" ({_plural(result.findings, 'finding')} still reported)"
            out.append(f"  {esc(result.name):<{width}}  {status}  {detail}".rstrip())
        out += [safe_line(f"  {esc(line)}") for line in vulnerability_data_lines(verdict)]
        if verdict.summary.merged:
            merged = verdict.summary.merged
            out.append(
                f"  {_plural(merged, 'double')} merged: the same issue from another scanner "
                "or rule is reported once (see each finding's related)"
            )

        blocking = [f for f in verdict.findings if f.blocking]
        if blocking:
            out.append("")
            out.append(paint(f"Blocking findings ({len(blocking)}):", "bold"))
            current = None
            for finding in blocking:
                if finding.path != current:
                    current = finding.path
                    out.append(f"  {esc(finding.path)}")
                sev = paint(str(finding.severity), _SEVERITY_COLOR[finding.severity])
                message = short_message(finding.message)
                location, rule = esc(finding.location), esc(finding.rule_id)
                out.append(f"    {location}  {sev}  {rule}  {message}")
        set_aside = [f for f in verdict.findings if not f.blocking]
        if set_aside:
            reasons: dict[str, int] = {}
            for finding in set_aside:
                key = finding.suppressed_by or "not blocking"
                reasons[key] = reasons.get(key, 0) + 1
            parts = ", ".join(f"{n} {esc(k)}" for k, n in sorted(reasons.items()))
            out.append("")
            out.append(
                f"Not blocking: {_plural(len(set_aside), 'finding')} ({parts}); "
                "every finding is in the json and sarif reports."
            )

        out += _vex_lines(verdict)

        not_scanned = [(r.name, s) for r in verdict.scanners for s in r.coverage.skipped]
        not_scanned += [("collector", s) for s in verdict.collection.skipped]
        if not_scanned:
            out.append("")
            out.append(paint(f"Not scanned ({len(not_scanned)}):", "bold"))
            for who, item in not_scanned[:MAX_SKIPPED_SHOWN]:
                out.append(f"  {esc(item.path)}  ({esc(who)}: {esc(item.reason)})")
            if len(not_scanned) > MAX_SKIPPED_SHOWN:
                out.append(
                    f"  … and {len(not_scanned) - MAX_SKIPPED_SHOWN} more (see the json report)"
                )
        if verdict.warnings:
            out.append("")
            for warning in verdict.warnings:
                out.append(paint(safe_line(f"warning: {esc(warning)}"), "yellow"))
        out.append("")
        word = verdict.status.value.upper()
        out.append(paint(f"Verdict: {word}", _STATUS_COLOR[verdict.status]))
        for reason in verdict.reasons:
            out.append(f"  - {esc(reason)}")
        return "\n".join(safe_line(line) for line in out) + "\n"


def _vex_lines(verdict: Verdict) -> list[str]:
    """What the VEX documents said: each finding a statement spoke about, and the counts."""
    if not verdict.vex:
        return []
    esc = escape_text
    statements = len(verdict.vex)
    unused = [v for v in verdict.vex if v.unused]
    lines = [
        "",
        f"VEX: {_plural(statements, 'statement')}, {statements - len(unused)} matched, "
        f"{len(unused)} unused",
    ]
    spoken = [(f, r) for f in verdict.findings if (r := vex_reason(f)) is not None]
    for finding, reason in spoken[:MAX_SKIPPED_SHOWN]:
        what = "set aside" if (finding.suppressed_by or "").startswith("vex:") else "still judged"
        lines.append(f"  {esc(finding.location)}  {esc(finding.rule_id)}  {what}: {esc(reason)}")
    if len(spoken) > MAX_SKIPPED_SHOWN:
        lines.append(f"  … and {len(spoken) - MAX_SKIPPED_SHOWN} more (see the json report)")
    for status in unused[:MAX_SKIPPED_SHOWN]:
        lines.append(
            f"  unused: {esc(status.file)} #{esc(status.statement)} "
            f"{esc(status.vulnerability)} {esc(status.status)}"
        )
    return lines
