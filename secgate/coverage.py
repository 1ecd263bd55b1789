"""The coverage policy: what a run could not look at, and when that makes the verdict error.

Every scanner lists the files (and manifest lines) it could not look at as gaps, each with a
:class:`~secgate.models.GapKind`. A scanner is an error only when it could not do its job
as a whole; gaps are judged here, the same way for every scanner and for the file
collector:

- ``min-coverage`` (top level, per stage, per scanner): the share of a scanner's candidate
  files it analysed. Below it, the verdict is error: a gate that read half the tree has not
  checked it.
- ``fail-on-gaps``: gap kinds of which any one makes the verdict error (``unparsable``,
  ``newer-python``…), for teams that want every file analysed.

The engine applies this after the policy hook, so a plugin that replaces the built-in
policy cannot drop it. Every scanner with gaps gets a sentence in the verdict's reasons,
e.g. ``bandit analysed 782 of 1,243 files (62%): 461 need a newer Python to parse``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from secgate.models import LINE_GAP_KINDS, GapKind, ScanStatus

if TYPE_CHECKING:
    from secgate.config import Config, ScannerOptions
    from secgate.models import Coverage, ScanResult, SkippedFile

#: The collector's name in coverage sentences.
COLLECTOR = "the file collector"

#: How a count of each gap kind reads in a sentence ("461 need a newer Python to parse").
_PHRASES: dict[GapKind, tuple[str, str]] = {
    GapKind.UNREADABLE: ("is unreadable", "are unreadable"),
    GapKind.VANISHED: ("vanished during the scan", "vanished during the scan"),
    GapKind.UNPARSABLE: ("could not be parsed", "could not be parsed"),
    GapKind.NEWER_PYTHON: ("needs a newer Python to parse", "need a newer Python to parse"),
    GapKind.ENCODING: ("could not be decoded", "could not be decoded"),
    GapKind.BINARY: ("is binary", "are binary"),
    GapKind.TOO_BIG: ("is too big", "are too big"),
    GapKind.TIMED_OUT: ("timed out", "timed out"),
    GapKind.NOT_REGULAR: ("is not a regular file", "are not regular files"),
    GapKind.SYMLINK: ("is a symbolic link, not followed", "are symbolic links, not followed"),
    GapKind.INVALID_REQUIREMENT: ("invalid requirement", "invalid requirements"),
    GapKind.VCS: ("VCS requirement", "VCS requirements"),
    GapKind.URL: ("URL requirement", "URL requirements"),
    GapKind.EDITABLE: ("editable requirement", "editable requirements"),
    GapKind.LOCAL_PATH: ("local path requirement", "local path requirements"),
    GapKind.INCLUDE: ("include not followed", "includes not followed"),
    GapKind.DATA: ("data record skipped", "data records skipped"),
    GapKind.OTHER: ("was skipped", "were skipped"),
}


#: A kind named in ``fail-on-gaps`` also covers these narrower kinds: a requirement line
#: no packaging tool parses, or syntax only a newer Python parses, is unparsable too.
FAMILIES: dict[GapKind, frozenset[GapKind]] = {
    GapKind.UNPARSABLE: frozenset({GapKind.INVALID_REQUIREMENT, GapKind.NEWER_PYTHON}),
    GapKind.UNREADABLE: frozenset({GapKind.VANISHED}),
}


def covered_kinds(named: Sequence[GapKind]) -> frozenset[GapKind]:
    """The gap kinds *named* (a ``fail-on-gaps`` list) selects, families included."""
    kinds = set(named)
    for kind in named:
        kinds |= FAMILIES.get(kind, frozenset())
    return frozenset(kinds)


@dataclass
class CoverageJudgement:
    """What the coverage policy says about one run."""

    errors: list[str] = field(default_factory=list)
    """Sentences that make the verdict error (min-coverage or fail-on-gaps broken)."""
    notes: list[str] = field(default_factory=list)
    """One coverage sentence per scanner that has gaps."""
    decided_by: str | None = None
    """``min-coverage`` or ``fail-on-gaps`` when an error came from here."""


def _pct(share: float) -> str:
    # Rounded down, so 49.6% never reads as a passing 50%.
    return f"{math.floor(share * 100)}%"


def _where(gap: SkippedFile) -> str:
    return f"{gap.path}:{gap.line}" if gap.line else gap.path


def _breakdown(gaps: Sequence[SkippedFile]) -> str:
    by_kind: dict[GapKind, list[SkippedFile]] = {}
    for gap in gaps:
        by_kind.setdefault(gap.kind, []).append(gap)
    parts = []
    for kind, items in sorted(by_kind.items(), key=lambda kv: (-len(kv[1]), kv[0].value)):
        one, many = _PHRASES.get(kind, _PHRASES[GapKind.OTHER])
        first = _where(items[0])
        parts.append(f"{len(items):,} {one if len(items) == 1 else many} (first: {first})")
    return ", ".join(parts)


def describe(name: str, coverage: Coverage) -> str | None:
    """The coverage sentence for one scanner, or None when it has no gap."""
    if not coverage.skipped:
        return None
    sentences = []
    files = [s for s in coverage.skipped if s.counts_against_coverage]
    if files:
        # One entry per file: a file with two errors is one file not analysed.
        unique = list({s.path: s for s in files}.values())
        sentences.append(
            f"{name} analysed {coverage.files_scanned:,} of {coverage.candidates:,} files "
            f"({_pct(coverage.share)}): {_breakdown(unique)}"
        )
    lines = [s for s in coverage.skipped if s.kind in LINE_GAP_KINDS]
    if lines:
        sentences.append(
            f"{name}: {len(lines):,} manifest line{'s' if len(lines) != 1 else ''} not "
            f"audited: {_breakdown(lines)}"
        )
    other = [s for s in coverage.skipped if not s.counts_against_coverage]
    other = [s for s in other if s.kind not in LINE_GAP_KINDS]
    if other and not sentences:
        sentences.append(f"{name}: {_breakdown(other)}")
    return "; ".join(sentences) if sentences else None


def _check(  # noqa: PLR0917 - one call site per kind of subject
    name: str,
    coverage: Coverage,
    minimum: float,
    kinds: Sequence[GapKind],
    judgement: CoverageJudgement,
    keys: tuple[str, str],
) -> None:
    min_key, gaps_key = keys
    note = describe(name, coverage)
    if note is not None:
        judgement.notes.append(note)
    if coverage.share < minimum:
        judgement.errors.append(
            f"{name} analysed only {_pct(coverage.share)} of its {coverage.candidates:,} "
            f"candidate files, below {min_key} = {minimum:g}: "
            "a gate that could not look at the code has not checked it"
        )
        judgement.decided_by = judgement.decided_by or "min-coverage"
    selected = covered_kinds(kinds)
    hit = [s for s in coverage.skipped if s.kind in selected]
    if hit:
        named = sorted({s.kind.value for s in hit})
        judgement.errors.append(
            f"{name} has {len(hit):,} gap{'s' if len(hit) != 1 else ''} of a kind "
            f"{gaps_key} names ({', '.join(named)}; first: {_where(hit[0])})"
        )
        judgement.decided_by = judgement.decided_by or "fail-on-gaps"


def judge_coverage(
    results: Sequence[ScanResult],
    collection: Coverage | None,
    config: Config,
    options: Mapping[str, ScannerOptions],
) -> CoverageJudgement:
    """Apply ``min-coverage`` and ``fail-on-gaps`` to the collector and every scanner that ran.

    A scanner that errored or was skipped is judged by the policy already; its coverage is
    not looked at.
    """
    judgement = CoverageJudgement()
    if collection is not None:
        keys = ("min-coverage", "fail-on-gaps")
        _check(COLLECTOR, collection, config.min_coverage, config.fail_on_gaps, judgement, keys)
    for result in results:
        if result.status is not ScanStatus.OK:
            continue
        opts = options.get(result.name)
        minimum = config.min_coverage
        kinds: Sequence[GapKind] = config.fail_on_gaps
        min_key, gaps_key = "min-coverage", "fail-on-gaps"
        if opts is not None and opts.min_coverage is not None:
            minimum, min_key = opts.min_coverage, f"scanners.{result.name}.min-coverage"
        if opts is not None and opts.fail_on_gaps is not None:
            kinds, gaps_key = opts.fail_on_gaps, f"scanners.{result.name}.fail-on-gaps"
        _check(result.name, result.coverage, minimum, kinds, judgement, (min_key, gaps_key))
    return judgement
