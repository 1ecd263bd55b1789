"""One self-contained HTML page to look at: a CI artifact that opens offline in any browser.

What it shows, top to bottom:

- the verdict word (PASS, FAIL, ERROR) and its reasons, then what the config turns off or
  loosens (the policy summary), scanner errors and warnings;
- a severity-by-scanner chart: inline SVG stacked bars, each with its counts written out as
  text, so it reads without colour (and without the SVG);
- coverage per scanner: files analysed, files missed and the gaps by kind, the file
  collection's own gaps and exclusions, and every gap in a folded list;
- the blocking findings grouped by file, worst file first: rule, location, message, the
  finding's own snippet highlighted by Pygments (inline styles), the fix text and a link to
  the rule's documentation;
- the findings that do not block, folded in ``<details>`` by reason (waived, baselined,
  unconfirmed, below threshold…);
- filter checkboxes by scanner, severity and status: a few lines of plain JavaScript that
  set the ``hidden`` attribute on finding rows. The checkboxes are hidden until the script
  runs, so with JavaScript off the page shows everything and no dead control.

**Nothing is fetched.** The CSS is inline, the chart is inline SVG, there is no font, image
or script from anywhere; the only URLs are rule documentation links (``<a href>``, http and
https only). A ``Content-Security-Policy`` meta tag (``default-src 'none'``, the one script
allowed by its hash) means that even a tag injected through some escaping mistake could
neither fetch nor run anything, and ``referrer`` is ``no-referrer``.

**Everything from the scanned tree is untrusted**: paths, messages, rule ids, snippets,
reasons, waiver texts. Each goes through :func:`secgate.escape.escape_text` (control, line
separator and bidi characters shown as escapes) and :func:`html.escape` with
``quote=True``, text and attributes alike. Snippets are the findings' own ``snippet``
field, which the engine has already passed through secret redaction (the secrets scanner
writes the line with the value replaced by its preview); the report never reads a source
file, so no line a scanner did not quote, and no secret value, can appear. Pygments
escapes the code it highlights; its output holds only its own ``<span style>`` tags.

The page's pieces (escaping, CSS, script and CSP, snippets, the chart) are in
:mod:`secgate.reports.html_parts`; this module lays out the sections.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from secgate.models import Coverage, Finding, ScanResult, ScanStatus, Verdict, summarize
from secgate.plugins import Reporter
from secgate.reports.facts import plural, vex_reason, vulnerability_data_lines
from secgate.reports.html_parts import (
    CSP,
    CSS,
    SCRIPT,
    STATUS_TITLES,
    WORST_FIRST,
    badge,
    counts_text,
    cwe_text,
    data_attrs,
    esc,
    gap_counts,
    one_line,
    rule_link,
    severity_chart,
    snippet_html,
    status_of,
    status_order,
    worst_first,
)
from secgate.reports.locations import ReportBase, report_base

#: Findings that do not block, shown at most this many (every one is in the JSON report).
MAX_FOLDED_ROWS = 2000
#: Blocking findings shown at most this many, worst first (every one is in the JSON report).
MAX_BLOCKING_CARDS = 1000
#: Gaps listed at most this many per scanner (the counts by kind are always complete).
MAX_GAP_ROWS = 1000


# --------------------------------------------------------------------------- the reporter


class HtmlReporter(Reporter):
    """A self-contained HTML page: verdict, chart, coverage, findings, offline filters."""

    name: ClassVar[str] = "html"
    description: ClassVar[str] = "self-contained HTML page (offline; chart, coverage, filters)"
    extension: ClassVar[str] = ".html"

    _base: ReportBase

    def render(self, verdict: Verdict, *, color: bool = False) -> str:
        """The whole page."""
        self._base = report_base(verdict.root)
        word = verdict.status.value.upper()
        body = [
            self._head(verdict),
            self._notes(verdict),
            self._chart(verdict),
            self._coverage(verdict),
            self._filters(verdict),
            self._blocking(verdict),
            self._folded(verdict),
            self._baseline(verdict),
            self._waivers(verdict),
            self._vex(verdict),
            f"<footer>secgate {esc(verdict.tool_version)}"
            + (f" · finished {esc(verdict.finished_at.isoformat())}" if verdict.finished_at else "")
            + "</footer>",
        ]
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            '<meta name="referrer" content="no-referrer">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>secgate: {word}</title>\n"
            f"<style>{CSS}</style>\n"
            "</head><body>\n"
            + "\n".join(part for part in body if part)
            + f"\n<script>{SCRIPT}</script>\n</body></html>\n"
        )

    # ------------------------------------------------------------------ sections

    def _head(self, verdict: Verdict) -> str:
        word = verdict.status.value.upper()
        reasons = "".join(f"<li>{one_line(r)}</li>" for r in verdict.reasons)
        facts = [f"{plural(len(verdict.findings), 'finding')}, {len(verdict.blocking)} blocking"]
        # The scanned root as the report's paths start (the repository's folder), else as given.
        where = verdict.root if self._base.kind == "root" else self._base.path("") or "."
        facts.append(f"scanned <code>{esc(where)}</code>")
        if verdict.stage:
            facts.append(f"stage <code>{esc(verdict.stage)}</code>")
        if verdict.new_since:
            facts.append(f"new findings since <code>{esc(verdict.new_since)}</code> block")
        if verdict.shard:
            facts.append(f"shard {esc(verdict.shard)}")
        facts.append(f"decided by <code>{esc(verdict.decided_by)}</code>")
        facts += [esc(line) for line in vulnerability_data_lines(verdict)]
        return (
            f'<header class="verdict verdict-{verdict.status.value}">'
            f'<h1 id="verdict">secgate: {word}</h1>'
            f'<ul id="reasons">{reasons}</ul>'
            f'<p class="facts">{" · ".join(facts)}</p></header>'
        )

    def _notes(self, verdict: Verdict) -> str:
        out = []
        if verdict.policy_summary:
            items = "".join(f"<li>{one_line(line)}</li>" for line in verdict.policy_summary)
            out.append(
                '<section id="policy"><h2>Policy summary: this run\'s config turns off or '
                f"loosens</h2><ul>{items}</ul></section>"
            )
        errors = [r for r in verdict.scanners if r.status is ScanStatus.ERROR]
        if errors:
            items = "".join(
                f"<li><strong>{esc(r.name)}</strong>: {one_line(r.error or 'unknown error')}</li>"
                for r in errors
            )
            out.append(f'<section id="errors"><h2>Scanner errors</h2><ul>{items}</ul></section>')
        if verdict.warnings:
            items = "".join(f"<li>{one_line(w)}</li>" for w in verdict.warnings)
            out.append(f'<section id="warnings"><h2>Warnings</h2><ul>{items}</ul></section>')
        return "\n".join(out)

    def _chart(self, verdict: Verdict) -> str:
        ran = [r.name for r in verdict.scanners if r.status is not ScanStatus.SKIPPED]
        svg = severity_chart(verdict.findings, ran)
        if not svg:
            return ""
        summary = summarize(verdict.findings)
        rows = []
        for severity in WORST_FIRST:
            total = summary.by_severity.get(severity.value, 0)
            if total:
                blocking = summary.blocking_by_severity.get(severity.value, 0)
                rows.append(
                    f'<tr><td><span class="sev sev-{severity.value}">{severity.value}</span></td>'
                    f'<td class="num">{blocking}</td><td class="num">{total - blocking}</td>'
                    f'<td class="num">{total}</td></tr>'
                )
        table = (
            '<table id="severities"><thead><tr><th>Severity</th><th class="num">Blocking</th>'
            '<th class="num">Not blocking</th><th class="num">Total</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            if rows
            else ""
        )
        return f'<section id="chart"><h2>Findings by severity</h2>{svg}{table}</section>'

    def _coverage(self, verdict: Verdict) -> str:
        rows = []
        gap_lists = []
        for result in verdict.scanners:
            rows.append(self._coverage_row(result))
            if result.coverage.skipped:
                gap_lists.append(self._gap_list(result.name, result.coverage))
        collection = verdict.collection
        excluded = ", ".join(
            f"<code>{esc(glob)}</code> {count}" for glob, count in collection.excluded.items()
        )
        rows.append(
            "<tr><td><em>file collection</em></td><td>ok</td>"
            f'<td class="num">{collection.files_scanned}</td>'
            f'<td class="num">{collection.missed_files}</td>'
            f"<td>{counts_text(gap_counts(collection.skipped))}"
            + (f"; excluded: {excluded}" if excluded else "")
            + "</td></tr>"
        )
        if collection.skipped:
            gap_lists.insert(0, self._gap_list("file collection", collection))
        total_gaps = len(collection.skipped) + sum(
            len(r.coverage.skipped) for r in verdict.scanners
        )
        gaps = (
            f'<details id="gaps"><summary>Not scanned ({plural(total_gaps, "gap")})</summary>'
            f"{''.join(gap_lists)}</details>"
            if total_gaps
            else '<p class="note">Every collected file was analysed: no gap.</p>'
        )
        return (
            '<section id="coverage"><h2>Coverage</h2>'
            '<table><thead><tr><th>Scanner</th><th>Status</th><th class="num">Files analysed'
            '</th><th class="num">Files missed</th><th>Gaps by kind</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{gaps}</section>"
        )

    def _coverage_row(self, result: ScanResult) -> str:
        name = esc(result.name) + (f" {esc(result.version)}" if result.version else "")
        if result.status is ScanStatus.SKIPPED:
            why = one_line(result.error or "not run", 300)
            return f'<tr><td>{name}</td><td colspan="4">skipped: {why}</td></tr>'
        coverage = result.coverage
        status = "<strong>error</strong>" if result.status is ScanStatus.ERROR else "ok"
        share = f" ({coverage.share:.0%})" if coverage.missed_files else ""
        return (
            f"<tr><td>{name}</td><td>{status}</td>"
            f'<td class="num">{coverage.files_scanned}{share}</td>'
            f'<td class="num">{coverage.missed_files}</td>'
            f"<td>{counts_text(gap_counts(coverage.skipped))}</td></tr>"
        )

    def _gap_list(self, name: str, coverage: Coverage) -> str:
        rows = []
        for gap in coverage.skipped[:MAX_GAP_ROWS]:
            where = self._base.location(gap.path, gap.line)
            rows.append(
                f'<tr><td class="mono">{esc(where)}</td><td>{esc(gap.kind.value)}</td>'
                f"<td>{one_line(gap.reason, 500)}</td></tr>"
            )
        more = len(coverage.skipped) - MAX_GAP_ROWS
        note = (
            f'<p class="note">… and {more} more (every gap is in the JSON report).</p>'
            if more > 0
            else ""
        )
        return (
            f"<h3>{esc(name)}</h3><table><thead><tr><th>Path</th><th>Kind</th><th>Reason</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}"
        )

    def _filters(self, verdict: Verdict) -> str:
        if not verdict.findings:
            return ""
        scanners = sorted({f.scanner for f in verdict.findings})
        severities = [
            s.value for s in WORST_FIRST if any(f.severity is s for f in verdict.findings)
        ]
        statuses = sorted({status_of(f) for f in verdict.findings}, key=status_order)

        def group(name: str, legend: str, values: Iterable[str]) -> str:
            boxes = "".join(
                f'<label><input type="checkbox" name="{name}" value="{esc(v)}" checked> '
                f"{esc(v)}</label>"
                for v in values
            )
            return f"<fieldset><legend>{legend}</legend>{boxes}</fieldset>"

        return (
            '<form id="filters" hidden>'
            + group("scanner", "Scanner", scanners)
            + group("severity", "Severity", severities)
            + group("status", "Status", statuses)
            + "</form>"
        )

    def _blocking(self, verdict: Verdict) -> str:
        blocking = list(verdict.blocking)
        if not blocking:
            return '<section id="blocking"><h2>Blocking findings (0)</h2><p>None.</p></section>'
        by_file: dict[str, list[Finding]] = {}
        for finding in worst_first(blocking)[:MAX_BLOCKING_CARDS]:
            by_file.setdefault(finding.path, []).append(finding)
        files = sorted(
            by_file.items(),
            key=lambda item: (-max(f.severity.rank for f in item[1]), -len(item[1]), item[0]),
        )
        sections = []
        for path, findings in files:
            cards = "".join(self._card(f) for f in findings)
            sections.append(
                f'<section class="file" data-group><h3>{esc(self._base.path(path))} '
                f'<span class="note">({plural(len(findings), "finding")})</span></h3>'
                f"{cards}</section>"
            )
        more = len(blocking) - MAX_BLOCKING_CARDS
        note = (
            f'<p class="note">… and {plural(more, "more blocking finding")}, less severe: '
            "every finding is in the JSON and SARIF reports.</p>"
            if more > 0
            else ""
        )
        return (
            f'<section id="blocking"><h2>Blocking findings ({len(blocking)})</h2>'
            f"{''.join(sections)}{note}</section>"
        )

    def _card(self, finding: Finding) -> str:
        where = self._base.location(finding.path, finding.line)
        parts = [
            f'<article class="finding" {data_attrs(finding)}><div class="head">'
            f"{badge(finding)}"
            f'<span class="rule">{esc(finding.scanner)}/{esc(finding.rule_id)}</span>'
            f'<span class="where mono">{esc(where)}</span>'
            f"{cwe_text(finding)}</div>"
            f'<p class="message">{one_line(finding.message)}</p>',
            snippet_html(finding),
        ]
        if finding.package is not None:
            package = finding.package
            text = esc(package.name) + (f" {esc(package.version)}" if package.version else "")
            if package.fixed_versions:
                text += f" · fixed in {esc(', '.join(package.fixed_versions[:10]))}"
            parts.append(f'<p class="note">Package: {text}</p>')
        if finding.help_text:
            parts.append(f'<p class="fix"><strong>Fix:</strong> {one_line(finding.help_text)}</p>')
        if finding.related:
            others = ", ".join(
                f"{esc(r.scanner)}/{esc(r.rule_id)}" + (f" (line {r.line})" if r.line else "")
                for r in finding.related[:20]
            )
            parts.append(f'<p class="note">Also reported as: {others}</p>')
        link = rule_link(finding)
        if link:
            parts.append(f"<p>{link}</p>")
        parts.append("</article>")
        return "".join(parts)

    def _folded(self, verdict: Verdict) -> str:
        folded = [f for f in verdict.findings if not f.blocking]
        if not folded:
            return ""
        by_status: dict[str, list[Finding]] = {}
        for finding in worst_first(folded):
            by_status.setdefault(status_of(finding), []).append(finding)
        shown = 0
        groups = []
        for status in sorted(by_status, key=status_order):
            findings = by_status[status]
            rows = []
            for finding in findings:
                if shown >= MAX_FOLDED_ROWS:
                    break
                shown += 1
                rows.append(self._row(finding))
            groups.append(
                f"<details data-group><summary>{esc(STATUS_TITLES.get(status, status))} "
                f"({len(findings)})</summary>"
                "<table><thead><tr><th>Severity</th><th>Rule</th><th>Location</th>"
                "<th>Message</th><th>Why not blocking</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table></details>"
            )
        note = (
            f'<p class="note">… {len(folded) - shown} more are in the JSON report.</p>'
            if shown < len(folded)
            else ""
        )
        return (
            f'<section id="not-blocking"><h2>Not blocking ({len(folded)})</h2>'
            f"{''.join(groups)}{note}</section>"
        )

    def _row(self, finding: Finding) -> str:
        where = self._base.location(finding.path, finding.line)
        link = rule_link(finding, "docs")
        why = f"<br>{one_line(finding.decided_by, 300)}" if finding.decided_by else ""
        vex = vex_reason(finding)
        why += f"<br>{one_line(vex, 600)}" if vex else ""
        return (
            f'<tr class="finding" {data_attrs(finding)}><td>{badge(finding)}</td>'
            f'<td class="mono">{esc(finding.scanner)}/{esc(finding.rule_id)}'
            + (f"<br>{link}" if link else "")
            + f'</td><td class="mono">{esc(where)}</td>'
            f"<td>{one_line(finding.message, 600)}</td>"
            f"<td><code>{esc(finding.suppressed_by or 'not judged')}</code>{why}</td></tr>"
        )

    def _baseline(self, verdict: Verdict) -> str:
        baseline = verdict.baseline
        if baseline is None:
            return ""
        text = (
            f"<code>{esc(baseline.file)}</code>: {plural(baseline.entries, 'recorded finding')}, "
            f"{baseline.matched} matched now"
        )
        if baseline.fixed:
            text += f", {len(baseline.fixed)} no longer found (<code>secgate baseline --prune"
            text += "</code> drops them)"
        return f'<section id="baseline"><h2>Baseline</h2><p>{text}.</p></section>'

    def _waivers(self, verdict: Verdict) -> str:
        if not verdict.waivers:
            return ""
        rows = []
        for waiver in sorted(verdict.waivers, key=lambda w: (w.expires, w.id)):
            state = waiver.state + (", unused" if waiver.unused else "")
            rows.append(
                f"<tr><td><code>{esc(waiver.id)}</code></td><td>{esc(state)}</td>"
                f'<td>{waiver.expires.isoformat()}</td><td class="num">{waiver.matched}</td>'
                f"<td>{esc(waiver.owner or '')}</td><td>{esc(waiver.ticket or '')}</td>"
                f"<td>{one_line(waiver.reason, 300)}</td></tr>"
            )
        return (
            '<section id="waivers"><h2>Waivers</h2><table><thead><tr><th>Waiver</th>'
            '<th>State</th><th>Expires</th><th class="num">Matched</th><th>Owner</th>'
            "<th>Ticket</th><th>Reason</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></section>"
        )

    def _vex(self, verdict: Verdict) -> str:
        if not verdict.vex:
            return ""
        rows = []
        for status in verdict.vex:
            state = "unused" if status.unused else f"matched {status.matched}"
            why = " ".join(x for x in (status.justification, status.impact_statement) if x)
            rows.append(
                f"<tr><td><code>{esc(status.file)}</code></td><td><code>"
                f"{esc(status.statement)}</code></td><td>{esc(status.vulnerability)}</td>"
                f"<td>{esc(status.status)}</td><td>{esc(state)}</td>"
                f"<td>{one_line(why, 300)}</td></tr>"
            )
        return (
            '<section id="vex"><h2>VEX statements</h2><table><thead><tr><th>Document</th>'
            "<th>Statement</th><th>Vulnerability</th><th>Status</th><th>Findings</th>"
            f"<th>Justification</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
        )
