"""What the command writes: the report files, the main report on stdout, the error
reports of a run that could not start, and the one line an error becomes on stderr.

On GitHub Actions (``GITHUB_ACTIONS=true``, or ``--annotations github`` anywhere) it also
writes the findings as workflow-command annotations (:mod:`secgate.reports.annotations`):
on stdout after the text report, on stderr when stdout carries a machine report
(``--format json`` without ``--output``), so the report stays parseable; GitHub reads
workflow commands from both. With ``$GITHUB_STEP_SUMMARY`` set it appends the Markdown
report to the job summary (:mod:`secgate.reports.summary`). Neither happens for a
``--shard`` run unless asked (the merge of the shards annotates once); a ``--staged`` run
(pre-commit, which may call secgate once per batch of files) annotates but writes no
summary. Neither changes the verdict or the exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from secgate import __version__
from secgate.errors import SecgateError, UsageError
from secgate.escape import escape_text, safe_line

if TYPE_CHECKING:
    from secgate.models import Verdict
    from secgate.plugins import PluginHost


def use_color(stream: TextIO, args: argparse.Namespace) -> bool:
    if getattr(args, "no_color", False) or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _parse_reports(values: Sequence[str], known: dict[str, object]) -> list[tuple[str, Path]]:
    pairs = []
    for value in values:
        fmt, sep, target = value.partition("=")
        if not sep or not fmt or not target:
            raise UsageError(f"--report {value!r}: expected FORMAT=FILE, e.g. sarif=out.sarif")
        if fmt not in known:
            raise UsageError(
                f"--report {value!r}: unknown format {fmt!r} (known: {', '.join(known)})"
            )
        pairs.append((fmt, Path(target)))
    return pairs


def _refuse_format_as_output(args: argparse.Namespace, reporters: Mapping[str, object]) -> None:
    """``-o json`` is the old spelling of ``--format json``: say so, write no file "json".

    Only the short flag and only a bare format name: ``-o ./json`` or ``--output json``
    still write a file of that name.
    """
    value = args.output
    if getattr(args, "output_flag", None) != "-o" or value not in reporters:
        return
    raise UsageError(
        f"-o {value}: -o names the output FILE (like --output); for the report format use "
        f"--format {value} (or -f {value}); for a file called {value}, write -o ./{value}"
    )


def report_targets(
    args: argparse.Namespace, reporters: Mapping[str, object]
) -> list[tuple[str, Path]]:
    """The (format, file) pairs a command writes: ``--report`` targets, then ``--output``."""
    _refuse_format_as_output(args, reporters)
    pairs = _parse_reports(args.report, dict(reporters))
    if args.output:
        pairs.append((args.format or "text", Path(args.output)))
    return pairs


def emit(verdict: Verdict, args: argparse.Namespace, host: PluginHost, stdout: TextIO) -> None:
    from secgate.atomic import atomic_write_text, symlink_on_the_way  # noqa: PLC0415

    reporters = host.reporters()
    fmt = args.format or "text"
    if fmt not in reporters:
        raise UsageError(f"--format {fmt!r}: unknown format (known: {', '.join(reporters)})")
    targets = report_targets(args, reporters)
    color = use_color(stdout, args)
    for _, target in targets:
        link = symlink_on_the_way(target, Path(verdict.root))
        if link is not None:
            raise UsageError(
                f"{target}: not writing through {link}, a symbolic link inside the scanned "
                "tree (write reports outside the checkout, e.g. under $RUNNER_TEMP)"
            )
    for name, target in targets:
        atomic_write_text(target, reporters[name]().render(verdict))
    if args.output or fmt == "text":
        if args.quiet:
            word = verdict.status.value.upper()
            reason = verdict.reasons[0] if verdict.reasons else ""
            stdout.write(f"secgate: {word}: {reason}\n")
        else:
            stdout.write(reporters["text"]().render(verdict, color=color))
    else:
        stdout.write(reporters[fmt]().render(verdict))
    emit_github(verdict, args, stdout, [str(target) for _, target in targets])


def annotations_mode(args: argparse.Namespace) -> str | None:
    """``github`` when annotations are written, None when not.

    ``--annotations github`` turns them on, ``--no-annotations`` off; by default they are on
    under GitHub Actions (``GITHUB_ACTIONS=true``) except for a ``--shard`` run.
    """
    value = getattr(args, "annotations", None)
    if value == "none":
        return None
    if value:
        return str(value)
    if os.environ.get("GITHUB_ACTIONS") == "true" and not getattr(args, "shard", None):
        return "github"
    return None


def _stdout_is_a_report(args: argparse.Namespace) -> bool:
    """Does stdout carry a machine-read report (json, sarif… without ``--output``)?"""
    return not args.output and (args.format or "text") != "text"


def emit_github(
    verdict: Verdict, args: argparse.Namespace, stdout: TextIO, reports: Sequence[str]
) -> None:
    """The annotations and the job summary (see the module's docstring)."""
    from secgate.reports import summary  # noqa: PLC0415
    from secgate.reports.annotations import render as render_annotations  # noqa: PLC0415

    if annotations_mode(args) == "github":
        stream = sys.stderr if _stdout_is_a_report(args) else stdout
        stream.write(render_annotations(verdict))
        stream.flush()
    target = summary.step_summary_target()
    if target is None or getattr(args, "no_job_summary", False):
        return
    if getattr(args, "shard", None) or getattr(args, "staged", False):
        return  # a shard's merge, not the shard, and pre-commit's many --staged batches
    warning = summary.append_job_summary(verdict, target, reports)
    if warning is not None:
        sys.stderr.write(safe_line(f"secgate: warning: {warning}") + "\n")


def write_error_reports(
    exc: SecgateError,
    args: argparse.Namespace,
    host: PluginHost,
    stdout: TextIO | None = None,
) -> None:
    """On a run that could not start, write an error verdict to every report file."""
    from secgate.atomic import atomic_write_text, symlink_on_the_way  # noqa: PLC0415
    from secgate.models import Verdict, VerdictStatus  # noqa: PLC0415

    root = Path(args.paths[0]).absolute() if args.paths else Path.cwd()
    verdict = Verdict(
        tool_version=__version__,
        status=VerdictStatus.ERROR,
        reasons=(f"secgate could not run: {exc}",),
        decided_by="error",
        root=str(root),
        stage=args.stage,
    )
    reporters = host.reporters()
    written: list[str] = []
    for name, target in report_targets(args, reporters):
        if name not in reporters or symlink_on_the_way(target, root) is not None:
            continue
        with contextlib.suppress(OSError, SecgateError):
            atomic_write_text(target, reporters[name]().render(verdict))
            written.append(str(target))
    if stdout is not None:
        # The error line itself goes to stderr; GitHub also shows it as an annotation.
        emit_github(verdict, args, stdout, written)


def print_error(err: TextIO, exc: SecgateError) -> None:
    """The one line a usage, config or run error becomes on stderr."""
    err.write(safe_line(f"secgate: error: {escape_text(str(exc))}") + "\n")


def print_interrupted(err: TextIO) -> None:
    """The line an interrupted run (Ctrl-C) ends with: no verdict."""
    err.write("secgate: interrupted; no verdict\n")


def print_internal_error(err: TextIO, exc: Exception, *, debug: bool) -> None:
    """The last resort for a bug: one line (and the traceback under ``--debug``)."""
    if debug:
        traceback.print_exc(file=err)
    err.write(
        f"secgate: internal error: {type(exc).__name__}: {escape_text(str(exc))} "
        "(rerun with --debug for a traceback, and please report it)\n"
    )
