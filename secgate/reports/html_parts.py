"""The pieces of the HTML report (:mod:`secgate.reports.html`): escaping, style, script, parts.

:func:`esc` is the one way a string from the scanned tree enters the page (control and bidi
characters shown as escapes, then :func:`html.escape` with ``quote=True``, for text and
attributes alike). :data:`CSP` allows no fetch at all and only :data:`SCRIPT`, by its hash.
:func:`snippet_html` highlights a finding's own (already redacted) snippet with Pygments'
inline styles; :func:`severity_chart` draws the severity-by-scanner bars as inline SVG with
the counts written out.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from secgate.escape import escape_text
from secgate.models import Finding, Severity, SkippedFile
from secgate.reports.facts import plural

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
WORST_FIRST = tuple(reversed(Severity))
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


def worst_first(findings: Iterable[Finding]) -> list[Finding]:
    """*findings*, the most severe first, then in report order."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key()))


def gap_counts(skipped: Iterable[SkippedFile]) -> dict[str, int]:
    """How many gaps of each kind, the most frequent first."""
    counts: dict[str, int] = {}
    for gap in skipped:
        counts[gap.kind.value] = counts.get(gap.kind.value, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def counts_text(counts: dict[str, int]) -> str:
    """``binary 2, too-big 1`` (escaped), or ``none``."""
    return ", ".join(f"{esc(kind)} {count}" for kind, count in counts.items()) or "none"


# --------------------------------------------------------------------------- snippets


@functools.lru_cache(maxsize=64)
def _lexer(name: str) -> Any:
    """Pygments' lexer for a file called *name* (plain text when none fits), or None."""
    try:
        from pygments.lexers import get_lexer_for_filename  # type: ignore[import-untyped]  # noqa: PLC0415
        from pygments.lexers.special import TextLexer  # type: ignore[import-untyped]  # noqa: PLC0415
        from pygments.util import ClassNotFound  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError:  # pragma: no cover - Pygments comes with rich
        return None
    options = {"stripnl": False, "ensurenl": False}
    try:
        return get_lexer_for_filename(name, **options)  # by the name only, never the content
    except (ClassNotFound, ValueError):
        return TextLexer(**options)


def highlighted(lines: list[str], path: str) -> list[str]:
    """*lines* as HTML, highlighted by Pygments for *path*'s type, one string per line.

    Pygments escapes the code (``&``, ``<``, ``>``, both quotes) and closes its spans at
    each line end; without Pygments the lines are escaped and not coloured.
    """
    lexer = _lexer(path.rsplit("/", 1)[-1])
    if lexer is None:  # pragma: no cover - Pygments comes with rich
        return [esc(line) for line in lines]
    from pygments import highlight  # type: ignore[import-untyped]  # noqa: PLC0415
    from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]  # noqa: PLC0415

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
    # Only \n ends a line: U+2028, \x0c and the like are shown as escapes, not line breaks.
    raw = finding.snippet.replace("\r\n", "\n").rstrip("\n").split("\n")
    lines = [escape_text(line.expandtabs(4))[:MAX_SNIPPET_LINE] for line in raw]
    lines = lines[:MAX_SNIPPET_LINES]
    first = finding.line or 1
    out = [
        f'<span class="l"><span class="n">{number}</span>{text}</span>'
        for number, text in enumerate(highlighted(lines, finding.path), start=first)
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
    for severity in WORST_FIRST:
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
        for severity in WORST_FIRST:
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
        words = ", ".join(f"{by_sev[s]} {s.value}" for s in WORST_FIRST if by_sev.get(s))
        label = f"{total}: {words}" if total else "no findings"
        parts.append(f'<text x="{x + 8:.1f}" y="{y + 16}">{esc(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


STATUS_TITLES = {
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
_STATUS_ORDER = {name: index for index, name in enumerate(STATUS_TITLES)}


def status_order(status: str) -> tuple[int, str]:
    """Sort key of a filter status: blocking first, then as :data:`STATUS_TITLES` lists."""
    return (_STATUS_ORDER.get(status, len(_STATUS_ORDER)), status)


def data_attrs(finding: Finding) -> str:
    """The ``data-*`` attributes the filters read: scanner, severity, status."""
    return (
        f'data-scanner="{esc(finding.scanner)}" data-severity="{finding.severity.value}" '
        f'data-status="{esc(status_of(finding))}"'
    )


def badge(finding: Finding) -> str:
    """The severity as a badge (its word, not only its colour)."""
    severity = finding.severity.value
    return f'<span class="sev sev-{severity}">{severity}</span>'


def cwe_text(finding: Finding) -> str:
    """``CWE-78, CWE-88`` for the finding's CWEs, or ``""``."""
    if not finding.cwe:
        return ""
    return '<span class="note">' + ", ".join(f"CWE-{c}" for c in finding.cwe[:6]) + "</span>"


def rule_link(finding: Finding, text: str | None = None) -> str:
    """A link to the rule's documentation (http or https only), or ``""``."""
    url = doc_url(finding.help_url)
    if url is None:
        return ""
    label = esc(text) if text else f"rule documentation: {esc(finding.rule_id)}"
    return (
        f'<a class="doc" href="{html.escape(url, quote=True)}" rel="noreferrer noopener" '
        f'target="_blank">{label}</a>'
    )
