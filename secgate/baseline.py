"""Baseline files: old findings recorded so that they stop blocking, and only new ones gate.

The file is JSON made for review: entries sorted by path, scanner, rule and fingerprint,
one per distinct finding with a ``count``, no line numbers (they shift), no timestamps and no
secret values (fingerprints are hashes; secret findings' messages are redacted by their
scanner). Matching is count-aware: an entry with ``count = 1`` excuses one occurrence, so a
second copy of a flagged line is new.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from secgate import __version__
from secgate.atomic import atomic_write_text
from secgate.errors import ConfigError
from secgate.models import BaselineEntry, BaselineStatus, Finding

if TYPE_CHECKING:
    from collections.abc import Iterable

BASELINE_FORMAT = 1
DEFAULT_BASELINE = ".secgate-baseline.json"

#: Findings a baseline never records: the scanner itself already set them aside.
_NOT_RECORDED_PREFIXES = ("inline", "duplicate")


class BaselineFile(BaseModel):
    """The on-disk format."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    secgate_baseline: int = Field(description="Format version of the file.")
    generated_by: str = ""
    entries: tuple[BaselineEntry, ...] = ()


def recordable(finding: Finding) -> bool:
    """Whether a baseline records *finding* (not suppressed by the scanner itself)."""
    return not (finding.suppressed_by or "").startswith(_NOT_RECORDED_PREFIXES)


def _key(entry: BaselineEntry) -> tuple[str, str, str, str]:
    return (entry.path, entry.scanner, entry.rule_id, entry.fingerprint)


def entries_from(findings: Iterable[Finding]) -> list[BaselineEntry]:
    """Group findings into sorted baseline entries with counts."""
    counts: Counter[tuple[str, str, str, str]] = Counter()
    messages: dict[tuple[str, str, str, str], str] = {}
    for finding in findings:
        if not recordable(finding):
            continue
        key = (finding.path, finding.scanner, finding.rule_id, finding.fingerprint)
        counts[key] += 1
        messages.setdefault(key, " ".join(finding.message.split())[:200])
    return [
        BaselineEntry(
            path=key[0],
            scanner=key[1],
            rule_id=key[2],
            fingerprint=key[3],
            count=count,
            message=messages[key],
        )
        for key, count in sorted(counts.items())
    ]


def render(entries: Iterable[BaselineEntry]) -> str:
    """The file's text: stable order and layout, so a change shows as a small diff."""
    data = BaselineFile(
        secgate_baseline=BASELINE_FORMAT,
        generated_by=f"secgate {__version__}",
        entries=tuple(sorted(entries, key=_key)),
    )
    return json.dumps(data.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def write(path: Path, entries: Iterable[BaselineEntry]) -> None:
    """Write the baseline atomically (a crash leaves the previous file intact)."""
    atomic_write_text(path, render(entries))


def load(path: Path) -> tuple[BaselineEntry, ...]:
    """Read a baseline file; a missing or malformed one is a :class:`ConfigError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: baseline file not found (create it with `secgate baseline -o {path}`)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: baseline is not valid JSON: {exc}") from None
    if not isinstance(raw, dict) or "secgate_baseline" not in raw:
        raise ConfigError(f'{path}: not a secgate baseline (no "secgate_baseline" key)')
    if raw.get("secgate_baseline") != BASELINE_FORMAT:
        raise ConfigError(
            f"{path}: baseline format {raw.get('secgate_baseline')!r} is not supported "
            f"(this secgate reads format {BASELINE_FORMAT})"
        )
    try:
        return BaselineFile.model_validate(raw).entries
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
        raise ConfigError(
            f"{path}: invalid baseline at {loc.lstrip('.')}: {first['msg']}"
        ) from None


def match(
    findings: list[Finding], entries: Iterable[BaselineEntry], file: str
) -> tuple[list[Finding], BaselineStatus]:
    """Mark findings the baseline excuses as ``suppressed_by="baseline"``, one per count.

    Findings are consumed in report order, so the result is deterministic. Entries left over
    are reported as fixed.
    """
    entries = tuple(entries)
    remaining: Counter[tuple[str, str, str, str]] = Counter()
    for entry in entries:
        remaining[_key(entry)] += entry.count
    matched = 0
    result: list[Finding] = []
    for finding in findings:
        # A merged finding is also each partner it holds: an entry written for any of them
        # (before the merge, or by another scanner) matches it, and the partners' entries
        # are used up with it, so they are not reported as fixed.
        keys = [(finding.path, finding.scanner, finding.rule_id, finding.fingerprint)]
        keys += [(finding.path, r.scanner, r.rule_id, r.fingerprint) for r in finding.related]
        hit = next((key for key in keys if remaining[key] > 0), None)
        if finding.suppressed_by is None and hit is not None:
            for key in keys:
                if remaining[key] > 0:
                    remaining[key] -= 1
            matched += 1
            finding = finding.model_copy(  # noqa: PLW2901 - the judged copy replaces it
                update={"suppressed_by": "baseline", "decided_by": f"baseline {file}"}
            )
        result.append(finding)
    fixed = []
    for entry in entries:
        left = remaining[_key(entry)]
        if left > 0:
            fixed.append(entry.model_copy(update={"count": min(left, entry.count)}))
            remaining[_key(entry)] -= min(left, entry.count)
    status = BaselineStatus(
        file=file,
        entries=sum(e.count for e in entries),
        matched=matched,
        fixed=tuple(fixed),
    )
    return result, status


def pruned(entries: Iterable[BaselineEntry], fixed: Iterable[BaselineEntry]) -> list[BaselineEntry]:
    """*entries* minus the *fixed* ones: a baseline only ever shrinks this way."""
    drop: Counter[tuple[str, str, str, str]] = Counter()
    for entry in fixed:
        drop[_key(entry)] += entry.count
    kept = []
    for entry in entries:
        count = entry.count - min(drop[_key(entry)], entry.count)
        drop[_key(entry)] -= entry.count - count
        if count > 0:
            kept.append(entry.model_copy(update={"count": count}))
    return kept
