"""Markdown for a pull-request comment: the verdict, the counts, the top blocking findings.

Written to be posted as is by a CI step (GitHub, GitLab, Gitea all render it):

- a status word (PASS, FAIL, ERROR), no emoji, and the reasons;
- counts by severity and by scanner, as tables;
- the blocking findings, worst first, capped at :data:`MAX_FINDING_ROWS` rows, their paths
  relative to the repository root as in the SARIF report (the git top level, else the
  current directory: :mod:`secgate.reports.locations`), so a link or a search finds them;
- rule ids linked to the rule's documentation, and in a GitHub or GitLab job each
  ``path:line`` linked to that line at the scanned commit (:func:`blob_url_base`);
- scanner errors, every file not scanned (the collector's and each scanner's gaps, with
  their kind and reason), what did not block and why, the baseline and waivers when used;
- tables longer than :data:`FOLD_AFTER` rows fold the rest into ``<details>``; a message
  too long for its cell is cut at a word boundary, with an ellipsis (:func:`cut`);
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

import os
import re
from collections.abc import Mapping
from typing import ClassVar
from urllib.parse import quote

from secgate.escape import escape_text, safe_lines
from secgate.models import Finding, ScanStatus, Severity, Verdict, summarize
from secgate.plugins import Reporter
from secgate.reports.facts import plural as _plural
from secgate.reports.facts import vex_reason, vulnerability_data_lines
from secgate.reports.locations import ReportBase, report_base

MARKER = "<!-- secgate-report -->"
#: Hard bound on the whole text; GitHub rejects comments over 65,536 characters.
MAX_CHARS = 50_000
MAX_FINDING_ROWS = 50
MAX_WAIVER_ROWS = 30
MAX_LIST_ITEMS = 20
MAX_CELL = 200
MAX_ERROR = 600
MAX_GAP_ROWS = 100
#: Rows of a table shown open; the rest are folded in a ``<details>`` block.
FOLD_AFTER = 10

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
#: ``@name`` would notify (mention) someone; ``www.`` and ``scheme://`` would be autolinked.
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_AUTOLINK = re.compile(r"(?<![A-Za-z0-9])(www)\.|:(?=//)", re.IGNORECASE)


def cut(text: str, limit: int) -> str:
    """*text* on one line, at most *limit* characters, cut at a word boundary with ``…``.

    Only a word longer than half the limit (a hash, a path) is cut inside itself.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if text[limit - 1] != " " and space > limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:.-") + "…"


def _clip(text: str, limit: int) -> str:
    return escape_text(cut(text, limit))


#: Characters left as they are in a link target; everything else is percent-encoded, so no
#: ``)``, ``]``, space, ``|``, ``<`` or backtick from a scanner's URL can end the link early.
_URL_SAFE = ":/?#@!$&*+,;=%-._~"
_HTTP_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]+)?(/|$)", re.IGNORECASE)
_COMMIT = re.compile(r"[0-9a-fA-F]{7,64}")
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


def link_target(url: str) -> str | None:
    """*url* percent-encoded for a Markdown link, or None unless it is an http(s) URL."""
    if not _HTTP_URL.match(url):
        return None
    return quote(url, safe=_URL_SAFE)


def blob_url_base(env: Mapping[str, str]) -> str | None:
    """``{server}/{repo}/blob/{sha}/`` (GitHub) or ``{project}/-/blob/{sha}/`` (GitLab).

    From the CI's own variables: ``GITHUB_SERVER_URL``, ``GITHUB_REPOSITORY`` and
    ``GITHUB_SHA``, else ``CI_PROJECT_URL`` and ``CI_COMMIT_SHA``; None outside CI or when a
    value does not look like what the CI writes there.
    """
    server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
    repository = env.get("GITHUB_REPOSITORY", "")
    sha = env.get("GITHUB_SHA", "")
    if server and _REPOSITORY.fullmatch(repository) and _COMMIT.fullmatch(sha):
        target = link_target(f"{server}/{repository}/blob/{sha}/")
        if target:
            return target
    project = env.get("CI_PROJECT_URL", "").rstrip("/")
    sha = env.get("CI_COMMIT_SHA", "")
    if project and _COMMIT.fullmatch(sha):
        return link_target(f"{project}/-/blob/{sha}/")
    return None


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


def _folded(header: list[str], align: str, rows: list[list[str]], what: str) -> list[str]:
    """A table of the first :data:`FOLD_AFTER` rows; the others in a ``<details>`` block."""
    lines = _table(header, align, rows[:FOLD_AFTER])
    rest = rows[FOLD_AFTER:]
    if rest:
        lines += [
            "",
            "<details>",
            f"<summary>{len(rest)} more {what}</summary>",
            "",
            *_table(header, align, rest),
            "",
            "</details>",
        ]
    return lines


def _worst_first(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key()))


class MarkdownReporter(Reporter):
    """A pull-request comment: verdict, counts, top blocking findings, bounded length."""

    name: ClassVar[str] = "markdown"
    description: ClassVar[str] = "Markdown summary for a pull-request comment (bounded length)"
    extension: ClassVar[str] = ".md"

    _base: ReportBase
    _blob: str | None

    def render(self, verdict: Verdict, *, color: bool = False) -> str:
        """The comment's text, at most :data:`MAX_CHARS` characters.

        In a GitHub or GitLab job (its ``GITHUB_*`` or ``CI_*`` variables set), locations
        link to the lines at the scanned commit.
        """
        self._base = report_base(verdict.root)
        self._blob = blob_url_base(os.environ) if self._base.kind != "root" else None
        lines = [MARKER, *self._head(verdict)]
        for section in (
            self._policy_summary,
            self._severities,
            self._scanners,
            self._blocking,
            self._errors,
            self._not_scanned,
            self._set_aside,
            self._baseline,
            self._waivers,
            self._vex,
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
        if verdict.scope:
            facts.append(f"scope: {escape(verdict.scope)}")
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
                self._rule(f),
                self._location(f.path, f.line),
                escape(f.message),
            ]
            for f in blocking[:MAX_FINDING_ROWS]
        ]
        header = ["Severity", "Rule", "Location", "Message"]
        lines = [
            f"### Blocking findings ({len(blocking)})",
            "",
            *_folded(header, "llll", rows, "blocking findings"),
        ]
        if len(blocking) > MAX_FINDING_ROWS:
            more = len(blocking) - MAX_FINDING_ROWS
            lines += ["", f"… and {more} more: every finding is in the JSON and SARIF reports."]
        return lines

    def _rule(self, finding: Finding) -> str:
        """The rule as a code span, linked to its documentation when the scanner gave one."""
        text = code(f"{finding.scanner}/{finding.rule_id}")
        target = link_target(finding.help_url) if finding.help_url else None
        return f"[{text}]({target})" if target else text

    def _location(self, path: str, line: int | None) -> str:
        """``path:line`` as a code span, linked to the line at the commit in CI."""
        text = code(self._base.location(path, line))
        if self._blob is None or not path:
            return text
        target = self._blob + quote(self._base.path(path), safe="/")
        if line:
            target += f"#L{line}"
        return f"[{text}]({target})"

    def _not_scanned(self, verdict: Verdict) -> list[str]:
        """Every file (or manifest line) the collector or a scanner did not look at."""
        gaps = [("collector", gap) for gap in verdict.collection.skipped]
        gaps += [(r.name, gap) for r in verdict.scanners for gap in r.coverage.skipped]
        if not gaps:
            return []
        kinds: dict[str, int] = {}
        for _, gap in gaps:
            kinds[gap.kind.value] = kinds.get(gap.kind.value, 0) + 1
        ordered = sorted(kinds.items(), key=lambda item: (-item[1], item[0]))
        by_kind = ", ".join(f"{count} {code(kind, in_table=False)}" for kind, count in ordered)
        rows = [
            [
                self._location(gap.path, gap.line),
                code(gap.kind.value),
                escape(who),
                escape(gap.reason, MAX_ERROR),
            ]
            for who, gap in gaps[:MAX_GAP_ROWS]
        ]
        lines = [
            f"### Not scanned ({len(gaps)})",
            "",
            f"By kind: {by_kind}.",
            "",
            *_folded(["File", "Kind", "Skipped by", "Reason"], "llll", rows, "gaps"),
        ]
        if len(gaps) > MAX_GAP_ROWS:
            more = len(gaps) - MAX_GAP_ROWS
            lines += ["", f"… and {more} more: every gap is in the JSON and text reports."]
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
        lines = ["### Waivers", "", *_folded(header, "lllrlll", rows, "waivers")]
        if len(waivers) > MAX_WAIVER_ROWS:
            lines += ["", f"… and {len(waivers) - MAX_WAIVER_ROWS} more waivers."]
        return lines

    def _vex(self, verdict: Verdict) -> list[str]:
        if not verdict.vex:
            return []
        unused = [v for v in verdict.vex if v.unused]
        matched = len(verdict.vex) - len(unused)
        lines = ["### VEX", "", f"{_plural(len(verdict.vex), 'statement')}: {matched} matched, "]
        lines[-1] += f"{len(unused)} unused."
        rows = []
        for finding in verdict.findings:
            reason = vex_reason(finding)
            if reason is not None:
                aside = (finding.suppressed_by or "").startswith("vex:")
                rows.append(
                    [
                        code(finding.location),
                        code(finding.rule_id),
                        "set aside" if aside else "still judged",
                        escape(reason, 400),
                    ]
                )
        if rows:
            header = ["Finding", "Advisory", "Decision", "What the VEX says"]
            lines += ["", *_folded(header, "llll", rows[:MAX_WAIVER_ROWS], "findings")]
        if unused:
            rows = [
                [code(v.file), code(v.statement), code(v.vulnerability), escape(v.status)]
                for v in unused[:MAX_WAIVER_ROWS]
            ]
            lines += ["", "Unused statements (they matched no finding):", ""]
            lines += _table(["Document", "Statement", "Vulnerability", "Status"], "llll", rows)
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
    """*text* if it fits in *limit* characters, else its first whole lines and a notice.

    A ``<details>`` block the cut leaves open is closed, so the notice is not folded away.
    """
    if len(text) <= limit:
        return text
    close = "\n</details>\n"
    budget = limit - len(TRUNCATED) - 3 - 2 * len(close)  # closings, blank line, final newline
    kept: list[str] = []
    used = 0
    for line in text.splitlines():
        if used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
    still_open = kept.count("<details>") - kept.count("</details>")
    kept += ["", "</details>"] * still_open
    return "\n".join([*kept, "", TRUNCATED]) + "\n"
