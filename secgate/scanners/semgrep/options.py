"""The semgrep scanner's name, install hint and ``[tool.secgate.scanners.semgrep]`` options."""

from __future__ import annotations

from pydantic import Field

from secgate.config import ScannerOptions
from secgate.trust import PATH, PROGRAM, trusted

NAME = "semgrep"
INSTALL_HINT = "pip install 'secgate-ci[semgrep]'"


class SemgrepOptions(ScannerOptions):
    """``[tool.secgate.scanners.semgrep]``."""

    rules: tuple[str, ...] = Field(
        default=(),
        description="More rule files or folders, relative to the project root (the config "
        "file's folder). With registry = true an entry that is not a local path is passed "
        "to semgrep as a registry config (p/python, r/..., a URL).",
        json_schema_extra=trusted(PATH),
    )
    bundled_rules: bool = Field(
        default=True, description="Run secgate's own rule pack (rules/semgrep)."
    )
    registry: bool = Field(
        default=False,
        description="Allow registry configs in `rules` (they need network). Off: semgrep "
        "never goes online, and a `rules` entry that is not a local path is an error. "
        "Never from the scanned tree's own config.",
        json_schema_extra=trusted(PROGRAM),
    )
    prefilter: bool = Field(
        default=True,
        description="Give a rule that declares `metadata.secgate-prefilter` (the pack's "
        "taint rules) only the files its regex finds a match in: a taint flow needs a "
        "source in the file. Off: every rule sees every file (slower, same findings).",
    )
    exclude_rules: tuple[str, ...] = Field(
        default=(), description="Rule ids not to run (semgrep --exclude-rule)."
    )
    binary: str | None = Field(
        default=None,
        description="The semgrep executable (default: $SECGATE_SEMGREP, then the one "
        "installed next to secgate's Python, then semgrep on PATH). Never from the "
        "scanned tree's own config.",
        json_schema_extra=trusted(PROGRAM),
    )
