"""The argument parser of the ``secgate`` command: every command, option and help text."""

from __future__ import annotations

import argparse
import os
from typing import Any

from secgate import __version__
from secgate.errors import UsageError

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
  secgate check --staged --scanner secrets     secrets in the next commit (the index)
  secgate check --staged --scanner secrets FILE...   pre-commit: secrets in these files
  secgate check --history main..HEAD           secrets added by the branch's commits

Config comes from the closest secgate.toml or pyproject.toml with a [tool.secgate]
table, searched from the first PATH upward. Every finding is reported; the policy
decides only which ones block.

"""
    + EPILOG
)


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


def _add_vex_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--vex",
        action="append",
        default=[],
        metavar="FILE",
        help="an OpenVEX or CycloneDX VEX document (JSON; repeatable), read on top of the "
        "config's `vex`: a not_affected or fixed statement sets the matching dependency "
        "finding aside, with its justification in the report",
    )


def baseline_arg(args: argparse.Namespace) -> str | bool | None:
    if args.no_baseline:
        return False
    return args.baseline  # type: ignore[no-any-return]


class _OutputFile(argparse.Action):
    """``--output FILE`` / ``-o FILE``, remembering the spelling in ``output_flag``.

    ``-o`` used to name the format (``check -o json``); output.py refuses a bare format
    name after ``-o`` rather than write a report into a file called ``json``.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        namespace.output_flag = option_string


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        "-f",
        dest="format",
        metavar="FORMAT",
        default=None,
        help="format of the main report: text (default), json, sarif, junit, markdown, or a "
        "plugin's format",
    )
    parser.add_argument(
        "--output",
        "-o",
        action=_OutputFile,
        metavar="FILE",
        help="write the main report to FILE; stdout then gets the text summary",
    )
    parser.set_defaults(output_flag=None)
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
    parser.add_argument(
        "--annotations",
        choices=("github",),
        help="also print the findings as CI annotations (github: workflow commands; the "
        "default when GITHUB_ACTIONS=true, except for a --shard run)",
    )
    parser.add_argument(
        "--no-annotations",
        action="store_const",
        const="none",
        dest="annotations",
        help="no annotations, even on GitHub Actions",
    )
    parser.add_argument(
        "--no-job-summary",
        action="store_true",
        help="do not append the Markdown report to $GITHUB_STEP_SUMMARY (GitHub Actions)",
    )


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
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
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
        default=[],  # cmd_check makes it ["."]: --staged needs to know whether PATHs were given
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
    _add_vex_option(check)
    check.add_argument(
        "--new-since",
        metavar="REF",
        help="block only findings introduced since git REF (e.g. origin/main); the rest "
        "are reported as preexisting or newly-disclosed",
    )
    check.add_argument(
        "--changed-only",
        action="store_true",
        default=None,
        help="with --new-since: per-file scanners analyse only the files changed since REF "
        "(the dependency audit still runs whole); the report's scope says so",
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
    from secgate.cli.attest import add_check_attest_options  # noqa: PLC0415

    add_check_attest_options(check)
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
    _add_vex_option(evaluate)
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
    _add_vex_option(merge)  # the merge judges afresh: give it the documents the shards had
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
        "provides it, and whether it can run on this machine (and why not). 'found' means "
        "the tool is installed (its executable or modules were found) but no scan was "
        "tried: a tool whose --version answers can still crash on every scan. With "
        "--check each found scanner also scans a one-file temporary tree, and says "
        "'ready' only if that scan was ok (about 4 s more, semgrep's start-up most of it).",
    )
    scanners.add_argument("--format", "-f", choices=("text", "json"), default="text")
    scanners.add_argument(
        "--check",
        action="store_true",
        help="run a tiny real scan with every found scanner: 'ready' or 'cannot run' with "
        "the scan's error; exit 2 if one fails",
    )
    _add_rules_parser(sub)
    _add_explain_parser(sub)
    _add_init_parser(sub)
    _add_db_parser(sub)
    from secgate.cli.attest import add_attest_parsers  # noqa: PLC0415 - no cycle at import

    add_attest_parsers(sub)
    _add_debug_everywhere(parser)
    return parser


DEBUG_HELP = "show tracebacks for internal errors"


def _add_debug_everywhere(parser: argparse.ArgumentParser) -> None:
    """Accept ``--debug`` after every subcommand too, as before it: ``secgate check --debug``.

    The subcommands' copies have no default (``SUPPRESS``), so they set ``debug`` only when
    given and never undo a ``--debug`` given before the subcommand.
    """
    seen: set[int] = set()
    pending = [parser]
    while pending:
        current = pending.pop()
        for action in current._actions:  # argparse has no public way to list subcommands
            if not isinstance(action, argparse._SubParsersAction):
                continue
            for child in action.choices.values():
                if id(child) in seen:
                    continue
                seen.add(id(child))
                child.add_argument(
                    "--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP
                )
                pending.append(child)


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
        "-f",
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


def _add_secret_mode_options(parser: argparse.ArgumentParser) -> None:
    """``--staged`` and ``--history [RANGE]``: what the secrets scanner reads."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--staged",
        action="store_true",
        help="secrets scanner, for pre-commit: scan the PATHs given (the file names pre-commit "
        "passes: the staged files on a commit, every file with --all-files), or without PATHs "
        "what is staged in git (the next commit)",
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
    status.add_argument("--format", "-f", choices=("text", "json"), default="text")


def _add_explain_parser(sub: Any) -> None:
    """``secgate explain RULE``: one rule in full."""
    explain = sub.add_parser(
        "explain",
        help="show one rule's text, severity, CWE, fix, documentation and examples",
        description="Show everything the rule pack says about RULE (an id such as B602 or "
        "python-dill-load, or scanner/ID): its text, severity, CWE, fix, documentation links "
        "and, for semgrep rules, the flagged and not-flagged examples of its test file. An "
        "unknown RULE exits 2 and names the closest ids.",
    )
    explain.add_argument("rule", metavar="RULE", help="rule id, or SCANNER/ID")
    explain.add_argument(
        "--format", "-f", dest="explain_format", choices=("text", "json"), default="text"
    )
    explain.add_argument(
        "--scanner",
        action="append",
        dest="explain_scanners",
        metavar="NAME",
        help="look only in this scanner's rules (repeatable)",
    )
    explain.add_argument(
        "--config",
        dest="explain_config",
        metavar="FILE",
        help="config whose scanner options (extra rule files) apply (default: the closest)",
    )


def _add_init_parser(sub: Any) -> None:
    """``secgate init [PATH] [--ci github|gitlab]``: a starter config and CI file."""
    init = sub.add_parser(
        "init",
        help="write a commented starter config (and with --ci, the CI workflow)",
        description="Append a commented starter [tool.secgate] table to PATH/pyproject.toml "
        "(or, without a pyproject.toml, write PATH/secgate.toml with the same keys). With "
        "--ci github, also write .github/workflows/secgate.yml; with --ci gitlab, "
        ".gitlab-ci.yml, or when that file exists, print the job to add to it. Nothing is "
        "overwritten: an existing secgate config or workflow exits 2 and nothing is written.",
    )
    init.add_argument("init_path", nargs="?", default=".", metavar="PATH", help="project folder")
    init.add_argument(
        "--ci", dest="init_ci", choices=("github", "gitlab"), help="also write the CI file"
    )
    init.add_argument(
        "--no-config",
        dest="init_no_config",
        action="store_true",
        help="write only the CI file (the project already has a secgate config)",
    )
    init.add_argument(
        "--dry-run",
        dest="init_dry_run",
        action="store_true",
        help="print what would be written, write nothing",
    )
