"""One issue, one finding; and blocking on evidence (issue 16 §2 and §3).

A plugin (entry point ``evidence``) in the adjust step, before the built-in adjust
(:mod:`secgate.adjust`, ``trylast``) and the policy:

1. **Merge doubles.** Findings on the same file whose line ranges overlap and whose CWEs fall
   in one weakness family (:mod:`secgate.families`) are one issue reported by several
   scanners or rules (bandit's B602 and the pack's shell-injection rule). They become one
   finding, from the most precise source (a taint rule over a construct rule over a pattern
   rule; then semgrep over bandit; then the higher severity), with the others in
   ``related``. Findings already set aside (``inline``, ``duplicate``) are left alone, so
   a ``# nosec`` is never hidden inside another finding. A baseline entry or waiver for any
   partner still matches the merged finding (:mod:`secgate.baseline`,
   :mod:`secgate.pathpolicy`).
2. **Unconfirmed patterns.** A finding whose only evidence is a pattern (a bandit test, a
   pattern rule: ``properties["evidence"] == "pattern"``) in a family that semgrep's taint
   rules looked for in that file, without finding a flow to it, is ``unconfirmed``: it is
   reported with ``suppressed_by = "unconfirmed"`` and the reason, and blocks only under
   ``block-unconfirmed = true``. A file the taint rules did not analyse (semgrep did not
   run, skipped or could not parse the file, the file is excluded from semgrep) keeps its
   pattern findings blocking: no evidence, no relief.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from secgate.api import hookimpl
from secgate.deadcode import DEAD_LINES, DISPROVED, mark_unreachable
from secgate.families import family_of
from secgate.files import files_for
from secgate.models import Finding, RelatedFinding, ScanStatus

if TYPE_CHECKING:
    from secgate.api import RunContext
    from secgate.models import ScanResult

UNCONFIRMED = "unconfirmed"
#: The scanner whose taint rules confirm or not (its details name the families).
TAINT_SCANNER = "semgrep"
_EVIDENCE_RANK = {"taint": 3, "construct": 2, "pattern": 1}
_SCANNER_RANK = {"semgrep": 2, "bandit": 1}


def evidence_of(finding: Finding) -> str | None:
    """What *finding* proves: ``taint``, ``construct``, ``pattern``, or None (not judged)."""
    value = finding.properties.get("evidence")
    if isinstance(value, str) and value in _EVIDENCE_RANK:
        return value
    if finding.scanner == "bandit":
        return "pattern"  # bandit's tests match calls, not flows
    return None


def _rank(finding: Finding) -> tuple[int, int, int, int, str, str]:
    return (
        _EVIDENCE_RANK.get(evidence_of(finding) or "", 0),
        _SCANNER_RANK.get(finding.scanner, 0),
        finding.severity.rank,
        finding.confidence.rank,
        # Deterministic last: the same primary on every run.
        finding.scanner,
        finding.rule_id,
    )


def _span(finding: Finding) -> tuple[int, int]:
    start = finding.line or 0
    return start, max(finding.end_line or start, start)


def _related(finding: Finding) -> tuple[RelatedFinding, ...]:
    own = RelatedFinding(
        scanner=finding.scanner,
        rule_id=finding.rule_id,
        fingerprint=finding.fingerprint,
        message=finding.message,
        line=finding.line,
        severity=finding.severity,
    )
    return (own, *finding.related)


def merge_doubles(findings: Sequence[Finding]) -> list[Finding]:
    """The findings with each double folded into its most precise partner (order kept)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index, finding in enumerate(findings):
        family = family_of(finding.cwe)
        if family is None or finding.suppressed_by or finding.line is None:
            continue
        groups.setdefault((finding.path, family), []).append(index)
    replaced: dict[int, Finding] = {}
    folded: set[int] = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        for cluster in _clusters(findings, members):
            primary_index = max(cluster, key=lambda i: _rank(findings[i]))
            primary = findings[primary_index]
            partners = [
                i for i in cluster if i != primary_index and _partners(primary, findings[i])
            ]
            if not partners:
                continue
            related = list(primary.related)
            for i in partners:
                related.extend(_related(findings[i]))
            replaced[primary_index] = primary.model_copy(update={"related": tuple(related)})
            folded.update(partners)
    return [replaced.get(i, finding) for i, finding in enumerate(findings) if i not in folded]


def _partners(primary: Finding, other: Finding) -> bool:
    """Whether *other* is *primary*'s issue told again, not a second issue on the lines.

    Another scanner's report is; so is the same scanner's from a rule of another evidence
    kind (semgrep's taint rule and its pattern rule on one sink). Two rules of one scanner
    with the same kind of evidence stay two findings, as that scanner reports them (two
    secrets on one line; bandit's B602 and B604 on one call).
    """
    if (other.scanner, other.rule_id) == (primary.scanner, primary.rule_id):
        return False
    return other.scanner != primary.scanner or evidence_of(other) != evidence_of(primary)


def _clusters(findings: Sequence[Finding], members: list[int]) -> list[list[int]]:
    """Members whose line ranges overlap (transitively), in line order."""
    ordered = sorted(members, key=lambda i: _span(findings[i]))
    clusters: list[list[int]] = []
    end = -1
    for i in ordered:
        start, stop = _span(findings[i])
        if clusters and start <= end:
            clusters[-1].append(i)
            end = max(end, stop)
        else:
            clusters.append([i])
            end = stop
    return [c for c in clusters if len(c) > 1]


@dataclass(frozen=True)
class _TaintCoverage:
    """Where semgrep's taint rules looked: families, file endings, files left out."""

    families: frozenset[str]
    suffixes: tuple[str, ...]
    skipped: frozenset[str]
    exclude: tuple[str, ...]

    def analysed(self, path: str, family: str) -> bool:
        return (
            family in self.families
            and path.endswith(self.suffixes)
            and path not in self.skipped
            and bool(files_for(self.exclude, (path,)))
        )


def _taint_coverage(results: Iterable[ScanResult], run: RunContext) -> _TaintCoverage | None:
    for result in results:
        if result.name != TAINT_SCANNER or result.status is not ScanStatus.OK:
            continue
        families = str(result.details.get("taint_families") or "")
        suffixes = str(result.details.get("taint_suffixes") or "")
        if not families or not suffixes:
            return None
        options = run.options.get(TAINT_SCANNER)
        return _TaintCoverage(
            families=frozenset(f for f in families.split(",") if f),
            suffixes=tuple(s for s in suffixes.split(",") if s),
            skipped=frozenset(s.path for s in result.coverage.skipped),
            exclude=tuple(options.exclude) if options is not None else (),
        )
    return None


def _blocks_unconfirmed(finding: Finding, run: RunContext) -> bool:
    options = run.options.get(finding.scanner)
    if options is not None and options.block_unconfirmed is not None:
        return options.block_unconfirmed
    return run.config.block_unconfirmed


def judge_evidence(findings: Sequence[Finding], run: RunContext) -> list[Finding]:
    """Mark pattern-only findings the taint rules found no flow to as unconfirmed."""
    coverage = _taint_coverage(run.results, run)
    if coverage is None:
        return list(findings)
    judged = []
    for finding in findings:
        family = family_of(finding.cwe)
        if (
            finding.suppressed_by
            or family is None
            or evidence_of(finding) != "pattern"
            or not coverage.analysed(finding.path, family)
        ):
            judged.append(finding)
            continue
        reason = (
            f"semgrep's {family} taint rules analysed {finding.path} and found no flow from "
            "untrusted input to this line"
        )
        properties = {**finding.properties, "evidence_status": UNCONFIRMED, "unconfirmed": reason}
        if _blocks_unconfirmed(finding, run):
            judged.append(finding.model_copy(update={"properties": properties}))
            continue
        judged.append(
            finding.model_copy(
                update={
                    "properties": properties,
                    "suppressed_by": UNCONFIRMED,
                    "decided_by": f"{reason} (block-unconfirmed = false)",
                }
            )
        )
    return judged


def mark_disproved(findings: Sequence[Finding]) -> list[Finding]:
    """Findings the trace check disproved (a taint flow that cannot happen, a line that
    cannot run): reported, not blocking, and no longer evidence (left out of merging, so a
    pattern finding on their line is judged alone)."""
    marked = []
    for finding in findings:
        if finding.suppressed_by or finding.properties.get("trace_check") != DISPROVED:
            marked.append(finding)
            continue
        reason = str(finding.properties.get("trace_reason") or "the trace check disproved it")
        what = "taint flow" if evidence_of(finding) == "taint" else "finding"
        marked.append(
            finding.model_copy(
                update={
                    "suppressed_by": DISPROVED,
                    "decided_by": f"{what} disproved: {reason}",
                }
            )
        )
    return marked


@hookimpl
def secgate_adjust_findings(findings: list[Finding], run: RunContext) -> None:
    """Set disproved taint findings aside, merge doubles, then judge pattern-only findings
    on the taint rules' evidence."""
    # Scanners that checked their own findings at scan time (cached with them) say so.
    done = {r.name for r in run.results if r.details.get(DEAD_LINES) == "checked"}
    checked = mark_unreachable(findings, run.root, skip_scanners=done)
    findings[:] = judge_evidence(merge_doubles(mark_disproved(checked)), run)
