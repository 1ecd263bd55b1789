"""``secgate check``: scan, gate, report."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from secgate.cli.output import emit, report_targets, write_error_reports
from secgate.cli.parser import baseline_arg
from secgate.cli.progress import live_progress
from secgate.errors import SecgateError, UsageError

if TYPE_CHECKING:
    from secgate.models import Verdict
    from secgate.plugins import PluginHost


def cmd_check(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.atomic import symlink_on_the_way  # noqa: PLC0415
    from secgate.engine import check  # noqa: PLC0415
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    host = make_plugin_host()
    args.named_paths = bool(args.paths)
    args.paths = args.paths or ["."]
    scanned = Path(args.paths[0])
    for _, target in report_targets(args, host.reporters()):
        # A stale report (or one the checkout committed) must never pass for this run's;
        # never delete through a symbolic link in the tree (writing there is refused too).
        if symlink_on_the_way(target, scanned) is None and (
            target.is_symlink() or target.is_file()
        ):
            target.unlink()
    signing = None
    if getattr(args, "attest", None):
        from secgate.cli.attest import CheckAttestation  # noqa: PLC0415

        signing = CheckAttestation(args)  # a bad key exits 2 before any scan starts
    live = not args.quiet and sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    try:
        with live_progress(live) as on_progress:
            verdict = _run_check(check, args, host, on_progress)
    except SecgateError as exc:
        write_error_reports(exc, args, host, stdout)
        raise
    if signing is not None:
        signing.take_subjects(verdict, scanned)  # the tree as scanned, before reports land
    emit(verdict, args, host, stdout)
    if signing is not None:
        signing.write(verdict, scanned)
    if args.staged and not args.quiet and (args.output or (args.format or "text") == "text"):
        _allow_hint(verdict, stdout)
    return verdict.exit_code


#: Printed under a commit the secrets hook blocks (``--staged``): how to allow a false positive.
ALLOW_HINT = """\
A false positive? Add a comment holding `secgate: allow` on that line (`# secgate: allow`),
or put `# pragma: allowlist nextline secret` on the line above it; the finding is then
reported as suppressed and no longer blocks (many at once: `secgate baseline`). A real
secret: remove it (from the history too if it was committed) and rotate it.
"""


def _allow_hint(verdict: Verdict, stdout: TextIO) -> None:
    """The hint, when a secret blocks (never for other scanners' findings)."""
    if any(finding.scanner == "secrets" for finding in verdict.blocking):
        stdout.write("\n" + ALLOW_HINT)


def _run_check(
    check: Callable[..., Verdict],
    args: argparse.Namespace,
    host: PluginHost,
    on_progress: Callable[[str, int, int], None] | None,
) -> Verdict:
    return check(
        args.paths,
        stage=args.stage,
        config=args.config,
        policy=args.policy,
        scanners=args.scanners,
        fail_on=args.fail_on,
        jobs=args.jobs,
        baseline=baseline_arg(args),
        new_since=args.new_since,
        changed_only=args.changed_only,
        vex=args.vex,
        overrides=_check_overrides(args),
        shard=args.shard,
        on_progress=on_progress,
        host=host,
    )


def _check_overrides(args: argparse.Namespace) -> dict[str, Any] | None:
    """The ``overrides`` the check command's flags pass to check()."""
    overrides: dict[str, Any] = {"cache": False} if args.no_cache else {}
    scanners: dict[str, dict[str, Any]] = {}
    for extra in (_dependency_overrides(args), _secret_mode_overrides(args)):
        for name, options in (extra or {}).get("scanners", {}).items():
            scanners.setdefault(name, {}).update(options)
    if scanners:
        overrides["scanners"] = scanners
    return overrides or None


def _dependency_overrides(args: argparse.Namespace) -> dict[str, Any] | None:
    options: dict[str, Any] = {}
    if getattr(args, "vuln_db", None):
        # Resolved here: a path on the command line is relative to the current folder.
        options["vuln-db"] = str(Path(args.vuln_db).expanduser().resolve())
    if getattr(args, "installed", False):
        options["installed"] = True
    return {"scanners": {"pip-audit": options}} if options else None


def _secret_mode_overrides(args: argparse.Namespace) -> dict[str, Any] | None:
    """The ``overrides`` that --staged / --history pass to check().

    ``--staged`` with PATHs scans those files (a tree scan of them): pre-commit passes the
    staged files on a commit (their content on disk is the staged one: pre-commit stashes
    the rest), and every file with ``--all-files`` and on pre-commit.ci, where a staged-only
    scan would see nothing. Without PATHs it scans the index (``mode = "staged"``).
    """
    if getattr(args, "staged", False):
        if getattr(args, "named_paths", False):
            return None
        return {"scanners": {"secrets": {"mode": "staged"}}}
    history = getattr(args, "history", None)
    if history is not None:
        if history.startswith("-"):
            raise UsageError(f"--history {history!r}: expected a revision range, e.g. main..HEAD")
        return {"scanners": {"secrets": {"mode": "history", "history-range": history}}}
    return None
