"""Give a rule to semgrep only for the files it can match in: a rule's declared prefilter.

A rule may declare, in ``metadata.secgate-prefilter``, a regular expression (Python ``re``,
searched in the file's text) that every file where the rule can match contains. The pack's
taint rules do: a taint finding needs a source in the same file (semgrep's open-source taint
analysis does not cross files), and every source pattern names a token (``request``,
``argv``, ``environ``, a route decorator…) that the expression looks for. semgrep's own
prefilter does not skip such files: it keys on the sinks, which are everywhere (``open``,
``execute``). On the Django sdist most files hold no source, and the taint rules cost most
of semgrep's time.

Such rules run in a semgrep pass of their own over the files that match (one pass per
distinct expression), after the pass of every other rule over every file, when that
leaves out enough to pay for the extra start (:data:`MIN_SKIPPED_BYTES`). A ``paths:
include`` list in the config would do the same in one start, but semgrep matches each file
against each glob of each rule: on Django that cost more than it saved. A rule that already
has a ``paths`` filter is left alone, and a file that cannot be read is kept.

Soundness is the rule author's contract, checked for the pack by
tests/scanners/test_semgrep_prefilter.py: plain semgrep's taint findings on the labelled
detection suite and the rules' test files all lie in files the prefilter matches, and the
suite gives the same findings with and without it. ``[tool.secgate.scanners.semgrep]
prefilter = false`` turns it off.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from secgate.errors import ScannerError

#: The metadata key holding a rule's prefilter.
PREFILTER_KEY = "secgate-prefilter"


def compile_prefilter(raw: Mapping[str, object], rule_id: str, source: Path) -> str | None:
    """The rule's prefilter expression, checked; None without one (or with a ``paths``)."""
    metadata = raw.get("metadata")
    value = metadata.get(PREFILTER_KEY) if isinstance(metadata, Mapping) else None
    if value is None or raw.get("paths"):
        return None
    if not isinstance(value, str) or not value:
        raise ScannerError(f"{source}: rule {rule_id}: metadata.{PREFILTER_KEY} must be a regex")
    try:
        re.compile(value)
    except re.error as exc:
        raise ScannerError(
            f"{source}: rule {rule_id}: metadata.{PREFILTER_KEY} is not a valid regular "
            f"expression ({exc})"
        ) from None
    return value


@dataclass(frozen=True)
class Pass:
    """One set of rules semgrep runs over one set of files (per folder it starts in)."""

    rules: frozenset[str] | None
    """The rule ids, or None for every rule without a prefilter (and the registry's)."""
    jobs: list[tuple[Path, list[str]]]


def _text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("latin-1")  # the tokens are ASCII: lossless search
    except OSError:
        return None


#: A prefiltered group gets a semgrep start of its own only when that leaves out at least
#: this many bytes of files: a start costs about 2 s of CPU, and the pack's taint rules
#: about 8 s per MB (Django, benchmarks/taint_cost.py). Below it (a small tree, a warm run,
#: a pre-commit hook) every rule runs in the one start, as without a prefilter.
MIN_SKIPPED_BYTES = 1_000_000


def passes(
    rule_ids: Collection[str],
    prefilters: Mapping[str, str],
    jobs: Sequence[tuple[Path, Sequence[str]]],
) -> list[Pass]:
    """The semgrep passes: the rules without a prefilter over every file, then each group of
    rules sharing a prefilter over the files it matches in (an unreadable file is kept).

    Rules sharing an expression (the pack's taint rules do) cost one search per file and
    one pass. A group that matches no file has no pass: it cannot match anywhere. A group
    whose pass would leave out less than :data:`MIN_SKIPPED_BYTES` stays in the first pass;
    when every group does, the one pass has ``rules=None`` (every rule).
    """
    everything = [(cwd, list(rels)) for cwd, rels in jobs]
    groups: dict[str, set[str]] = {}
    for rule_id, expr in prefilters.items():
        groups.setdefault(expr, set()).add(rule_id)
    split: list[Pass] = []
    split_ids: set[str] = set()
    for expr, ids in sorted(groups.items()):
        pattern = re.compile(expr)
        kept: list[tuple[Path, list[str]]] = []
        skipped = 0
        for cwd, rels in jobs:
            matching = []
            for rel in rels:
                text = _text(cwd / rel)
                if text is None or pattern.search(text):
                    matching.append(rel)
                else:
                    skipped += len(text)
            if matching:
                kept.append((cwd, matching))
        if skipped < MIN_SKIPPED_BYTES and kept:
            continue
        split_ids |= ids
        if kept:
            split.append(Pass(frozenset(ids), kept))
    if not split_ids:
        return [Pass(None, everything)]
    return [Pass(frozenset(rule_ids) - split_ids, everything), *split]
