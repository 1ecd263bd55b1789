"""The semgrep scanner: secgate's rule pack (and the user's rules) through the semgrep CLI.

semgrep runs as a subprocess (an argument list, never a shell) with ``--metrics=off`` and
``--disable-version-check``, on exactly the files secgate collected, passed explicitly
after ``--``; its settings and log go to a temporary folder, never ``~/.semgrep``; it starts
in a session of its own so a timeout or a cancelled run kills its whole process group.

Its exit code is never trusted alone: the JSON ``errors`` array is read (semgrep exits 0
after internal errors). A parse error in one file lists that file as skipped with semgrep's
reason and the scan goes on. Files semgrep cannot take (unreadable, gone, not a regular
file, no owner read bit) are listed as skipped before it starts, and should it still name
one, that run is repeated once without it. Every skipped file names its gap kind. A rule or
config error, a crash, invalid JSON or a timeout is a :class:`~secgate.errors.ScannerError`
(the gate fails closed). A Python file that Python reads otherwise than semgrep would
(CR-only line endings, a ``coding:`` declaration such as ``utf-7``) is analysed from a copy
of the text Python reads, in a private folder outside the tree. ``nosemgrep`` findings are
reported with ``suppressed_by="inline:nosemgrep"``, never dropped.

One job per module:

- ``options``: the scanner's name and its ``[tool.secgate.scanners.semgrep]`` options;
- ``rules``: reading, checking and merging the bundled and configured rule files;
- ``languages``: which files the active rules target;
- ``targets``: which files semgrep can take, and the copies for those Python reads otherwise;
- ``process``: the executable, its arguments and environment, one run, argument-limit splits;
- ``output``: semgrep's JSON and SARIF, and the findings, gaps and errors made of them;
- ``scanner``: :class:`SemgrepScanner`, which drives a scan through the others.

This package is the plugin (entry point ``semgrep``) and re-exports the names its users
import. A test that replaces a function patches it where it is used (for example
``secgate.scanners.semgrep.scanner.run_semgrep``): patching the name here changes nothing.
"""

from __future__ import annotations

from secgate.plugins import Scanner, hookimpl, package_version
from secgate.scanners.semgrep.languages import (
    LANGUAGE_ALIASES,
    LANGUAGE_SUFFIXES,
    candidate_files,
    expected_files,
)
from secgate.scanners.semgrep.options import INSTALL_HINT, NAME, SemgrepOptions
from secgate.scanners.semgrep.output import _TARGET_ERRORS as _TARGET_ERRORS
from secgate.scanners.semgrep.output import (
    NOSEMGREP,
    REASON_MAX,
    SECRET_CWES,
    SNIPPET_MAX_LINES,
    build_finding,
    parse_json_output,
    printable,
    suppressed_keys,
)
from secgate.scanners.semgrep.process import (
    ARG_BUDGET,
    BINARY_ENV,
    OCAML_RUNTIME_PARAMS,
    RunOutput,
    build_argv,
    child_environment,
    chunk_targets,
    find_binary,
    run_semgrep,
    split_starts,
)
from secgate.scanners.semgrep.rules import (
    MERGED_CONFIG,
    Rule,
    RuleSet,
    load_rule_set,
    map_confidence,
    map_severity,
    one_line,
    parse_cwes,
)
from secgate.scanners.semgrep.scanner import READING, SemgrepScanner
from secgate.scanners.semgrep.targets import private_base, unscannable_targets

__all__ = [
    "ARG_BUDGET",
    "BINARY_ENV",
    "INSTALL_HINT",
    "LANGUAGE_ALIASES",
    "LANGUAGE_SUFFIXES",
    "MERGED_CONFIG",
    "NAME",
    "NOSEMGREP",
    "OCAML_RUNTIME_PARAMS",
    "READING",
    "REASON_MAX",
    "SECRET_CWES",
    "SNIPPET_MAX_LINES",
    "Rule",
    "RuleSet",
    "RunOutput",
    "SemgrepOptions",
    "SemgrepScanner",
    "build_argv",
    "build_finding",
    "candidate_files",
    "child_environment",
    "chunk_targets",
    "expected_files",
    "find_binary",
    "load_rule_set",
    "map_confidence",
    "map_severity",
    "one_line",
    "package_version",
    "parse_cwes",
    "parse_json_output",
    "printable",
    "private_base",
    "run_semgrep",
    "secgate_register_scanners",
    "split_starts",
    "suppressed_keys",
    "unscannable_targets",
]


@hookimpl
def secgate_register_scanners() -> list[type[Scanner]]:
    """secgate's semgrep scanner."""
    return [SemgrepScanner]
