"""GitHub Actions annotations: one workflow command per finding worth a look on the diff.

``--annotations github`` (the default when ``GITHUB_ACTIONS=true``) prints, after the
report, lines GitHub reads as workflow commands and shows on the changed lines of a pull
request and on the run page:

- ``::error file=…,line=…,endLine=…,title=…::message`` for each blocking finding;
- ``::warning …`` for each finding at or above ``low`` that does not block but is still
  reported as something to look at: below the threshold (``below-threshold``), in code
  older than ``--new-since`` (``preexisting``, ``newly-disclosed``), or not confirmed by a
  second check (``unconfirmed``). Findings a person set aside (``inline``, ``baseline``,
  ``waiver:…``, ``path-policy:…``) or secgate proved false (``disproved``) or merged into
  another (``duplicate``) get none: annotating them again on every push is the noise the
  waiver or baseline was written to stop;
- at most :data:`MAX_PER_KIND` of each, the most severe first, then one ``::notice`` saying
  how many were left out (GitHub itself shows only the first 10 of a kind per step, so the
  order is what decides which ones people see);
- for an ``error`` verdict (or a ``fail`` no finding explains, e.g. too little coverage),
  one ``::error`` without a file saying why.

The scanned tree is hostile, and a workflow command is a line: a file called
``x%0A::add-mask::…``, a message with a newline or a rule id with ``,title=`` must not end
the annotation, start a command or add a property. So every string from the tree or a
scanner goes through :func:`secgate.escape.escape_text` (no line break, control or bidi
character survives; they show as ``\\n`` …), then GitHub's own escaping
(:func:`escape_data`, :func:`escape_property`): ``%`` ``\\r`` ``\\n`` in the message and
also ``:`` ``,`` in properties. A command can only start a line, and every line here is one
secgate built. Messages are the findings' own, already redacted: no secret value appears.
Paths are relative to the repository root (the git top level), as GitHub resolves them.
"""

from __future__ import annotations

from collections.abc import Iterable

from secgate.escape import escape_text
from secgate.models import Finding, Severity, Verdict, VerdictStatus
from secgate.reports.locations import ReportBase, report_base

#: Annotations of each kind (error, warning) at most; the rest are counted in a notice.
MAX_PER_KIND = 50
#: Characters of a finding's message, and of its fix text, in an annotation.
MAX_MESSAGE = 1000
MAX_FIX = 600
MAX_TITLE = 200

#: Why a non-blocking finding still gets a warning: reported, not set aside by anyone.
WARN_REASONS = frozenset({"below-threshold", "preexisting", "newly-disclosed", "unconfirmed"})
#: The lowest severity a warning is printed for.
WARN_FLOOR = Severity.LOW


def escape_data(text: str) -> str:
    """GitHub's escaping of a workflow command's message: ``%``, ``\\r``, ``\\n``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """GitHub's escaping of a property value: as :func:`escape_data`, and ``:`` ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def clip(text: str, limit: int) -> str:
    """*text* on one line (runs of white space made one space), cut at a word if too long."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _untrusted(text: str, limit: int) -> str:
    """Text from the tree or a scanner: one line, bounded, controls shown as escapes."""
    return escape_text(clip(text, limit))


def command(kind: str, message: str, properties: Iterable[tuple[str, str]] = ()) -> str:
    """One workflow command line; *message* and the property values are escaped here."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties if value)
    head = f"{kind} {props}" if props else kind
    return f"::{head}::{escape_data(message)}"


def wants_warning(finding: Finding) -> bool:
    """Does a non-blocking *finding* get a ``::warning`` (see the module's docstring)?"""
    if finding.blocking or finding.severity < WARN_FLOOR:
        return False
    return finding.suppressed_by is None or finding.suppressed_by in WARN_REASONS


def _worst_first(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, -f.confidence.rank, f.sort_key()))


def _annotation(kind: str, finding: Finding, base: ReportBase) -> str:
    rule = f"{finding.scanner} {finding.rule_id}"
    title = f"secgate: {rule} ({finding.severity}"
    if not finding.blocking:
        title += f", not blocking: {finding.suppressed_by or 'reported'}"
    title += ")"
    message = _untrusted(finding.message, MAX_MESSAGE)
    if finding.help_text:
        message += "\n\nFix: " + _untrusted(finding.help_text, MAX_FIX)
    properties: list[tuple[str, str]] = [("file", escape_text(base.path(finding.path)))]
    if finding.line:
        end = finding.end_line if finding.end_line and finding.end_line >= finding.line else None
        properties += [("line", str(finding.line)), ("endLine", str(end or finding.line))]
    properties.append(("title", _untrusted(title, MAX_TITLE)))
    return command(kind, message, properties)


def workflow_commands(verdict: Verdict, *, limit: int = MAX_PER_KIND) -> list[str]:
    """The annotation lines for *verdict*: errors, warnings, then a notice if capped."""
    base = report_base(verdict.root)
    errors = _worst_first(verdict.blocking)
    warnings = _worst_first(f for f in verdict.findings if wants_warning(f))
    lines: list[str] = []
    if verdict.status is VerdictStatus.ERROR or (
        verdict.status is VerdictStatus.FAIL and not errors
    ):
        reason = verdict.reasons[0] if verdict.reasons else "the gate could not decide"
        lines.append(command("error", _untrusted(reason, MAX_MESSAGE), [("title", "secgate")]))
    lines += [_annotation("error", f, base) for f in errors[:limit]]
    lines += [_annotation("warning", f, base) for f in warnings[:limit]]
    left = [
        f"{len(found) - limit} {what}"
        for found, what in ((errors, "blocking findings"), (warnings, "warnings"))
        if len(found) > limit
    ]
    if left:
        text = (
            f"{' and '.join(left)} not annotated (at most {limit} of each, the most severe "
            "first): every finding is in the job summary and the JSON and SARIF reports"
        )
        lines.append(command("notice", text, [("title", "secgate")]))
    return lines


def render(verdict: Verdict, *, limit: int = MAX_PER_KIND) -> str:
    """:func:`workflow_commands` as text, one command a line ("" when there is none)."""
    lines = workflow_commands(verdict, limit=limit)
    return "".join(line + "\n" for line in lines)
