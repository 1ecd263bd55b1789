"""The semgrep scanner (entry point ``semgrep``): see :mod:`.scanner`.

A test that replaces a function patches it where it is used (for example
``secgate.scanners.semgrep.scanner.run_semgrep``): patching the name here changes nothing.
"""

from __future__ import annotations

from secgate.plugins import package_version
from secgate.scanners.semgrep.scanner import (
    _TARGET_ERRORS as _TARGET_ERRORS,
)
from secgate.scanners.semgrep.scanner import (
    ARG_BUDGET,
    BINARY_ENV,
    INSTALL_HINT,
    LANGUAGE_ALIASES,
    LANGUAGE_SUFFIXES,
    MERGED_CONFIG,
    NAME,
    NOSEMGREP,
    OCAML_RUNTIME_PARAMS,
    READING,
    REASON_MAX,
    SECRET_CWES,
    SNIPPET_MAX_LINES,
    Rule,
    RuleSet,
    RunOutput,
    SemgrepOptions,
    SemgrepScanner,
    build_finding,
    candidate_files,
    child_environment,
    chunk_targets,
    expected_files,
    find_binary,
    load_rule_set,
    map_confidence,
    map_severity,
    one_line,
    parse_cwes,
    parse_json_output,
    printable,
    run_semgrep,
    secgate_register_scanners,
    suppressed_keys,
)
from secgate.scanners.semgrep_targets import private_base, unscannable_targets

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
    "suppressed_keys",
    "unscannable_targets",
]
