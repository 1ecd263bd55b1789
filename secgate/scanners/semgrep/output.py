"""Reading what semgrep produced: its JSON document (errors, results, scanned paths), the
``nosemgrep`` marks of its SARIF copy, and the findings, skipped files and failures made of
them.

semgrep's exit code is never trusted alone: the JSON ``errors`` array is read (semgrep exits
0 after internal errors). An error about one target file (a parse error, a timeout) lists
that file as skipped with semgrep's reason and its gap kind, and the scan goes on; any other
error, invalid JSON or a missing SARIF copy is a :class:`~secgate.errors.ScannerError`.
``nosemgrep`` findings are reported with ``suppressed_by="inline:nosemgrep"``, never dropped.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from secgate.deadcode import DEAD_LINES, DISPROVED, dead_line_properties, needs_check
from secgate.errors import ScannerError
from secgate.models import Finding, GapKind, SkippedFile
from secgate.plugins import ScanOutput
from secgate.scanners.semgrep.languages import expected_files
from secgate.scanners.semgrep.options import NAME
from secgate.scanners.semgrep.process import RunOutput
from secgate.scanners.semgrep.rules import (
    MERGED_CONFIG,
    Rule,
    as_mapping,
    clip,
    map_confidence,
    map_severity,
    parse_cwes,
    parse_references,
)
from secgate.scanners.semgrep.targets import (
    TARGET_ERROR_KINDS,
    SourceCopy,
    error_kind,
    first_kind,
)
from secgate.traces import Disproved, verify

NOSEMGREP = "inline:nosemgrep"
#: Longest reason kept for a skipped file (semgrep quotes the offending source).
REASON_MAX = 300
#: Longest snippet secgate keeps (lines), so a finding over a whole file stays readable.
SNIPPET_MAX_LINES = 12
#: Findings of these CWEs flag a credential in the code: their snippet is withheld so a
#: report never repeats the secret (the fingerprint still covers the flagged lines).
SECRET_CWES = frozenset({256, 257, 259, 312, 321, 522, 540, 798})

#: semgrep error types that concern one target file: the file is listed as skipped (with
#: semgrep's reason and the gap kind of :data:`TARGET_ERROR_KINDS`) and the scan goes on.
#: Anything else is a scanner error.
_TARGET_ERRORS = frozenset(TARGET_ERROR_KINDS)


def _error_type(error: Mapping[str, Any]) -> str:
    kind = error.get("type")
    if isinstance(kind, list) and kind:
        kind = kind[0]
    return re.sub(r"[\s_]", "", str(kind or "")).lower()


def printable(text: str, keep: str = "") -> str:
    """*text* with control characters (binary content quoted by semgrep) escaped."""
    return "".join(
        c if c.isprintable() or c in keep else f"\\x{ord(c):02x}" if ord(c) < 256 else "\ufffd"
        for c in text
    )


def _error_message(error: Mapping[str, Any]) -> str:
    for key in ("message", "long_msg", "short_msg"):
        value = error.get(key)
        if isinstance(value, str) and value.strip():
            return printable(" ".join(value.split()))
    kind = error.get("type")
    return f"semgrep error {kind!r}" if kind else "semgrep error"


def _error_origin(
    error: Mapping[str, Any], rules: Mapping[str, Rule], spans: Sequence[tuple[int, int, Rule]]
) -> str:
    """`` (rule X in FILE)`` for an error about one of secgate's merged rules, else ``""``."""
    rule_id = error.get("rule_id")
    if isinstance(rule_id, str) and rule_id in rules:
        return f" (rule {rule_id} in {rules[rule_id].source})"
    for span in error.get("spans") or []:
        if not isinstance(span, dict) or not str(span.get("file", "")).endswith(MERGED_CONFIG):
            continue
        line = int((span.get("start") or {}).get("line", 0))
        for first, last, rule in spans:
            if first <= line <= last:
                return f" (rule {rule.id} in {rule.source})"
    return ""


def relative(path: str, root: Path) -> str:
    """*path* as semgrep wrote it (``./``-prefixed, or absolute under *root*), relative."""
    text = path.replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    if text.startswith("/"):
        with contextlib.suppress(ValueError):
            return Path(text).relative_to(root).as_posix()
    return text


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-limit:].decode("utf-8", "replace").strip()


def parse_json_output(stdout: Path, returncode: int, stderr: Path) -> dict[str, Any]:
    """semgrep's JSON document, or a :class:`ScannerError` saying why there is none."""
    try:
        text = stdout.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:  # pragma: no cover - our own temporary file
        raise ScannerError(f"cannot read semgrep's output: {exc}") from None
    if not text.strip():
        detail = _tail(stderr) or "no output"
        raise ScannerError(f"semgrep exited with code {returncode} and wrote no JSON: {detail}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        detail = _tail(stderr)
        raise ScannerError(
            f"semgrep (exit code {returncode}) wrote invalid JSON ({exc.msg} at line "
            f"{exc.lineno})" + (f": {detail}" if detail else "")
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ScannerError(
            f"semgrep (exit code {returncode}) wrote JSON without a results list; "
            "is this semgrep's JSON format?"
        )
    return data


def suppressed_keys(sarif: Path) -> set[tuple[str, str, int, int, int, int]]:
    """The results semgrep's own ``nosemgrep`` logic suppressed, from its SARIF copy."""
    try:
        data = json.loads(sarif.read_text(encoding="utf-8"))
    except OSError:
        raise ScannerError(
            "semgrep wrote no SARIF copy, so nosemgrep suppressions cannot be read"
        ) from None
    except json.JSONDecodeError as exc:
        raise ScannerError(f"semgrep's SARIF copy is invalid JSON: {exc.msg}") from None
    keys: set[tuple[str, str, int, int, int, int]] = set()
    for run in data.get("runs") or []:
        for result in run.get("results") or []:
            if not result.get("suppressions"):
                continue
            for location in result.get("locations") or []:
                physical = location.get("physicalLocation") or {}
                uri = (physical.get("artifactLocation") or {}).get("uri", "")
                region = physical.get("region") or {}
                keys.add(
                    (
                        str(result.get("ruleId", "")),
                        unquote(str(uri)).removeprefix("./"),
                        int(region.get("startLine", 0)),
                        int(region.get("startColumn", 0)),
                        int(region.get("endLine", region.get("startLine", 0))),
                        int(region.get("endColumn", 0)),
                    )
                )
    return keys


class _Lines:
    """Reads each flagged file once for snippets."""

    def __init__(self, root: Path, texts: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.cache: dict[str, list[str] | None] = {}
        # Files semgrep analysed from a copy: their lines are the copy's (as Python reads).
        for rel, text in (texts or {}).items():
            self.cache[rel] = text.split("\n")

    def snippet(self, rel: str, start: int, end: int) -> str | None:
        lines = self.lines(rel)
        if not lines or start < 1 or start > len(lines):
            return None
        last = min(max(end, start), len(lines), start + SNIPPET_MAX_LINES - 1)
        return printable("\n".join(lines[start - 1 : last]), keep="\n\t")

    def lines(self, rel: str) -> list[str] | None:
        """The file's lines (read once, from inside the root only), or None if unreadable."""
        if rel not in self.cache:
            if rel.startswith(("/", "..")) or "/../" in f"/{rel}/":
                self.cache[rel] = None
                return None
            try:
                text = (self.root / rel).read_bytes().decode("utf-8", "replace")
            except OSError:
                self.cache[rel] = None
            else:
                # Lines as semgrep counts them: "\n" only (splitlines() also splits on
                # form feeds and other separators, which would shift the numbers).
                self.cache[rel] = [line.removesuffix("\r") for line in text.split("\n")]
        return self.cache[rel]


@dataclass
class Collected:
    """What a scan's semgrep runs produced, gathered over every start."""

    results: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    scanned: set[str] = field(default_factory=set)
    skipped_rules: list[Any] = field(default_factory=list)
    suppressed: set[tuple[str, str, int, int, int, int]] = field(default_factory=set)
    version: str | None = None
    runs: int = 0
    unscannable: dict[str, SkippedFile] = field(default_factory=dict)
    """Targets left out because semgrep could not take them, each with its gap."""
    gaps: dict[str, SkippedFile] = field(default_factory=dict)
    """Targets semgrep analysed, but not as Python reads them (an undecodable coding)."""
    copies: dict[str, SourceCopy] = field(default_factory=dict)
    """Targets semgrep analysed from a copy of the text Python reads."""


def _rule_id(check_id: str, known: Mapping[str, Rule]) -> str:
    """The rule's own id (semgrep prefixes ids with the rule file's folder unless told not
    to; ``--no-rewrite-rule-ids`` is passed, and this strips a prefix that slips through)."""
    if check_id in known:
        return check_id
    for rule_id in known:
        if check_id.endswith("." + rule_id):
            return rule_id
    return check_id


def build_finding(
    result: Mapping[str, Any],
    *,
    root: Path,
    rules: Mapping[str, Rule],
    lines: _Lines,
    suppressed: set[tuple[str, str, int, int, int, int]],
) -> Finding:
    """A secgate finding from one entry of semgrep's ``results``."""
    check_id = str(result.get("check_id", ""))
    rule_id = _rule_id(check_id, rules)
    extra = result.get("extra") or {}
    metadata = as_mapping(extra.get("metadata"))
    start = result.get("start") or {}
    end = result.get("end") or {}
    raw_path = str(result.get("path", ""))
    rel = relative(raw_path, root)
    line = int(start.get("line", 0)) or None
    end_line = int(end.get("line", 0)) or line
    column = int(start.get("col", 0)) or None
    key = (
        check_id,
        raw_path.removeprefix("./"),
        int(start.get("line", 0)),
        int(start.get("col", 0)),
        int(end.get("line", 0)),
        int(end.get("col", 0)),
    )
    cwe = parse_cwes(metadata.get("cwe"))
    rule = rules.get(rule_id)
    if not cwe and rule is not None:
        cwe = rule.cwe
    references = parse_references(metadata.get("references"))
    snippet = None
    properties: dict[str, str | int | float | bool | None] = {}
    if line is not None:
        if SECRET_CWES.intersection(cwe):
            properties["snippet_withheld"] = True
        else:
            snippet = lines.snippet(rel, line, end_line or line)
    if end.get("col"):
        properties["end_column"] = int(end["col"])
    if check_id != rule_id:
        properties["semgrep_check_id"] = check_id
    properties["evidence"] = evidence_of(rule, metadata)
    message = " ".join(str(extra.get("message") or (rule.message if rule else "")).split())
    return Finding(
        scanner=NAME,
        rule_id=rule_id or "semgrep",
        severity=map_severity(extra.get("severity"), metadata),
        confidence=map_confidence(metadata),
        message=message or rule_id,
        path=rel,
        line=line,
        end_line=end_line,
        column=column,
        cwe=cwe,
        help_url=references[0] if references else None,
        snippet=snippet,
        properties=properties,
        suppressed_by=NOSEMGREP if key in suppressed else None,
    )


#: What a rule's finding proves (``metadata.secgate-evidence``): ``taint`` (data from a
#: source reaches the sink), ``construct`` (dangerous whatever the data), ``pattern`` (a
#: risky-looking call; confirmed or not by a taint rule of its family).
EVIDENCE_KINDS = frozenset({"taint", "construct", "pattern"})


def evidence_of(rule: Rule | None, metadata: Mapping[str, Any]) -> str:
    """The evidence a finding of *rule* carries: its metadata, else taint mode, else pattern."""
    declared = metadata.get("secgate-evidence")
    if isinstance(declared, str) and declared in EVIDENCE_KINDS:
        return declared
    if rule is not None and rule.raw.get("mode") == "taint":
        return "taint"
    return "pattern"


def fatal_errors(
    errors: Iterable[Mapping[str, Any]], targets: set[str], root: Path
) -> list[Mapping[str, Any]]:
    """The *errors* that are not about one of the *targets* alone: any of them fails the run
    (or, when semgrep could not take a file, makes it run again without it)."""
    fatal = []
    for error in errors:
        path = error.get("path")
        per_target = (
            _error_type(error) in _TARGET_ERRORS
            and isinstance(path, str)
            and relative(path, root) in targets
        )
        if not per_target:
            fatal.append(error)
    return fatal


def describe_failure(
    fatal: Sequence[Mapping[str, Any]],
    output: RunOutput,
    rules: Mapping[str, Rule],
    spans: Sequence[tuple[int, int, Rule]],
) -> str:
    """The scanner error for a failed run: its first fatal errors, each naming the rule file
    it concerns, or the end of what semgrep wrote to stderr."""
    if fatal:
        shown = "; ".join(_error_message(e) + _error_origin(e, rules, spans) for e in fatal[:3])
        more = f" (and {len(fatal) - 3} more)" if len(fatal) > 3 else ""
        return f"semgrep failed (exit code {output.returncode}): {shown}{more}"
    detail = _tail(output.stderr) or "no error reported"
    return f"semgrep exited with code {output.returncode}: {detail}"


def check_trace(finding: Finding, result: Mapping[str, Any], lines: _Lines) -> Finding:
    """Verify a taint finding's flow on the file's ``ast`` (``traces``): record
    ``trace_check`` = ``disproved`` with ``trace_reason``, or ``kept`` with the reason."""
    if finding.properties.get("evidence") != "taint" or finding.line is None:
        return finding
    text = lines.lines(finding.path)
    if text is None:
        outcome_reason, disproved = "the file could not be read", False
    else:
        start = result.get("start") or {}
        end = result.get("end") or {}
        start_col = int(start.get("col", 0)) or None
        end_col = int(end.get("col", 0)) or None
        outcome = verify(
            "\n".join(text),
            finding.line,
            finding.end_line or finding.line,
            start_col if end_col else None,
            end_col if start_col else None,
        )
        outcome_reason, disproved = outcome.reason, isinstance(outcome, Disproved)
    properties = {
        **finding.properties,
        "trace_check": DISPROVED if disproved else "kept",
        "trace_reason": outcome_reason,
    }
    return finding.model_copy(update={"properties": properties})


def build_output(
    collected: Collected,
    root: Path,
    rules: Mapping[str, Rule],
    targets: Sequence[str],
    details: dict[str, str | int | float | bool | None],
) -> ScanOutput:
    """The scan's findings (each ``nosemgrep`` one marked, not dropped), skipped files and
    counts, from everything semgrep's runs on *targets* produced."""
    reasons: dict[str, list[tuple[str, GapKind]]] = {}
    for error in collected.errors:  # only per-target errors are left at this point
        rel = relative(str(error.get("path", "")), root)
        kind = error_kind(_error_type(error))
        reasons.setdefault(rel, []).append((_error_message(error), kind))
    # A coding nobody can decode names the file's gap, whatever semgrep made of its bytes.
    skipped = [gap for _, gap in sorted(collected.gaps.items())]
    skipped.extend(
        SkippedFile(
            path=rel,
            reason=clip(errors[0][0], REASON_MAX)
            + (f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""),
            kind=first_kind(kind for _, kind in errors),
        )
        for rel, errors in sorted(reasons.items())
        if rel not in collected.gaps
    )
    skipped.extend(
        gap
        for rel, gap in sorted(collected.unscannable.items())
        if rel not in reasons and rel not in collected.gaps
    )
    for rel, rule_id in sorted(expected_files(targets, rules.values()).items()):
        if rel not in collected.scanned and rel not in reasons and rel not in collected.gaps:
            skipped.append(
                SkippedFile(
                    path=rel,
                    reason=f"semgrep did not analyse it although rule {rule_id} targets it",
                    kind=GapKind.OTHER,
                )
            )
    lines = _Lines(root, {rel: c.text for rel, c in collected.copies.items()})
    sources: dict[str, str | None] = {}
    findings = []
    for result in collected.results:
        finding = build_finding(
            result,
            root=root,
            rules=rules,
            lines=lines,
            suppressed=collected.suppressed,
        )
        copy = collected.copies.get(finding.path)
        if copy is not None:
            properties = {**finding.properties, "analysed_as": copy.analysed_as}
            finding = finding.model_copy(update={"properties": properties})
        finding = check_trace(finding, result, lines)
        if needs_check(finding):
            # The dead-line check of every other Python finding, here so the result cache
            # keeps it (secgate.deadcode).
            if finding.path not in sources:
                text = lines.lines(finding.path)
                sources[finding.path] = "\n".join(text) if text is not None else None
            source = sources[finding.path]
            dead = dead_line_properties(source, finding.line, finding.end_line) if source else {}
            if dead:
                finding = finding.model_copy(update={"properties": {**finding.properties, **dead}})
        findings.append(finding)
    details[DEAD_LINES] = "checked"
    skipped_paths = {s.path for s in skipped}
    scanned = len(collected.scanned - skipped_paths)
    details["suppressed_inline"] = sum(1 for f in findings if f.suppressed_by)
    return ScanOutput(
        findings=findings,
        files_scanned=scanned,
        skipped=skipped,
        details=details,
        version=collected.version,
    )
