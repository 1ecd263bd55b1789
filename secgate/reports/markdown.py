"""Markdown for a pull-request comment: the verdict, the counts, the top blocking findings.

Written to be posted as is by a CI step (GitHub, GitLab, Gitea all render it):

- a status word (PASS, FAIL, ERROR), no emoji, and the reasons;
- counts by severity and by scanner, as tables;
- the blocking findings, worst first, capped at :data:`MAX_FINDING_ROWS` rows, their paths
  relative to the repository root as in the SARIF report (the git top level, else the
  current directory: :mod:`secgate.reports.locations`), so a link or a search finds them;
- scanner errors, what did not block and why, the baseline and waivers when used;
- a hard bound on the total length (:data:`MAX_CHARS`, well under GitHub's 65,536
  characters per comment): past it the text is cut at a line and says so.

Every value from a scan is escaped for Markdown (``|``, backticks, HTML, newlines), and
snippets are never included: a secret's value must not end up in a comment. The scanned
tree is hostile: control, line-separator and bidi characters are shown as escapes
(:func:`secgate.escape.escape_text`), an ``@`` before a name is put in a code span (no
mention notifies anyone), ``www.`` and ``://`` are escaped (no autolink), and no line can
read as a CI log command (:func:`secgate.escape.safe_line`) if the comment is also printed
to a log. The first line
is an HTML comment (``<!-- secgate-report -->``) a bot can look for to update its previous
comment instead of adding one per push.
"""

from __future__ import annotations

import re
from typing import ClassVar

from secgate.escape import escape_text, safe_lines
from secgate.models import Finding, ScanStatus, Severity, Verdict, summarize
from secgate.plugins import Reporter
from secgate.reports.facts import plural as _plural
from secgate.reports.facts import vulnerability_data_lines
from secgate.reports.locations import ReportBase, report_base

MARKER = "<!-- secgate-report -->"
#: Hard bound on the whole text; GitHub rejects comments over 65,536 characters.
MAX_CHARS = 50_000
MAX_FINDING_ROWS = 50
MAX_WAIVER_ROWS = 30
MAX_LIST_ITEMS = 20
MAX_CELL = 200
MAX_ERROR = 600

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
#: ``@name`` would notify (mention) someone; ``www.`` and ``scheme://`` would be autolinked.
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_AUTOLINK = re.compile(r"(?<![A-Za-z0-9])(www)\.|:(?=//)", re.IGNORECASE)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return escape_text(text)


def _unlink(match: re.Match[str]) -> str:
    return f"{match.group(1)}\\." if match.group(1) else "\\:"


def escape(text: str, limit: int = MAX_CELL) -> str:
    """*text* on one line, clipped, with Markdown and HTML specials escaped.

    Also no mention (``@name`` gets its ``@`` in a code span) and no autolink (``www\\.``,
    ``http\\://``): the text comes from a hostile tree.
    """
    text = _SPECIAL.sub(r"\\\1", _clip(text, limit).replace("&", "&amp;"))
    return _MENTION.sub("`@`", _AUTOLINK.sub(_unlink, text))


def code(text: str, limit: int = MAX_CELL, *, in_table: bool = True) -> str:
    """*text* as an inline code span that no backtick inside can close early."""
    text = _clip(text, limit)
    if in_table:
        text = text.replace("|", "\\|")  # GFM splits cells before it reads code spans
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _table(header: list[str], align: str, rows: list[list[str]]) -> list[str]:
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = [f"| {' | '.join(header)} |", f"| {' | '.join(rule)} |"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return lines


def _worst_first(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key()))


class MarkdownReporter(Reporter):
    """A pull-request comment: verdict, counts, top blocking findings, bounded length."""

    name: ClassVar[str] = "markdown"
    description: ClassVar[str] = "Markdown summary for a pull-request comment (bounded length)"
    extension: ClassVar[str] = ".md"

    _base: ReportBase

    def render(self, verdict: Verdict, *, color: bool = False) -> str:
        """The comment's text, at most :data:`MAX_CHARS` characters."""
        self._base = report_base(verdict.root)
        lines = [MARKER, *self._head(verdict)]
        for section in (
            self._policy_summary,
            self._severities,
            self._scanners,
            self._blocking,
            self._errors,
            self._set_aside,
            self._baseline,
            self._waivers,
            self._warnings,
        ):
            part = section(verdict)
            if part:
                lines += ["", *part]
        return bound(safe_lines("\n".join(lines)) + "\n")

    # ------------------------------------------------------------------ sections

    def _head(self, verdict: Verdict) -> list[str]:
        word = verdict.status.value.upper()
        lines = [f"## secgate: {word}", ""]
        lines += [f"- {escape(reason, MAX_ERROR)}" for reason in verdict.reasons[:MAX_LIST_ITEMS]]
        facts = [f"secgate {escape(verdict.tool_version)}"]
        if verdict.stage:
            facts.append(f"stage {code(verdict.stage, in_table=False)}")
        if verdict.new_since:
            facts.append(f"new findings since {code(verdict.new_since, in_table=False)} block")
        total = len(verdict.findings)
        blocking = len(verdict.blocking)
        facts.append(f"{_plural(total, 'finding')}, {blocking} blocking")
        facts += [escape(line) for line in vulnerability_data_lines(verdict)]
        lines += ["", " · ".join(facts)]
        return lines

    def _severities(self, verdict: Verdict) -> list[str]:
        if not verdict.findings:
            return []
        summary = summarize(verdict.findings)
        rows = []
        for severity in reversed(Severity):
            total = summary.by_severity.get(severity.value, 0)
            if not total:
                continue
            blocking = summary.blocking_by_severity.get(severity.value, 0)
            rows.append([severity.value, str(blocking), str(total - blocking), str(total)])
        rows.append(
            [
                "**total**",
                f"**{summary.blocking}**",
                f"**{summary.total - summary.blocking}**",
                f"**{summary.total}**",
            ]
        )
        header = ["Severity", "Blocking", "Not blocking", "Total"]
        return ["### Findings by severity", "", *_table(header, "lrrr", rows)]

    def _scanners(self, verdict: Verdict) -> list[str]:
        if not verdict.scanners:
            return []
        blocking: dict[str, int] = {}
        for finding in verdict.blocking:
            blocking[finding.scanner] = blocking.get(finding.scanner, 0) + 1
        rows = []
        for result in verdict.scanners:
            name = escape(result.name)
            if result.version:
                name += f" {escape(result.version)}"
            if result.status is ScanStatus.SKIPPED:
                status = f"skipped: {escape(result.error or 'not run')}"
                rows.append([name, status, "", "", "", ""])
                continue
            status = "**error**" if result.status is ScanStatus.ERROR else "ok"
            rows.append(
                [
                    name,
                    status,
                    str(result.findings),
                    str(blocking.get(result.name, 0)),
                    str(result.coverage.files_scanned),
                    f"{result.duration_s:.1f} s",
                ]
            )
        header = ["Scanner", "Status", "Findings", "Blocking", "Files scanned", "Time"]
        return ["### Scanners", "", *_table(header, "llrrrr", rows)]

    def _blocking(self, verdict: Verdict) -> list[str]:
        blocking = _worst_first(list(verdict.blocking))
        if not blocking:
            return []
        rows = [
            [
                f.severity.value,
                code(f"{f.scanner}/{f.rule_id}"),
                code(self._base.location(f.path, f.line)),
                escape(f.message),
            ]
            for f in blocking[:MAX_FINDING_ROWS]
        ]
        lines = [
            f"### Blocking findings ({len(blocking)})",
            "",
            *_table(["Severity", "Rule", "Location", "Message"], "llll", rows),
        ]
        if len(blocking) > MAX_FINDING_ROWS:
            more = len(blocking) - MAX_FINDING_ROWS
            lines += ["", f"… and {more} more: every finding is in the JSON and SARIF reports."]
        return lines

    def _errors(self, verdict: Verdict) -> list[str]:
        errors = [r for r in verdict.scanners if r.status is ScanStatus.ERROR]
        if not errors:
            return []
        lines = ["### Scanner errors", ""]
        lines += [
            f"- **{escape(r.name)}**: {escape(r.error or 'unknown error', MAX_ERROR)}"
            for r in errors[:MAX_LIST_ITEMS]
        ]
        if len(errors) > MAX_LIST_ITEMS:
            lines.append(f"- … and {len(errors) - MAX_LIST_ITEMS} more")
        return lines

    def _set_aside(self, verdict: Verdict) -> list[str]:
        reasons: dict[str, int] = {}
        for finding in verdict.findings:
            if not finding.blocking:
                key = finding.suppressed_by or "not blocking"
                reasons[key] = reasons.get(key, 0) + 1
        if not reasons:
            return []
        ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        rows = [[code(reason), str(count)] for reason, count in ordered[:MAX_WAIVER_ROWS]]
        if len(ordered) > MAX_WAIVER_ROWS:
            rest = sum(count for _, count in ordered[MAX_WAIVER_ROWS:])
            rows.append([f"… {len(ordered) - MAX_WAIVER_ROWS} more reasons", str(rest)])
        return ["### Not blocking", "", *_table(["Reason", "Findings"], "lr", rows)]

    def _baseline(self, verdict: Verdict) -> list[str]:
        baseline = verdict.baseline
        if baseline is None:
            return []
        recorded = _plural(baseline.entries, "recorded finding")
        text = f"{code(baseline.file, in_table=False)}: {recorded}, {baseline.matched} matched now"
        if baseline.fixed:
            text += (
                f", {len(baseline.fixed)} no longer found (`secgate baseline --prune` drops them)"
            )
        return ["### Baseline", "", text + "."]

    def _waivers(self, verdict: Verdict) -> list[str]:
        if not verdict.waivers:
            return []
        order = {"expired": 0, "expiring": 1, "active": 2}
        waivers = sorted(verdict.waivers, key=lambda w: (order[w.state], w.expires, w.id))
        rows = []
        for waiver in waivers[:MAX_WAIVER_ROWS]:
            if waiver.state == "expired":
                state = f"**expired** {_plural(-waiver.days_left, 'day')} ago"
            elif waiver.state == "expiring":
                state = f"**expiring** in {_plural(waiver.days_left, 'day')}"
            else:
                state = "active"
            if waiver.unused:
                state += ", unused"
            rows.append(
                [
                    code(waiver.id),
                    state,
                    waiver.expires.isoformat(),
                    str(waiver.matched),
                    # A code span: an owner like @team must not notify anyone on every push.
                    code(waiver.owner) if waiver.owner else "",
                    code(waiver.ticket) if waiver.ticket else "",
                    escape(waiver.reason, 120),
                ]
            )
        header = ["Waiver", "State", "Expires", "Matched", "Owner", "Ticket", "Reason"]
        lines = ["### Waivers", "", *_table(header, "lllrlll", rows)]
        if len(waivers) > MAX_WAIVER_ROWS:
            lines += ["", f"… and {len(waivers) - MAX_WAIVER_ROWS} more waivers."]
        return lines

    def _policy_summary(self, verdict: Verdict) -> list[str]:
        if not verdict.policy_summary:
            return []
        lines = ["### Policy summary: this run's config turns off or loosens", ""]
        lines += [f"- {escape(line, MAX_ERROR)}" for line in verdict.policy_summary]
        return lines

    def _warnings(self, verdict: Verdict) -> list[str]:
        if not verdict.warnings:
            return []
        lines = ["### Warnings", ""]
        lines += [f"- {escape(w, MAX_ERROR)}" for w in verdict.warnings[:MAX_LIST_ITEMS]]
        if len(verdict.warnings) > MAX_LIST_ITEMS:
            lines.append(f"- … and {len(verdict.warnings) - MAX_LIST_ITEMS} more")
        return lines


TRUNCATED = "_This summary was cut to stay within comment limits: see the JSON or SARIF report._"


def bound(text: str, limit: int = MAX_CHARS) -> str:
    """*text* if it fits in *limit* characters, else its first whole lines and a notice."""
    if len(text) <= limit:
        return text
    budget = limit - len(TRUNCATED) - 3  # a blank line before the notice, a final newline
    kept: list[str] = []
    used = 0
    for line in text.splitlines():
        if used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join([*kept, "", TRUNCATED]) + "\n"
