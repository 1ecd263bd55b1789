"""Joining shard reports (``secgate check --shard K/N``) into one verdict.

Every shard is judged locally: baseline entries and ``--new-since`` comparisons are keyed by
path, and a path always falls in the same shard, so those per-finding decisions already equal
an unsharded run's and are kept. Everything that needs the whole picture — thresholds, path
policies, waivers (unused or not), the verdict — is decided again on the union. A missing,
duplicated or foreign shard is an error: a gate that did not see every shard must not pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secgate.errors import ReportError
from secgate.models import (
    BaselineStatus,
    Coverage,
    ScanResult,
    ScanStatus,
    SkippedFile,
    Verdict,
)

if TYPE_CHECKING:
    from secgate.plugins import PluginHost

#: Per-finding decisions a shard makes exactly as an unsharded run would.
KEPT_DECISIONS = ("inline", "baseline", "preexisting", "newly-disclosed")


def _check_complete(reports: Sequence[Verdict], names: Sequence[str]) -> int:
    counts = set()
    seen: dict[int, str] = {}
    for report, name in zip(reports, names, strict=True):
        if report.shard is None:
            raise ReportError(f"{name}: not a shard report (run `secgate check --shard K/N`)")
        k_text, _, n_text = report.shard.partition("/")
        k, n = int(k_text), int(n_text)
        counts.add(n)
        if k in seen:
            raise ReportError(f"{name}: shard {report.shard} given twice (also {seen[k]})")
        seen[k] = name
    if len(counts) != 1:
        raise ReportError(f"shard reports disagree on the shard count: {sorted(counts)}")
    total = counts.pop()
    missing = sorted(set(range(1, total + 1)) - set(seen))
    if missing:
        shown = ", ".join(f"{k}/{total}" for k in missing)
        raise ReportError(f"missing shard report(s) {shown}: a partial merge cannot pass")
    roots = {r.root for r in reports}
    stages = {r.stage for r in reports}
    refs = {r.new_since for r in reports}
    if len(stages) > 1 or len(refs) > 1:
        raise ReportError("shard reports were made with different --stage or --new-since")
    del roots  # roots differ between CI machines (checkout paths); paths are relative
    return total


def _merge_results(reports: Sequence[Verdict]) -> list[ScanResult]:
    by_name: dict[str, list[ScanResult]] = {}
    for report in reports:
        for result in report.scanners:
            by_name.setdefault(result.name, []).append(result)
    merged = []
    for name, parts in sorted(by_name.items()):
        ran = [p for p in parts if p.status is not ScanStatus.SKIPPED]
        if not ran:
            merged.append(parts[0])
            continue
        errors = [p.error for p in ran if p.status is ScanStatus.ERROR and p.error]
        skipped: dict[tuple[str, int], SkippedFile] = {}
        for part in ran:
            for item in part.coverage.skipped:
                skipped.setdefault((item.path, item.line or 0), item)
        details: dict[str, Any] = {}
        for part in ran:
            for key, value in part.details.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    details[key] = details.get(key, 0) + value
                else:
                    details.setdefault(key, value)
        starts = [p.started_at for p in ran if p.started_at]
        ends = [p.finished_at for p in ran if p.finished_at]
        merged.append(
            ScanResult(
                name=name,
                version=ran[0].version,
                status=ScanStatus.ERROR
                if any(p.status is ScanStatus.ERROR for p in ran)
                else ScanStatus.OK,
                error="; ".join(dict.fromkeys(errors)) or None,
                required=any(p.required for p in parts),
                started_at=min(starts) if starts else None,
                finished_at=max(ends) if ends else None,
                duration_s=max(p.duration_s for p in ran),
                findings=sum(p.findings for p in ran),
                coverage=Coverage(
                    files_scanned=sum(p.coverage.files_scanned for p in ran),
                    skipped=tuple(skipped[k] for k in sorted(skipped)),
                    excluded=_merge_excluded(p.coverage for p in ran),
                ),
                details=details,
                weakenings=tuple(dict.fromkeys(w for p in ran for w in p.weakenings)),
                # A dependency two shards both audited (the same manifest line) is listed once.
                inventory=tuple(dict.fromkeys(d for p in ran for d in p.inventory)),
            )
        )
    return merged


def _merge_excluded(parts: Iterable[Coverage]) -> dict[str, int]:
    """Exclusion counts by glob: every shard's collector saw every candidate file before the
    shard took its share, so each counts the same files (the largest count, not the sum)."""
    merged: dict[str, int] = {}
    for part in parts:
        for glob, count in part.excluded.items():
            merged[glob] = max(merged.get(glob, 0), count)
    return merged


#: Policy-summary lines counted from the file collection: a shard counts only its own files.
_COLLECTION_LINES = ("excluded by ", "default exclude ")


def _policy_summary(verdict: Verdict, shards: Sequence[Verdict]) -> tuple[str, ...]:
    """What the shards' configs turn off (evaluate() does not rebuild it), with the
    exclusion shares counted again on the whole collection (a shard's are of its share)."""
    from secgate.config import Config  # noqa: PLC0415
    from secgate.weakenings import policy_summary  # noqa: PLC0415

    counted = list(policy_summary(Config(), collection=verdict.collection))
    lines: list[str] = [*verdict.policy_summary]
    for line in dict.fromkeys(line for shard in shards for line in shard.policy_summary):
        if line.startswith(_COLLECTION_LINES):
            lines.extend(counted)  # where the shards put them
            counted = []
        else:
            lines.append(line)
    return tuple(dict.fromkeys([*lines, *counted]))


def _merge_baseline(reports: Sequence[Verdict]) -> BaselineStatus | None:
    parts = [r.baseline for r in reports if r.baseline is not None]
    if not parts:
        return None
    return BaselineStatus(
        file=parts[0].file,
        entries=sum(p.entries for p in parts),
        matched=sum(p.matched for p in parts),
        fixed=tuple(e for p in parts for e in p.fixed),
    )


def merge(
    reports: Sequence[str | os.PathLike[str] | Verdict],
    *,
    config: str | os.PathLike[str] | Any | None = None,
    stage: str | None = None,
    plugins: Sequence[object] = (),
    host: PluginHost | None = None,
    vex: Sequence[str | os.PathLike[str]] = (),
) -> Verdict:
    """One verdict from the reports of every shard, equal to an unsharded run's.

    The merge judges the union afresh: VEX documents the shards were given with ``--vex``
    (not in the config) must be given again as *vex*, as for :func:`secgate.evaluate`.
    """
    from secgate.engine import evaluate, load_report  # noqa: PLC0415 - engine imports plugins

    loaded = [r if isinstance(r, Verdict) else load_report(Path(r)) for r in reports]
    names = [
        str(r) if not isinstance(r, Verdict) else f"report {i + 1}" for i, r in enumerate(reports)
    ]
    if not loaded:
        raise ReportError("no shard reports to merge")
    _check_complete(loaded, names)
    first = loaded[0]
    collected: dict[tuple[str, int], SkippedFile] = {}
    for report in loaded:
        for item in report.collection.skipped:
            collected.setdefault((item.path, item.line or 0), item)
    union = Verdict(
        tool_version=first.tool_version,
        status=first.status,
        reasons=(),
        decided_by="merge",
        root=first.root,
        stage=first.stage,
        config_file=first.config_file,
        scanners=tuple(_merge_results(loaded)),
        findings=tuple(f for r in loaded for f in r.findings),
        collection=Coverage(
            files_scanned=sum(r.collection.files_scanned for r in loaded),
            skipped=tuple(collected[k] for k in sorted(collected)),
            excluded=_merge_excluded(r.collection for r in loaded),
        ),
        warnings=tuple(
            dict.fromkeys(w for r in loaded for w in r.warnings if w.startswith("scanner "))
        ),
        new_since=first.new_since,
        started_at=min((r.started_at for r in loaded if r.started_at), default=None),
    )
    verdict = evaluate(
        union,
        config=config,
        stage=stage if stage is not None else first.stage,
        plugins=plugins,
        new_since=first.new_since,
        baseline_status=_merge_baseline(loaded),
        baseline=False,
        keep=KEPT_DECISIONS,
        host=host,
        vex=vex,
    )
    # --changed-only: every shard scanned its share of the same changed set, so one scope.
    return verdict.model_copy(
        update={"policy_summary": _policy_summary(verdict, loaded), "scope": first.scope}
    )
