"""``secgate baseline``: record (or prune) the findings that should not block."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from secgate.cli.exitcodes import EXIT_PASS
from secgate.errors import UsageError


def cmd_baseline(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate import baseline as baseline_file  # noqa: PLC0415
    from secgate.engine import (  # noqa: PLC0415
        baseline_path,
        check,
        resolve_config,
        resolve_root,
        review_tree_config,
    )
    from secgate.models import ScanStatus  # noqa: PLC0415
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    targets = [Path(p).resolve() for p in args.paths if Path(p).exists()]
    loaded = resolve_config(targets or [Path.cwd()], args.config)
    # The tree's own `baseline` key may not point outside it: this command writes there.
    root = resolve_root(targets or [Path.cwd()], loaded, explicit=args.config is not None)
    loaded, _ = review_tree_config(loaded, root, make_plugin_host())
    effective = loaded.config.for_stage(args.stage)
    target = baseline_path(args.output, effective, loaded)
    if target is None:
        target = (loaded.root or Path.cwd()) / baseline_file.DEFAULT_BASELINE
    verdict = check(
        args.paths, stage=args.stage, config=args.config, scanners=args.scanners, baseline=False
    )
    failed = [r for r in verdict.scanners if r.status is ScanStatus.ERROR]
    if failed:
        names = ", ".join(r.name for r in failed)
        raise UsageError(
            f"not writing {target}: scanner(s) {names} failed, so the baseline would be "
            f"incomplete ({failed[0].error})"
        )
    current = baseline_file.entries_from(verdict.findings)
    if args.prune:
        old = baseline_file.load(target)
        _, status = baseline_file.match(list(verdict.findings), old, str(target))
        kept = baseline_file.pruned(old, status.fixed)
        baseline_file.write(target, kept)
        dropped = sum(e.count for e in old) - sum(e.count for e in kept)
        stdout.write(
            f"{target}: pruned {dropped} fixed entr{'y' if dropped == 1 else 'ies'}, "
            f"{sum(e.count for e in kept)} remain\n"
        )
        return EXIT_PASS
    baseline_file.write(target, current)
    total = sum(e.count for e in current)
    stdout.write(
        f"{target}: recorded {total} finding{'s' if total != 1 else ''} ({len(current)} entries)\n"
    )
    return EXIT_PASS
