"""Which part of the tree each scanner job gets: a shard's files and scanners, its share of
the baseline, and a scanner's files less its excludes (or only the changed ones)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from secgate import newcode
from secgate.config import ScannerOptions
from secgate.files import FileSet, files_for, shard_of
from secgate.models import BaselineEntry, ScanResult, ScanStatus
from secgate.plugins import PluginHost, Scanner
from secgate.selection import Selection


def apply_shard(
    fileset: FileSet, selection: Selection, shard: tuple[int, int]
) -> tuple[FileSet, Selection, str]:
    """Shard *shard* (k, n) of a run: its files and scanners (whole-tree ones on shard 1 only)."""
    k, n = shard
    note = f"{k}/{n}"
    files = tuple(f for f in fileset.files if shard_of(f, n) == k)
    skipped = tuple(s for s in fileset.skipped if shard_of(s.path, n) == k)
    run: list[tuple[Scanner, bool]] = []
    not_run = list(selection.not_run)
    for scanner, required in selection.run:
        if scanner.per_file or k == 1:
            run.append((scanner, required))
        else:
            not_run.append(
                ScanResult(
                    name=scanner.name,
                    status=ScanStatus.SKIPPED,
                    required=required,
                    error=f"runs on shard 1 only (this is shard {note})",
                )
            )
    return (
        dataclasses.replace(fileset, files=files, skipped=skipped),
        Selection(run=run, not_run=not_run, warnings=selection.warnings),
        note,
    )


def shard_baseline(
    entries: Sequence[BaselineEntry], host: PluginHost, shard: tuple[int, int]
) -> tuple[BaselineEntry, ...]:
    """The baseline entries this shard answers for (so "fixed" is judged once, not N times)."""
    k, n = shard
    registry = host.scanners()

    def mine(entry: BaselineEntry) -> bool:
        info = registry.get(entry.scanner)
        if info is not None and not info.cls.per_file:
            return k == 1
        return shard_of(entry.path, n) == k

    return tuple(e for e in entries if mine(e))


def job_files(
    scanner: Scanner,
    opts: ScannerOptions,
    fileset: FileSet,
    whole: FileSet,
    changed_only: newcode.RefCheckout | None,
) -> tuple[str, ...]:
    """The files one scanner gets: its shard (or the whole tree), less its own excludes;
    with *changed_only*, a per-file scanner keeps only the changed files it is to scan."""
    files = files_for(opts.exclude, (fileset if scanner.per_file else whole).files)
    if changed_only is not None and scanner.per_file:
        wanted = changed_only.changed
        if changed_only.scan_files is not None:
            wanted = changed_only.scan_files.get(scanner.name, wanted)
        files = tuple(f for f in files if changed_only.prefix + f in wanted)
    return files
