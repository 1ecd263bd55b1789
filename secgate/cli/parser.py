"""The ``secgate`` command: parse arguments, call the engine, print, exit.

Exit codes: 0 pass, 1 fail (blocking findings), 2 error (bad usage or config, or a scanner
that could not do its job under the default fail-closed policy).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from secgate import __version__
from secgate.errors import SecgateError, UsageError
from secgate.escape import escape_text, safe_line

if TYPE_CHECKING:
    from secgate.models import Verdict
    from secgate.plugins import PluginHost

EXIT_PASS, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
SEVERITIES = ("critical", "high", "medium", "low", "info")

EPILOG = """\
exit codes:
  0  pass: no blocking finding
  1  fail: at least one blocking finding
  2  error: bad usage or config, or a scanner that could not do its job
     (a security gate fails closed: a crashed scanner never passes)

environment:
  SECGATE_CONFIG      config file, when --config is not given
  SECGATE_POLICY      the pipeline owner's policy file, when --policy is not given
  SECGATE_STAGE       stage profile, when --stage is not given
  SECGATE_FAIL_ON     threshold, when --fail-on is not given
  SECGATE_CACHE_DIR   result cache folder (default: $XDG_CACHE_HOME/secgate)
  SECGATE_VULN_DB     offline vulnerability database, when --vuln-db is not given
  NO_COLOR            no colour even on a terminal

docs: https://github.com/secgate-ci/secgate#readme
"""

CHECK_EPILOG = (
    """\
examples:
  secgate check                          scan the current folder with the closest config
  secgate check src/ --stage pr          use [tool.secgate.stages.pr]
  secgate check --scanner bandit --fail-on medium
  secgate check --format sarif --output secgate.sarif
  secgate check --report json=secgate.json --report sarif=secgate.sarif
  secgate check --staged --scanner secrets     pre-commit: secrets in the next commit
  secgate check --history main..HEAD           secrets added by the branch's commits

Config comes from the closest secgate.toml or pyproject.toml with a [tool.secgate]
table, searched from the first PATH upward. Every finding is reported; the policy
decides only which ones block.

"""
    + EPILOG
)


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() owns every exit code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # `--out` must not silently mean `--output`
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _add_policy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: closest secgate.toml / pyproject.toml)",
    )
    parser.add_argument(
        "--stage",
        metavar="NAME",
        default=os.environ.get("SECGATE_STAGE"),
        help="stage profile from [tool.secgate.stages.NAME] (pre-commit, pr, release…)",
    )
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        metavar="SEV",
        default=os.environ.get("SECGATE_FAIL_ON"),
        help="block findings at or above SEV: critical, high (default), medium, low, info",
    )


def _shard(value: str) -> tuple[int, int]:
    from secgate.files import parse_shard  # noqa: PLC0415

    try:
        return parse_shard(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_baseline_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--baseline",
        metavar="FILE",
        help="findings recorded in FILE do not block (default: the config's `baseline`)",
    )
    group.add_argument(
        "--no-baseline", action="store_true", help="ignore the config's baseline file"
    )


def _baseline_arg(args: argparse.Namespace) -> str | bool | None:
    if args.no_baseline:
        return False
    return args.baseline  # type: ignore[no-any-return]


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        "-o",
        dest="format",
        metavar="FORMAT",
        default=None,
        help="format of the main report: text (default), json, sarif, junit, markdown, or a "
        "plugin's format",
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        help="write the main report to FILE; stdout then gets the text summary",
    )
    parser.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="FORMAT=FILE",
        help="also write a report in FORMAT to FILE (repeatable)",
    )
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print only the verdict line (reports are still written)",
    )
    parser.add_argument("--no-color", action="store_true", help="no colour, even on a terminal")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the whole command."""
    parser = _Parser(
        prog="secgate",
        description="secgate: a security gate for CI/CD. Runs the scanners, weighs their "
        "findings against your policy, and answers pass, fail or error.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"secgate {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser(
        "check",
        help="scan and gate: exit 0 pass, 1 fail, 2 error",
        description="Scan PATHs, apply the policy, print the verdict and exit 0 (pass), "
        "1 (fail) or 2 (error).",
        epilog=CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="files or folders to scan (default: .)",
    )
    _add_policy_options(check)
    check.add_argument(
        "--policy",
        metavar="FILE",
        default=os.environ.get("SECGATE_POLICY"),
        help="the pipeline owner's policy (a secgate.toml-style file kept outside the "
        "scanned tree): its keys win over the repository's config, and the keys it lists "
        "in `locked` the repository may not set ($SECGATE_POLICY)",
    )
    check.add_argument(
        "--scanner",
        action="append",
        dest="scanners",
        metavar="NAME",
        help="run only this scanner (repeatable); a named scanner is required: "
        "if it cannot run, the verdict is error",
    )
    _add_baseline_options(check)
    check.add_argument(
        "--new-since",
        metavar="REF",
        help="block only findings introduced since git REF (e.g. origin/main); the rest "
        "are reported as preexisting or newly-disclosed",
    )
    check.add_argument(
        "--shard",
        metavar="K/N",
        type=_shard,
        help="scan only the K-th of N deterministic slices of the files (for a CI matrix); "
        "join the JSON reports with `secgate merge`",
    )
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="scan every file afresh (default: reuse results of unchanged files from the "
        "cache in $SECGATE_CACHE_DIR or $XDG_CACHE_HOME/secgate)",
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="worker processes for CPU-bound scanners (default: all cores)",
    )
    _add_output_options(check)
    _add_dependency_options(check)
    _add_secret_mode_options(check)

    evaluate = sub.add_parser(
        "evaluate",
        help="re-apply a policy to a saved JSON report, without scanning",
        description="Re-judge a JSON report written by `secgate check --format json` with "
        "the current (or another) policy: try a policy change, or gate a later "
        "pipeline stage on an earlier stage's scan. Exit codes as for check.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.add_argument("report_file", metavar="REPORT.json", help="a secgate JSON report")
    _add_policy_options(evaluate)
    _add_baseline_options(evaluate)
    _add_output_options(evaluate)

    merge = sub.add_parser(
        "merge",
        help="join the JSON reports of `check --shard K/N` runs into one verdict",
        description="Join the JSON reports of every shard (`secgate check --shard K/N "
        "--format json --output shard-K.json`) into one verdict, equal to an unsharded "
        "run's. A missing or duplicated shard is an error. Exit codes as for check.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    merge.add_argument("reports", nargs="+", metavar="REPORT.json")
    merge.add_argument("--config", metavar="FILE", help="config file (default: closest)")
    merge.add_argument("--stage", metavar="NAME", help="stage (default: the shards' stage)")
    _add_output_options(merge)

    baseline = sub.add_parser(
        "baseline",
        help="record current findings so that only new ones block",
        description="Scan PATHs and record every finding's fingerprint in a reviewable JSON "
        "file. `secgate check --baseline FILE` (or `baseline = FILE` in the config) then "
        "lets those findings through and blocks only new ones. Matching is by content, "
        "not line number, and count-aware: one entry excuses one occurrence.",
        epilog="examples:\n"
        "  secgate baseline -o .secgate-baseline.json     record today's debt\n"
        "  secgate baseline --prune                        drop entries that were fixed\n"
        "\nWith --prune the file only shrinks: entries no longer found are dropped, and new\n"
        "findings are NOT added (regenerate without --prune to accept them on purpose).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    baseline.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    baseline.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="baseline file (default: the config's `baseline`, else .secgate-baseline.json "
        "beside the config)",
    )
    baseline.add_argument(
        "--prune", action="store_true", help="only drop entries that no longer occur"
    )
    baseline.add_argument("--config", metavar="FILE", help="config file")
    baseline.add_argument("--stage", metavar="NAME", default=os.environ.get("SECGATE_STAGE"))
    baseline.add_argument("--scanner", action="append", dest="scanners", metavar="NAME")

    scanners = sub.add_parser(
        "scanners",
        help="list the registered scanners and whether they can run here",
        description="Every registered scanner: name, version, the distribution that "
        "provides it, and whether it can run on this machine (and why not).",
    )
    scanners.add_argument("--format", choices=("text", "json"), default="text")
    _add_rules_parser(sub)
    _add_db_parser(sub)
    return parser


def _add_rules_list_options(parser: argparse.ArgumentParser, *, nested: bool) -> None:
    # On the `list` action the defaults are suppressed, so that `secgate rules --format
    # json list` keeps the value given before the action.
    default: Any = argparse.SUPPRESS if nested else None
    parser.add_argument(
        "--scanner",
        action="append",
        dest="rules_scanners",
        metavar="NAME",
        default=default,
        help="only this scanner's rules (repeatable)",
    )
    parser.add_argument(
        "--format",
        dest="rules_format",
        choices=("text", "json"),
        default=argparse.SUPPRESS if nested else "text",
        help="text (default) or json",
    )
    parser.add_argument(
        "--config",
        dest="rules_config",
        metavar="FILE",
        default=default,
        help="config file whose scanner options apply (default: the closest one)",
    )


def _add_rules_parser(sub: Any) -> None:
    """``secgate rules [ACTION]``: a group of rule commands; ``list`` is the default."""
    rules = sub.add_parser(
        "rules",
        help="list every rule of every scanner (id, severity, CWE, description)",
        description="Work with the scanners' rules. Without an ACTION: `list`, every rule "
        "of every registered scanner with the options of the closest config (extra "
        "semgrep rule files, for instance).",
    )
    _add_rules_list_options(rules, nested=False)
    actions = rules.add_subparsers(dest="rules_command", metavar="ACTION", parser_class=_Parser)
    listing = actions.add_parser(
        "list",
        help="list the rules (the default action)",
        description="Every rule of every registered scanner: id, scanner, severity "
        '("varies" when the scanner decides per finding), CWE ids and a one-line '
        "description.",
    )
    _add_rules_list_options(listing, nested=True)
    _add_import_gitleaks_action(actions)


# --------------------------------------------------------------------------- secrets


def _add_secret_mode_options(parser: argparse.ArgumentParser) -> None:
    """``--staged`` and ``--history [RANGE]``: what the secrets scanner reads."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--staged",
        action="store_true",
        help="secrets scanner: scan what is staged in git (the next commit), for pre-commit",
    )
    group.add_argument(
        "--history",
        nargs="?",
        const="HEAD",
        default=None,
        metavar="RANGE",
        help="secrets scanner: scan every line added by the commits of RANGE "
        "(default HEAD: the whole history of the current branch); put PATHs before it",
    )


def _secret_mode_overrides(args: argparse.Namespace) -> dict[str, Any] | None:
    """The ``overrides`` that --staged / --history pass to check()."""
    if getattr(args, "staged", False):
        return {"scanners": {"secrets": {"mode": "staged"}}}
    history = getattr(args, "history", None)
    if history is not None:
        if history.startswith("-"):
            raise UsageError(f"--history {history!r}: expected a revision range, e.g. main..HEAD")
        return {"scanners": {"secrets": {"mode": "history", "history-range": history}}}
    return None


def _add_import_gitleaks_action(actions: Any) -> None:
    """``secgate rules import-gitleaks FILE [-o OUT]``."""
    importer = actions.add_parser(
        "import-gitleaks",
        help="validate a gitleaks rule file and convert it to secgate's secret-rule format",
        description="Read a gitleaks config ([[rules]] with id, regex, secretGroup, keywords, "
        "entropy, path, allowlists), check that every rule loads (Go regex syntax is "
        "translated where Python's re reads it differently, and rejected with the reason "
        "where it cannot), and write the rules as a secgate rule file. Without -o, only "
        "validate and print how to use the file as it is.",
    )
    importer.add_argument("file", metavar="FILE", help="gitleaks TOML rule file")
    importer.add_argument(
        "-o", "--output", metavar="OUT", help="write the converted secgate rule file to OUT"
    )


def _cmd_import_gitleaks(args: argparse.Namespace, stdout: TextIO) -> int:
    import tomllib  # noqa: PLC0415

    from secgate.atomic import atomic_write_text  # noqa: PLC0415
    from secgate.errors import ConfigError  # noqa: PLC0415
    from secgate.secrets.rules import (  # noqa: PLC0415
        detect_format,
        parse_gitleaks,
        rules_to_toml,
    )

    source = Path(args.file)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    if detect_format(data) != "gitleaks":
        raise ConfigError(f"{source}: this is already a secgate rule file (it has `schema`)")
    rules, notes = parse_gitleaks(data, str(source))
    for note in notes:
        stdout.write(f"note: {note}\n")
    if args.output:
        header = (
            f"Converted from gitleaks rules in {source.name} by `secgate rules import-gitleaks`."
        )
        atomic_write_text(Path(args.output), rules_to_toml(rules, header=header))
        stdout.write(f"wrote {len(rules)} rule(s) to {args.output}\n")
        target = args.output
    else:
        stdout.write(f"{source}: {len(rules)} gitleaks rule(s) load without change\n")
        target = str(source)
    stdout.write(
        f"use it with:\n  [tool.secgate.scanners.secrets]\n  rules = [{json.dumps(target)}]\n"
    )
    return EXIT_PASS


def _use_color(stream: TextIO, args: argparse.Namespace) -> bool:
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


def _emit(verdict: Verdict, args: argparse.Namespace, host: PluginHost, stdout: TextIO) -> None:
    from secgate.atomic import atomic_write_text, symlink_on_the_way  # noqa: PLC0415

    reporters = host.reporters()
    fmt = args.format or "text"
    if fmt not in reporters:
        raise UsageError(f"--format {fmt!r}: unknown format (known: {', '.join(reporters)})")
    targets = _report_targets(args, reporters)
    color = _use_color(stdout, args)
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


@contextlib.contextmanager
def _live_progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A live per-scanner display (files done of total, elapsed) on a terminal; else None.

    CI logs get only the final summary: a progress bar redrawn into a log is noise.
    """
    if not enabled:
        yield None
        return
    from rich.console import Console  # noqa: PLC0415 - only terminals pay for rich
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    tasks: dict[str, TaskID] = {}
    lock = threading.Lock()
    with Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:

        def update(scanner: str, done: int, total: int) -> None:
            with lock:
                if scanner not in tasks:
                    tasks[scanner] = progress.add_task(scanner, total=total)
            progress.update(tasks[scanner], completed=done, total=total)

        yield update


def _cmd_check(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.atomic import symlink_on_the_way  # noqa: PLC0415
    from secgate.engine import check  # noqa: PLC0415
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    host = make_plugin_host()
    scanned = Path(args.paths[0]) if args.paths else Path()
    for _, target in _report_targets(args, host.reporters()):
        # A stale report (or one the checkout committed) must never pass for this run's;
        # never delete through a symbolic link in the tree (writing there is refused too).
        if symlink_on_the_way(target, scanned) is None and (
            target.is_symlink() or target.is_file()
        ):
            target.unlink()
    live = not args.quiet and sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    try:
        with _live_progress(live) as on_progress:
            verdict = _run_check(check, args, host, on_progress)
    except SecgateError as exc:
        _write_error_reports(exc, args, host)
        raise
    _emit(verdict, args, host, stdout)
    return verdict.exit_code


def _report_targets(
    args: argparse.Namespace, reporters: Mapping[str, object]
) -> list[tuple[str, Path]]:
    """The (format, file) pairs a command writes: ``--report`` targets, then ``--output``."""
    pairs = _parse_reports(args.report, dict(reporters))
    if args.output:
        pairs.append((args.format or "text", Path(args.output)))
    return pairs


def _write_error_reports(exc: SecgateError, args: argparse.Namespace, host: PluginHost) -> None:
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
    for name, target in _report_targets(args, reporters):
        if name not in reporters or symlink_on_the_way(target, root) is not None:
            continue
        with contextlib.suppress(OSError, SecgateError):
            atomic_write_text(target, reporters[name]().render(verdict))


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
        baseline=_baseline_arg(args),
        new_since=args.new_since,
        overrides=_check_overrides(args),
        shard=args.shard,
        on_progress=on_progress,
        host=host,
    )


def _cmd_evaluate(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.engine import evaluate  # noqa: PLC0415
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    host = make_plugin_host()
    verdict = evaluate(
        args.report_file,
        config=args.config,
        stage=args.stage,
        fail_on=args.fail_on,
        baseline=_baseline_arg(args),
        host=host,
    )
    _emit(verdict, args, host, stdout)
    return verdict.exit_code


def _cmd_scanners(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    host = make_plugin_host()
    rows: list[dict[str, Any]] = []
    for name, info in host.scanners().items():
        scanner = info.cls()
        try:
            availability = scanner.availability()
            ok, why = availability.ok, (None if availability.ok else availability.describe())
        except Exception as exc:  # noqa: BLE001 - show a broken probe, don't crash the listing
            ok, why = False, f"availability check crashed: {type(exc).__name__}: {exc}"
        try:
            version = scanner.version()
        except Exception:  # noqa: BLE001 - same
            version = None
        dist = (
            f"{info.distribution} {info.distribution_version}"
            if info.distribution
            else f"(plugin {info.plugin})"
        )
        rows.append(
            {
                "name": name,
                "version": version,
                "distribution": dist,
                "available": ok,
                "reason": why,
                "description": info.cls.description,
            }
        )
    if args.format == "json":
        stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_PASS
    if not rows:
        stdout.write("no scanners registered: pip install 'secgate-ci[all]'\n")
        return EXIT_PASS
    width = max(len(r["name"]) for r in rows)
    vwidth = max(len(r["version"] or "-") for r in rows)
    dwidth = max(len(r["distribution"]) for r in rows)
    for row in rows:
        state = "ready" if row["available"] else f"cannot run: {row['reason']}"
        stdout.write(
            f"{row['name']:<{width}}  {row['version'] or '-':<{vwidth}}  "
            f"{row['distribution']:<{dwidth}}  {state}\n"
        )
    return EXIT_PASS


def _rule_rows(args: argparse.Namespace) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Every rule of the selected scanners, and the scanners that could not list theirs."""
    from secgate.engine import resolve_config, scanner_options  # noqa: PLC0415
    from secgate.errors import ConfigError  # noqa: PLC0415
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    host = make_plugin_host()
    registry = host.scanners()
    wanted = list(dict.fromkeys(args.rules_scanners or registry))
    unknown = [name for name in wanted if name not in registry]
    if unknown:
        known = ", ".join(registry) or "none installed"
        raise UsageError(f"--scanner: unknown scanner {unknown[0]!r} (registered: {known})")
    loaded = resolve_config([Path.cwd()], args.rules_config)
    source = str(loaded.path) if loaded.path else None
    options = scanner_options(host, loaded.config, loaded)
    rows: list[dict[str, Any]] = []
    missing: list[dict[str, str]] = []
    for name in wanted:
        scanner = registry[name].cls()
        try:
            availability = scanner.availability()
        except Exception as exc:  # noqa: BLE001 - a broken probe is reported, not raised
            missing.append({"scanner": name, "reason": f"{type(exc).__name__}: {exc}"})
            continue
        if not availability.ok:
            missing.append({"scanner": name, "reason": availability.describe()})
            continue
        try:
            infos = scanner.rules(options[name])
        except SecgateError as exc:
            raise ConfigError(f"{source or 'config'}: scanner {name}: {exc}") from None
        for info in infos:
            rows.append(
                {
                    "id": info.id,
                    "scanner": info.scanner or name,
                    "severity": info.severity.value if info.severity is not None else None,
                    "cwe": list(info.cwe),
                    "description": info.description,
                }
            )
    rows.sort(key=lambda row: (row["scanner"], row["id"]))
    return rows, missing


def _cmd_rules(args: argparse.Namespace, stdout: TextIO) -> int:
    action = getattr(args, "rules_command", None) or "list"
    if action == "import-gitleaks":
        return _cmd_import_gitleaks(args, stdout)
    if action != "list":  # pragma: no cover - argparse only lets known actions through
        raise UsageError(f"secgate rules: unknown action {action!r}")
    rows, missing = _rule_rows(args)
    if getattr(args, "rules_format", "text") == "json":
        stdout.write(json.dumps({"rules": rows, "unavailable": missing}, indent=2) + "\n")
        return EXIT_PASS
    if rows:
        table = [
            (
                row["id"],
                row["scanner"],
                row["severity"] or "varies",
                ", ".join(f"CWE-{n}" for n in row["cwe"]) or "-",
                row["description"],
            )
            for row in rows
        ]
        widths = [max(len(cells[i]) for cells in table) for i in range(4)]
        for cells in table:
            head = "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=False))
            stdout.write(f"{head}  {cells[4]}\n")
    else:
        stdout.write("no rules: no selected scanner lists any\n")
    for entry in missing:
        stdout.write(f"(scanner {entry['scanner']} not available: {entry['reason']})\n")
    return EXIT_PASS


# --------------------------------------------------------------------------- dependency audit


def _add_dependency_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("dependency audit (the pip-audit scanner)")
    group.add_argument(
        "--vuln-db",
        metavar="PATH",
        help="offline OSV database: a folder of OSV records or an all.zip export "
        "(default: $SECGATE_VULN_DB, then the copy `secgate db update` imported)",
    )
    group.add_argument(
        "--installed",
        action="store_true",
        help="also audit the packages installed in the environment secgate runs in",
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


DB_EPILOG = """\
examples:
  secgate db update --from ../advisory-db/vulns   import a folder of OSV records
  secgate db update --from all.zip                import an OSV export
  secgate db update                               download OSV's PyPI export
  secgate db status                               source, export date, records, age

The database lives under $XDG_CACHE_HOME/secgate/osv-db (default ~/.cache/secgate). An
update is built beside the current copy and swapped in atomically: a failed or
interrupted update leaves the previous database in use.
"""


def _add_db_parser(sub: Any) -> None:
    db = sub.add_parser(
        "db",
        help="manage the offline vulnerability database of the dependency audit",
        description="Import or inspect the offline OSV database the pip-audit scanner uses "
        "when no --vuln-db / vuln-db / SECGATE_VULN_DB is given.",
        epilog=DB_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", parser_class=_Parser)
    update = actions.add_parser(
        "update",
        help="import a database (folder, all.zip or URL; default: OSV's PyPI export)",
        description="Import an OSV database into secgate's cache with an atomic swap.",
    )
    update.add_argument(
        "--from",
        dest="source",
        metavar="PATH|URL",
        help="a folder of OSV .json/.yaml records, an OSV all.zip, or an http(s)/file URL "
        "of one (default: download OSV's PyPI export)",
    )
    status = actions.add_parser(
        "status",
        help="show the imported database: source, export date, record count, age",
        description="Show the database `secgate db update` imported. Exit 2 when there is none.",
    )
    status.add_argument("--format", choices=("text", "json"), default="text")


def _cmd_db(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.deps import osv  # noqa: PLC0415

    if args.db_command == "update":
        imported = osv.update_database(args.source)
        p = imported.provenance
        stdout.write(
            f"imported {p.records} advisories from {p.source}"
            f" (newest record {p.export_date:%Y-%m-%d})\n"
            if p.export_date
            else f"imported {p.records} advisories from {p.source}\n"
        )
        for skipped in p.skipped:
            stdout.write(f"warning: record skipped: {skipped}\n")
        stdout.write(f"database: {imported.path}\n")
        return EXIT_PASS
    if args.db_command == "status":
        installed = osv.current_database()
        if installed is None:
            raise osv.DatabaseError(
                f"no offline vulnerability database in {osv.store_dir()}; import one with "
                "`secgate db update --from PATH` (or `secgate db update` with network)"
            )
        p = installed.provenance
        age = p.age_days()
        row: dict[str, Any] = {
            "source": p.source,
            "path": str(installed.path),
            "imported_at": p.imported_at.isoformat() if p.imported_at else None,
            "export_date": p.export_date.isoformat() if p.export_date else None,
            "records": p.records,
            "withdrawn": p.withdrawn,
            "skipped": len(p.skipped),
            "age_days": round(age, 1) if age is not None else None,
        }
        if args.format == "json":
            stdout.write(json.dumps(row, indent=2) + "\n")
            return EXIT_PASS
        stdout.write(
            f"source:      {p.source}\n"
            f"path:        {installed.path}\n"
            f"imported:    {p.imported_at:%Y-%m-%d %H:%M} UTC\n"
            if p.imported_at
            else f"source:      {p.source}\npath:        {installed.path}\n"
        )
        stdout.write(
            f"export date: {p.export_date:%Y-%m-%d} (newest record)\n"
            if p.export_date
            else "export date: unknown (no dated record)\n"
        )
        stdout.write(
            f"records:     {p.records} ({p.withdrawn} withdrawn, {len(p.skipped)} skipped)\n"
        )
        stdout.write(
            f"age:         {age:.0f} days\n" if age is not None else "age:         unknown\n"
        )
        return EXIT_PASS
    raise UsageError("secgate db: expected an action: update or status")


def _cmd_merge(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.plugins import make_plugin_host  # noqa: PLC0415
    from secgate.shards import merge  # noqa: PLC0415

    host = make_plugin_host()
    verdict = merge(args.reports, config=args.config, stage=args.stage, host=host)
    _emit(verdict, args, host, stdout)
    return verdict.exit_code


def _cmd_baseline(args: argparse.Namespace, stdout: TextIO) -> int:
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


COMMANDS = {
    "check": _cmd_check,
    "evaluate": _cmd_evaluate,
    "merge": _cmd_merge,
    "baseline": _cmd_baseline,
    "scanners": _cmd_scanners,
    "db": _cmd_db,
    "rules": _cmd_rules,
}


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the command line with *argv*; return the exit code (never raises SystemExit)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version exit 0 through argparse
            return int(exc.code or 0)
        if args.command is None:
            parser.print_help(out)
            return EXIT_ERROR
        return COMMANDS[args.command](args, out)
    except SecgateError as exc:
        err.write(safe_line(f"secgate: error: {escape_text(str(exc))}") + "\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.write("secgate: interrupted; no verdict\n")
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - last resort: one line, exit 2, never a pass
        if debug:
            traceback.print_exc(file=err)
        err.write(
            f"secgate: internal error: {type(exc).__name__}: {escape_text(str(exc))} "
            "(rerun with --debug for a traceback, and please report it)\n"
        )
        return EXIT_ERROR


def console_main() -> None:
    """Entry point of the ``secgate`` console script."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    console_main()
