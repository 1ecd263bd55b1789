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
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from typing import ClassVar

from secgate.escape import escape_text
from secgate.models import (
    Coverage,
    Finding,
    ScanResult,
    ScanStatus,
    Severity,
    SkippedFile,
    Verdict,
    summarize,
)
from secgate.plugins import Reporter
from secgate.reports.facts import plural, vulnerability_data_lines
from secgate.reports.locations import ReportBase, report_base

#: Findings that do not block, shown at most this many (every one is in the JSON report).
MAX_FOLDED_ROWS = 2000
#: Gaps listed at most this many per scanner (the counts by kind are always complete).
MAX_GAP_ROWS = 1000
#: A snippet is shown with at most this many lines, each cut at :data:`MAX_SNIPPET_LINE`.
MAX_SNIPPET_LINES = 12
MAX_SNIPPET_LINE = 300
MAX_MESSAGE = 2000

SEVERITY_COLORS = {
    Severity.CRITICAL: "#7f1d1d",
    Severity.HIGH: "#dc2626",
    Severity.MEDIUM: "#d97706",
    Severity.LOW: "#2563eb",
    Severity.INFO: "#6b7280",
}
_WORST_FIRST = tuple(reversed(Severity))
_URL = re.compile(r"^https?://[^\s\"'<>\\`]+$", re.IGNORECASE)
_TOKEN = re.compile(r"[^a-z0-9-]+")

CSS = """
:root{color-scheme:light;--fg:#111827;--muted:#4b5563;--line:#d1d5db;--bg:#f9fafb}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
margin:0 auto;max-width:1200px;padding:1.5rem;background:#fff}
h1{font-size:1.9rem;margin:0 0 .4rem}h2{font-size:1.3rem;margin:2rem 0 .6rem;
border-bottom:1px solid var(--line);padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.87rem}
.verdict{padding:1rem 1.2rem;border-radius:8px;border:2px solid}
.verdict-pass{background:#ecfdf5;border-color:#059669}.verdict-fail{background:#fef2f2;
border-color:#dc2626}.verdict-error{background:#fff7ed;border-color:#c2410c}
.facts{color:var(--muted);margin:.3rem 0 0}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--bg)}td.num,th.num{text-align:right}
#severities{width:auto;min-width:28rem}
.sev{display:inline-block;min-width:4.8rem;padding:0 .4rem;border-radius:4px;color:#fff;
font-size:.8rem;font-weight:600;text-align:center;text-transform:uppercase}
.sev-critical{background:#7f1d1d}.sev-high{background:#dc2626}.sev-medium{background:#b45309}
.sev-low{background:#2563eb}.sev-info{background:#6b7280}
.file{border:1px solid var(--line);border-radius:8px;margin:1rem 0;padding:0 1rem .6rem}
.file>h3{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
article.finding{border-top:1px solid var(--line);padding:.6rem 0}
article.finding:first-of-type{border-top:0}
.head{display:flex;gap:.6rem;flex-wrap:wrap;align-items:baseline}
.rule{font-weight:600}.where{color:var(--muted)}
pre.snippet{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:.4rem 0;
overflow-x:auto;margin:.4rem 0}
pre.snippet .l{display:block;padding:0 .6rem;background:#fff8c5;border-left:3px solid #d97706}
pre.snippet .n{display:inline-block;min-width:3.2rem;color:var(--muted);user-select:none}
.fix{background:#ecfdf5;border-left:3px solid #059669;padding:.3rem .6rem;margin:.4rem 0}
.note{color:var(--muted);font-size:.9rem}
details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}
#filters{display:flex;gap:1.5rem;flex-wrap:wrap;background:var(--bg);border:1px solid var(--line);
border-radius:8px;padding:.5rem 1rem}#filters fieldset{border:0;margin:0;padding:0}
#filters legend{font-weight:600;padding:0}#filters label{margin-right:.7rem;white-space:nowrap}
.chart text{font:13px system-ui,sans-serif;fill:#111827}
[hidden]{display:none!important}
footer{margin-top:2.5rem;color:var(--muted);font-size:.85rem}
"""

#: The filters: show the checkboxes, then hide each finding row whose scanner, severity or
#: status is unchecked, and each group left with no visible row. Allowed by its CSP hash.
SCRIPT = """
(function () {
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.hidden = false;
  function apply() {
    var off = {};
    form.querySelectorAll("input").forEach(function (box) {
      if (!box.checked) { off[box.name + "\\u0000" + box.value] = true; }
    });
    document.querySelectorAll(".finding").forEach(function (row) {
      var d = row.dataset;
      row.hidden = Boolean(off["scanner\\u0000" + d.scanner] ||
        off["severity\\u0000" + d.severity] || off["status\\u0000" + d.status]);
    });
    document.querySelectorAll("[data-group]").forEach(function (group) {
      group.hidden = !group.querySelector(".finding:not([hidden])");
    });
  }
  form.addEventListener("change", apply);
  apply();
})();
"""


def esc(text: object) -> str:
    """*text* safe in HTML text and in a quoted attribute, control and bidi characters shown."""
    return html.escape(escape_text(str(text)), quote=True)


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """*text* on one line (whitespace runs collapsed), cut at *limit*, escaped."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return esc(text)


def doc_url(url: str | None) -> str | None:
    """*url* when it is a plain http(s) URL fit for an ``href``, else None."""
    if url and len(url) <= 2000 and _URL.match(url) and escape_text(url) == url:
        return url
    return None


def status_of(finding: Finding) -> str:
    """The filter status: ``blocking``, or the reason it does not block (``waiver``, …)."""
    if finding.blocking:
        return "blocking"
    reason = finding.suppressed_by
    if not reason:
        return "not-judged"
    token = _TOKEN.sub("-", reason.split(":", 1)[0].lower()).strip("-")
    return token or "other"


def script_hash(script: str = SCRIPT) -> str:
    """The CSP source (``'sha256-…'``) that allows exactly *script*."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src {script_hash()}; base-uri 'none'; form-action 'none'"
)


def _worst_first(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key()))


def _gap_counts(skipped: Iterable[SkippedFile]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for gap in skipped:
        counts[gap.kind.value] = counts.get(gap.kind.value, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{esc(kind)} {count}" for kind, count in counts.items()) or "none"


# --------------------------------------------------------------------------- snippets


def _highlighted(lines: list[str], path: str) -> list[str]:
    """*lines* as HTML, highlighted by Pygments for *path*'s type (plain text when unknown).

    Pygments escapes the code; without Pygments the lines are escaped and not coloured.
    """
    try:
        from pygments import highlight  # type: ignore[import-untyped]  # noqa: PLC0415
        from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]  # noqa: PLC0415
        from pygments.lexers import get_lexer_for_filename  # type: ignore[import-untyped]  # noqa: PLC0415
        from pygments.lexers.special import TextLexer  # type: ignore[import-untyped]  # noqa: PLC0415
        from pygments.util import ClassNotFound  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError:  # pragma: no cover - Pygments comes with rich
        return [esc(line) for line in lines]
    options = {"stripnl": False, "ensurenl": False}
    try:
        lexer = get_lexer_for_filename(path.rsplit("/", 1)[-1], **options)
    except (ClassNotFound, ValueError):
        lexer = TextLexer(**options)
    formatter = HtmlFormatter(nowrap=True, noclasses=True, style="default")
    code: str = highlight("\n".join(lines), lexer, formatter)
    out = code.split("\n")[: len(lines)]
    return out + [""] * (len(lines) - len(out))


def snippet_html(finding: Finding) -> str:
    """The finding's snippet as highlighted lines numbered from its line, or ``""``.

    The snippet is the one the scanner quoted and the engine redacted; it is never read
    from the file here. Each line has its control and bidi characters shown as escapes.
    """
    if not finding.snippet or not finding.snippet.strip():
        return ""
    raw = finding.snippet.splitlines()
    lines = [escape_text(line.expandtabs(4))[:MAX_SNIPPET_LINE] for line in raw]
    lines = lines[:MAX_SNIPPET_LINES]
    first = finding.line or 1
    out = [
        f'<span class="l"><span class="n">{number}</span>{text}</span>'
        for number, text in enumerate(_highlighted(lines, finding.path), start=first)
    ]
    if len(raw) > MAX_SNIPPET_LINES:
        more = len(raw) - MAX_SNIPPET_LINES
        out.append(f'<span class="n">… {plural(more, "more line")}</span>')
    return f'<pre class="snippet">{"".join(out)}</pre>'


# --------------------------------------------------------------------------- the chart


def severity_chart(findings: Sequence[Finding], scanners: Sequence[str]) -> str:
    """Inline SVG: one stacked bar per scanner, a segment per severity, counts as text."""
    counts: dict[str, dict[Severity, int]] = {name: {} for name in scanners}
    for finding in findings:
        by_sev = counts.setdefault(finding.scanner, {})
        by_sev[finding.severity] = by_sev.get(finding.severity, 0) + 1
    rows = list(counts.items())
    if not rows:
        return ""
    biggest = max((sum(c.values()) for _, c in rows), default=0) or 1
    label_w, bar_w, row_h, top = 130, 520, 30, 34
    width = label_w + bar_w + 330
    height = top + row_h * len(rows) + 8
    title = "Findings by severity and scanner"
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title">',
        f'<title id="chart-title">{title}</title>',
    ]
    legend_x = label_w
    for severity in _WORST_FIRST:
        parts.append(
            f'<rect x="{legend_x}" y="6" width="12" height="12" '
            f'fill="{SEVERITY_COLORS[severity]}"/>'
            f'<text x="{legend_x + 16}" y="17">{severity.value}</text>'
        )
        legend_x += 90
    for index, (name, by_sev) in enumerate(rows):
        y = top + index * row_h
        total = sum(by_sev.values())
        parts.append(f'<text x="0" y="{y + 16}">{esc(name)}</text>')
        x = float(label_w)
        for severity in _WORST_FIRST:
            count = by_sev.get(severity, 0)
            if not count:
                continue
            w = bar_w * count / biggest
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 10}" '
                f'fill="{SEVERITY_COLORS[severity]}"><title>{esc(name)}: {count} '
                f"{severity.value}</title></rect>"
            )
            x += w
        words = ", ".join(f"{by_sev[s]} {s.value}" for s in _WORST_FIRST if by_sev.get(s))
        label = f"{total}: {words}" if total else "no findings"
        parts.append(f'<text x="{x + 8:.1f}" y="{y + 16}">{esc(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


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
        facts.append(f"scanned <code>{esc(verdict.root)}</code>")
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
        for severity in _WORST_FIRST:
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
            f"<td>{_counts_text(_gap_counts(collection.skipped))}"
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
            f"<td>{_counts_text(_gap_counts(coverage.skipped))}</td></tr>"
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
            s.value for s in _WORST_FIRST if any(f.severity is s for f in verdict.findings)
        ]
        statuses = sorted({status_of(f) for f in verdict.findings}, key=_status_order)

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
        for finding in _worst_first(blocking):
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
        return (
            f'<section id="blocking"><h2>Blocking findings ({len(blocking)})</h2>'
            f"{''.join(sections)}</section>"
        )

    def _card(self, finding: Finding) -> str:
        where = self._base.location(finding.path, finding.line)
        parts = [
            f'<article class="finding" {_data(finding)}><div class="head">'
            f"{_badge(finding)}"
            f'<span class="rule">{esc(finding.scanner)}/{esc(finding.rule_id)}</span>'
            f'<span class="where mono">{esc(where)}</span>'
            f"{_cwe(finding)}</div>"
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
        link = _rule_link(finding)
        if link:
            parts.append(f"<p>{link}</p>")
        parts.append("</article>")
        return "".join(parts)

    def _folded(self, verdict: Verdict) -> str:
        folded = [f for f in verdict.findings if not f.blocking]
        if not folded:
            return ""
        by_status: dict[str, list[Finding]] = {}
        for finding in _worst_first(folded):
            by_status.setdefault(status_of(finding), []).append(finding)
        shown = 0
        groups = []
        for status in sorted(by_status, key=_status_order):
            findings = by_status[status]
            rows = []
            for finding in findings:
                if shown >= MAX_FOLDED_ROWS:
                    break
                shown += 1
                rows.append(self._row(finding))
            groups.append(
                f"<details data-group><summary>{esc(_STATUS_TITLES.get(status, status))} "
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
        link = _rule_link(finding)
        return (
            f'<tr class="finding" {_data(finding)}><td>{_badge(finding)}</td>'
            f'<td class="mono">{esc(finding.scanner)}/{esc(finding.rule_id)}'
            + (f"<br>{link}" if link else "")
            + f'</td><td class="mono">{esc(where)}</td>'
            f"<td>{one_line(finding.message, 600)}</td>"
            f"<td><code>{esc(finding.suppressed_by or 'not judged')}</code></td></tr>"
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


_STATUS_TITLES = {
    "blocking": "Blocking",
    "below-threshold": "Below the threshold",
    "unconfirmed": "Unconfirmed (a pattern with no taint flow)",
    "disproved": "Disproved (the flow cannot happen)",
    "baseline": "Baselined",
    "waiver": "Waived",
    "inline": "Suppressed inline",
    "duplicate": "Duplicates",
    "path-policy": "Path policy",
    "preexisting": "Already there before the compared ref",
    "newly-disclosed": "Newly disclosed advisories",
    "not-judged": "Not judged",
}
_STATUS_ORDER = {name: index for index, name in enumerate(_STATUS_TITLES)}


def _status_order(status: str) -> tuple[int, str]:
    return (_STATUS_ORDER.get(status, len(_STATUS_ORDER)), status)


def _data(finding: Finding) -> str:
    return (
        f'data-scanner="{esc(finding.scanner)}" data-severity="{finding.severity.value}" '
        f'data-status="{esc(status_of(finding))}"'
    )


def _badge(finding: Finding) -> str:
    severity = finding.severity.value
    return f'<span class="sev sev-{severity}">{severity}</span>'


def _cwe(finding: Finding) -> str:
    if not finding.cwe:
        return ""
    return '<span class="note">' + ", ".join(f"CWE-{c}" for c in finding.cwe[:6]) + "</span>"


def _rule_link(finding: Finding) -> str:
    url = doc_url(finding.help_url)
    if url is None:
        return ""
    return (
        f'<a class="doc" href="{html.escape(url, quote=True)}" rel="noreferrer noopener" '
        f'target="_blank">rule documentation: {esc(finding.rule_id)}</a>'
    )
