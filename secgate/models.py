"""The data secgate reads from users and writes for them: findings, scan results, the verdict.

Everything here is a frozen pydantic model with ``extra="forbid"``: a report that secgate
wrote can be read back (``secgate evaluate``) and validated against the committed JSON
Schema (``secgate/schema/report.schema.json``), and a typo in hand-written data is an error,
not a silently ignored field.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    computed_field,
    field_validator,
    model_validator,
)

#: Bumped when the JSON report changes incompatibly. Readers refuse a major they do not know.
#: 1.1 added the ``verdict`` key; ``status`` is its deprecated alias until 2.0 drops it.
SCHEMA_VERSION = "1.1"


class _Ranked(enum.StrEnum):
    """A string enum ordered by declaration: the first member is the lowest.

    A ``str`` enum compares alphabetically by default ("high" < "low"), which is exactly
    the bug a security policy must not have, so comparisons go through the rank.
    """

    @property
    def rank(self) -> int:
        """Position in declaration order, lowest first."""
        members: list[_Ranked] = list(type(self))
        return members.index(self)

    def _other_rank(self, other: object) -> int:
        if isinstance(other, type(self)):
            return other.rank
        if isinstance(other, str):
            return type(self)(other).rank
        raise TypeError(f"cannot compare {type(self).__name__} with {type(other).__name__}")

    def __lt__(self, other: object) -> bool:
        return self.rank < self._other_rank(other)

    def __le__(self, other: object) -> bool:
        return self.rank <= self._other_rank(other)

    def __gt__(self, other: object) -> bool:
        return self.rank > self._other_rank(other)

    def __ge__(self, other: object) -> bool:
        return self.rank >= self._other_rank(other)

    def __hash__(self) -> int:
        return hash(self.value)

    def __str__(self) -> str:
        return str(self.value)


class Severity(_Ranked):
    """How bad a finding is. Ordered: ``Severity.HIGH > Severity.LOW``."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Confidence(_Ranked):
    """How sure the scanner is that the finding is real. Ordered like :class:`Severity`."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ScanStatus(enum.StrEnum):
    """What happened when a scanner ran.

    ``ok``: it ran to the end. ``error``: it crashed, timed out, was missing although
    required, or wrote output secgate could not trust. ``skipped``: it was not run
    (not selected, or not installed and not required).
    """

    OK = "ok"
    ERROR = "error"
    SKIPPED = "skipped"

    def __str__(self) -> str:
        return self.value


class VerdictStatus(enum.StrEnum):
    """The gate's answer. Exit codes: pass 0, fail 1, error 2."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    ERROR = "error"

    @property
    def exit_code(self) -> int:
        """The process exit code this verdict maps to."""
        return {"pass": 0, "fail": 1, "error": 2}[self.value]

    def __str__(self) -> str:
        return self.value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class PackageInfo(_Frozen):
    """The dependency a dependency-audit finding is about."""

    name: str = Field(description="Distribution name as declared.")
    version: str | None = Field(default=None, description="Pinned or locked version, if any.")
    advisory_id: str | None = Field(
        default=None, description="Primary advisory id (PYSEC-…, GHSA-…)."
    )
    aliases: tuple[str, ...] = Field(default=(), description="Other ids of the same advisory.")
    fixed_versions: tuple[str, ...] = Field(default=(), description="Versions that fix it.")


class Dependency(_Frozen):
    """One dependency the audit saw in a manifest, vulnerable or not (the SBOM's inventory)."""

    name: str = Field(description="Distribution name as declared.")
    version: str | None = Field(default=None, description="Pinned or locked version, if any.")
    purl: str = Field(description="Package URL: pkg:pypi/<normalised name>[@<version>].")
    path: str = Field(description="Declaring manifest, relative to the scanned root, POSIX.")
    line: int | None = Field(default=None, ge=1, description="Declaring line, 1-based.")
    ecosystem: str = "PyPI"


class RelatedFinding(_Frozen):
    """Another scanner's report of the same issue, merged into the finding that holds it."""

    scanner: str
    rule_id: str
    fingerprint: str = ""
    message: str = ""
    line: int | None = None
    severity: Severity | None = None


class Finding(_Frozen):
    """One thing a scanner flagged.

    Scanners fill the facts (``scanner`` … ``package``); the engine fills ``fingerprint``
    when a scanner leaves it empty; the policy fills ``blocking`` and ``suppressed_by``.
    A finding is never dropped: a finding that does not block says why in ``suppressed_by``.
    """

    scanner: str = Field(description="Name of the scanner that reported it.")
    rule_id: str = Field(min_length=1, description="The scanner's rule or test id (B602, …).")
    severity: Severity
    confidence: Confidence = Confidence.MEDIUM
    message: str = Field(description="What is wrong. Never contains a secret's value.")
    path: str = Field(description="File, relative to the scanned root, in POSIX form.")
    line: int | None = Field(default=None, ge=1, description="First line, 1-based.")
    end_line: int | None = Field(default=None, ge=1, description="Last line, 1-based.")
    column: int | None = Field(default=None, ge=1, description="First column, 1-based.")
    cwe: tuple[int, ...] = Field(default=(), description="CWE ids.")
    help_text: str | None = Field(default=None, description="How to fix it.")
    help_url: str | None = None
    fingerprint: str = Field(
        default="",
        description="Stable id from the flagged content, not its line number: survives "
        "inserted lines, rebases and squashes. Several findings may share one (the same "
        "flagged line copied twice); baselines count them.",
    )
    package: PackageInfo | None = None
    snippet: str | None = Field(
        default=None,
        description="The flagged source line(s), as shown to people. Secrets are redacted.",
    )
    properties: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict,
        description="Scanner-specific extras (commit id in history mode, redacted preview…).",
    )
    blocking: bool = Field(default=False, description="Set by the policy: does it fail the gate?")
    suppressed_by: str | None = Field(
        default=None,
        description="Why it does not block: inline, below-threshold, baseline, waiver:<id>, "
        "vex:<document>#<statement>, duplicate, path-policy:<id>, preexisting, "
        "newly-disclosed, unconfirmed, disproved; None when it blocks or was not judged.",
    )
    decided_by: str | None = Field(
        default=None, description="The policy rule that decided this finding (trace)."
    )
    related: tuple[RelatedFinding, ...] = Field(
        default=(),
        description="The same issue as reported by other scanners or rules (same file and "
        "lines, same weakness family), merged into this one: it is reported once.",
    )

    @field_validator("path")
    @classmethod
    def _posix_relative(cls, value: str) -> str:
        if "\\" in value:
            value = value.replace("\\", "/")
        if value.startswith("/"):
            raise ValueError("path must be relative to the scanned root")
        return value

    @property
    def location(self) -> str:
        """``path:line`` (or just ``path``) for messages."""
        return f"{self.path}:{self.line}" if self.line else self.path

    def sort_key(self) -> tuple[Any, ...]:
        """Stable report order: path, line, scanner, rule."""
        return (
            self.path,
            self.line or 0,
            self.column or 0,
            self.scanner,
            self.rule_id,
            self.fingerprint,
        )


def content_fingerprint(*parts: str) -> str:
    """Hash the parts that identify a finding into a short, stable hex id.

    Whitespace runs inside each part are collapsed, so re-indenting a block or
    changing line endings does not make old findings look new.
    """
    digest = hashlib.sha256()
    for part in parts:
        digest.update(" ".join(part.split()).encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()[:32]


class GapKind(enum.StrEnum):
    """Why a scanner could not look at a file (or one line of a manifest).

    The policy's ``fail-on-gaps`` names these; ``min-coverage`` counts the file kinds
    (every kind but the manifest-line ones, :data:`LINE_GAP_KINDS`, and ``symlink``).
    """

    UNREADABLE = "unreadable"
    """Permission denied, an I/O error, or a file it was refused to read (outside the tree)."""
    VANISHED = "vanished"
    """Gone (or replaced) while the scan ran."""
    UNPARSABLE = "unparsable"
    """A syntax error, invalid TOML/JSON, a tool that could not parse it."""
    NEWER_PYTHON = "newer-python"
    """Syntax this Python cannot parse but a newer one can: run secgate on a newer Python."""
    ENCODING = "encoding"
    """Not decodable text (not UTF-8, an unsupported or hiding ``coding:`` declaration)."""
    BINARY = "binary"
    TOO_BIG = "too-big"
    TIMED_OUT = "timed-out"
    """The scanner gave up on this one file."""
    NOT_REGULAR = "not-regular"
    """A FIFO, socket or device: never opened."""
    SYMLINK = "symlink"
    """A symbolic link, not followed (its target inside the tree is scanned as itself)."""
    INVALID_REQUIREMENT = "invalid-requirement"
    """A manifest line no current packaging tool parses."""
    VCS = "vcs"
    URL = "url"
    EDITABLE = "editable"
    LOCAL_PATH = "path"
    INCLUDE = "include"
    """An ``-r``/``-c`` line whose target cannot be followed (missing, remote, outside)."""
    DATA = "data"
    """A record of the scanner's own data it skipped (a corrupt advisory): not a tree file."""
    OTHER = "other"


#: Gaps about one line of a manifest: the file itself was read, so they do not lower coverage.
LINE_GAP_KINDS = frozenset(
    {
        GapKind.INVALID_REQUIREMENT,
        GapKind.VCS,
        GapKind.URL,
        GapKind.EDITABLE,
        GapKind.LOCAL_PATH,
        GapKind.INCLUDE,
    }
)
#: Gaps that are not a failure to look at content: they do not lower coverage either.
NEUTRAL_GAP_KINDS = frozenset({GapKind.SYMLINK, GapKind.DATA})

_GAP_PATTERNS: tuple[tuple[GapKind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (GapKind.NEWER_PYTHON, r"newer python|python 3\.\d+ syntax|needs python"),
        (GapKind.VANISHED, r"vanished|no such file|disappeared|\bgone\b|changed during"),
        (GapKind.SYMLINK, r"symbolic link|symlink"),
        (GapKind.NOT_REGULAR, r"not a regular file|fifo|socket|device"),
        (GapKind.TOO_BIG, r"too (big|large)|larger than|max-file-mb|exceeds"),
        (GapKind.TIMED_OUT, r"timed? ?out|timeout"),
        (GapKind.BINARY, r"binary"),
        (GapKind.ENCODING, r"utf-?8|encoding|coding|decod|codec"),
        (GapKind.VCS, r"\bvcs\b|git\+|hg\+|svn\+|bzr\+"),
        (GapKind.EDITABLE, r"editable"),
        (GapKind.LOCAL_PATH, r"local path|path requirement|a path,"),
        (GapKind.URL, r"\burl\b|remote include|direct reference"),
        (GapKind.INVALID_REQUIREMENT, r"invalid requirement|expected (a )?(version|marker)"),
        (
            GapKind.UNREADABLE,
            r"cannot (be )?read|unreadable|permission|not read|cannot stat|cannot list|"
            r"i/o error|outside the scanned tree|inside \.git",
        ),
        (GapKind.UNPARSABLE, r"syntax|pars|invalid|unexpected|lex|tokeni[sz]"),
    )
)


def classify_gap(reason: str) -> GapKind:
    """The kind of a gap from its reason, for plugins (and old reports) that name none."""
    for kind, pattern in _GAP_PATTERNS:
        if pattern.search(reason):
            return kind
    return GapKind.OTHER


class SkippedFile(_Frozen):
    """A file (or one manifest line) a scanner or the file collector did not look at, and why."""

    path: str
    reason: str
    kind: GapKind = Field(
        default=GapKind.OTHER,
        description="What kind of gap (the policy's fail-on-gaps names these); guessed from "
        "the reason when a scanner names none.",
    )
    line: int | None = Field(default=None, description="The manifest line, for line gaps.")

    @model_validator(mode="before")
    @classmethod
    def _guess_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") is None and "reason" in data:
            return {**data, "kind": classify_gap(str(data["reason"]))}
        return data

    @property
    def counts_against_coverage(self) -> bool:
        """A file the scanner should have analysed and did not."""
        return self.kind not in LINE_GAP_KINDS and self.kind not in NEUTRAL_GAP_KINDS


class Coverage(_Frozen):
    """What a scanner looked at: a gate must show what it did *not* look at."""

    files_scanned: int = 0
    skipped: tuple[SkippedFile, ...] = ()
    excluded: dict[str, int] = Field(
        default_factory=dict,
        description="For the file collection: candidate files each exclude glob (or "
        "'.gitignore', 'include') left out, by glob.",
    )

    @property
    def missed_files(self) -> int:
        """Distinct files that count against coverage."""
        return len({s.path for s in self.skipped if s.counts_against_coverage})

    @property
    def candidates(self) -> int:
        """Files the scanner should have analysed: those it did and those it missed."""
        return self.files_scanned + self.missed_files

    @property
    def share(self) -> float:
        """The share of candidate files analysed (1.0 when there was none)."""
        return self.files_scanned / self.candidates if self.candidates else 1.0


class ScanResult(_Frozen):
    """One scanner's run."""

    name: str
    version: str | None = None
    status: ScanStatus
    error: str | None = Field(default=None, description="Why the status is error or skipped.")
    required: bool = Field(
        default=False, description="Named explicitly by config or --scanner: must run."
    )
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float = 0.0
    findings: int = Field(default=0, description="How many findings it reported.")
    coverage: Coverage = Field(default_factory=Coverage)
    details: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict,
        description="Scanner-specific facts (vulnerability database provenance, rule count…).",
    )
    weakenings: tuple[str, ...] = Field(
        default=(),
        description="Settings read from the scanned tree that switch this scanner's detection "
        "off or down (a [tool.bandit] table, say); the policy summary lists them.",
    )
    inventory: tuple[Dependency, ...] = Field(
        default=(),
        description="Every dependency a dependency audit saw, vulnerable or not (for SBOMs).",
    )


class Summary(_Frozen):
    """Counts for people skimming a report."""

    total: int = 0
    blocking: int = 0
    suppressed: int = 0
    by_severity: dict[str, int] = Field(default_factory=dict)
    blocking_by_severity: dict[str, int] = Field(default_factory=dict)
    by_scanner: dict[str, int] = Field(default_factory=dict)
    merged: int = Field(
        default=0,
        description="Reports of the same issue by another scanner or rule, folded into a "
        "finding's `related` (each issue is reported once).",
    )


class BaselineEntry(_Frozen):
    """One recorded finding in a baseline file: matched by fingerprint, ``count`` times."""

    scanner: str
    rule_id: str
    path: str
    fingerprint: str = Field(min_length=1)
    count: int = Field(default=1, ge=1)
    message: str | None = Field(default=None, description="For people reviewing the file.")


class BaselineStatus(_Frozen):
    """How the current findings met the baseline."""

    file: str
    entries: int = Field(description="Findings the baseline records (counting repeats).")
    matched: int = Field(description="Current findings the baseline excused.")
    fixed: tuple[BaselineEntry, ...] = Field(
        default=(),
        description="Baseline entries that no longer occur: `secgate baseline --prune` drops them.",
    )


class WaiverStatus(_Frozen):
    """What became of one waiver in this run."""

    id: str
    state: Literal["active", "expiring", "expired"]
    expires: date
    days_left: int = Field(description="Days until expiry; negative once expired.")
    matched: int = Field(
        description="Findings it excused; for an expired waiver, the findings it would have "
        "matched, which block again."
    )
    unused: bool = Field(description="Not expired, yet it matched no finding.")
    reason: str
    owner: str | None = None
    ticket: str | None = None


class VexStatus(_Frozen):
    """What became of one VEX statement (OpenVEX or CycloneDX) in this run."""

    file: str = Field(description="The VEX document, as the config or command line names it.")
    document: str = Field(description="The document's id (OpenVEX @id, CycloneDX serialNumber).")
    statement: str = Field(description="The statement's @id (bom-ref), else its index.")
    vulnerability: str
    status: str = Field(description="As the document says: not_affected, fixed, resolved, ….")
    suppresses: bool = Field(description="Its status sets a matching finding aside.")
    matched: int = Field(description="Dependency findings it names (package and vulnerability).")
    suppressed: int = Field(description="Findings it set aside (the latest statement decides).")
    unused: bool = Field(description="It matched no finding.")
    justification: str | None = None
    impact_statement: str | None = None


class Verdict(_Frozen):
    """The gate's answer, with everything that led to it. Serialised, it is the JSON report."""

    schema_version: str = SCHEMA_VERSION
    tool: Literal["secgate"] = "secgate"
    tool_version: str
    status: VerdictStatus = Field(
        description="Deprecated alias of `verdict` (the same value), kept for one release; "
        "read `verdict`.",
        json_schema_extra={"deprecated": True},
    )
    reasons: tuple[str, ...] = Field(description="Sentences saying why, the deciding one first.")
    decided_by: str = Field(description="The policy rule that decided the verdict.")
    root: str = Field(description="The scanned root, as given.")
    stage: str | None = None
    config_file: str | None = None
    policy: dict[str, Any] = Field(
        default_factory=dict, description="The effective policy the verdict was computed with."
    )
    scanners: tuple[ScanResult, ...] = Field(
        default=(), description="Every registered scanner's result, run or not, by name."
    )
    findings: tuple[Finding, ...] = Field(
        default=(),
        description="Every finding, blocking or not, in report order (severity, path, line); "
        "`blocking` and `suppressed_by` say what the policy decided.",
    )
    collection: Coverage = Field(
        default_factory=Coverage,
        description="Files collected for scanning, and files the collector itself skipped "
        "(symlinks, unreadable).",
    )
    policy_summary: tuple[str, ...] = Field(
        default=(),
        description="What the effective config turns off or loosens compared with the "
        "defaults (scanners skipped, thresholds raised, globs excluded, waivers, baseline), "
        "one line each; reports show it first.",
    )
    warnings: tuple[str, ...] = ()
    baseline: BaselineStatus | None = None
    waivers: tuple[WaiverStatus, ...] = ()
    vex: tuple[VexStatus, ...] = Field(
        default=(), description="Every statement of the VEX documents in force, used or not."
    )
    new_since: str | None = Field(
        default=None, description="The git ref findings were compared with (--new-since)."
    )
    shard: str | None = Field(
        default=None, description="'K/N' when this run scanned one shard of N (--shard)."
    )
    scope: str | None = Field(
        default=None,
        description="What per-file scanners looked at when not the whole tree, e.g. "
        "'changed files since <commit> (3 files)' (--changed-only); None: every file.",
    )
    summary: Summary = Field(
        default_factory=Summary,
        description="Counts of the findings (by severity, scanner, blocking), for people "
        "skimming; always what `findings` holds.",
    )
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _verdict_key(cls, data: Any) -> Any:
        """Read the report's ``verdict`` key into ``status``; a 1.0 report has ``status`` only."""
        if not isinstance(data, dict) or "verdict" not in data:
            return data
        data = dict(data)
        verdict = data.pop("verdict")
        if "status" in data and str(data["status"]) != str(verdict):
            raise ValueError(
                f"verdict {verdict!r} and its deprecated alias status {data['status']!r} disagree"
            )
        data["status"] = verdict
        return data

    @computed_field(  # type: ignore[prop-decorator]
        description="The gate's decision: pass, fail or error (exit code 0, 1, 2)."
    )
    @property
    def verdict(self) -> VerdictStatus:
        """The decision (the JSON report's ``verdict`` key); ``status`` is the same value."""
        return self.status

    @property
    def passed(self) -> bool:
        """True only for a pass: a fail or an error never passes."""
        return self.status is VerdictStatus.PASS

    def __bool__(self) -> bool:
        """Refused: ``if secgate.check("."):`` must not deploy on a FAIL.

        Say what you mean: ``verdict.passed`` (pass only), or test ``verdict.status``.
        """
        raise TypeError(
            "a Verdict has no truth value: use verdict.passed (True only for pass), "
            "or compare verdict.status"
        )

    def __iter__(self) -> Iterator[Finding]:  # type: ignore[override]
        """The findings, in report order (not pydantic's field pairs)."""
        return iter(self.findings)

    def __len__(self) -> int:
        """How many findings the verdict holds."""
        return len(self.findings)

    def __repr__(self) -> str:
        """One line: the status, the counts and each scanner's status."""
        scanners = ", ".join(f"{r.name}={r.status.value}" for r in self.scanners)
        return (
            f"<Verdict {self.status.value}: {len(self.findings)} findings, "
            f"{sum(1 for f in self.findings if f.blocking)} blocking; "
            f"decided by {self.decided_by}; scanners: {scanners or 'none'}>"
        )

    __str__ = __repr__

    @property
    def exit_code(self) -> int:
        """0 pass, 1 fail, 2 error."""
        return self.status.exit_code

    @property
    def blocking(self) -> tuple[Finding, ...]:
        """The findings that fail the gate."""
        return tuple(f for f in self.findings if f.blocking)

    def scanner(self, name: str) -> ScanResult:
        """The result of the scanner called *name*."""
        for result in self.scanners:
            if result.name == name:
                return result
        raise KeyError(name)


def summarize(findings: tuple[Finding, ...] | list[Finding]) -> Summary:
    """Count findings by severity, blocking state and scanner."""
    by_sev: dict[str, int] = {}
    blocking_by_sev: dict[str, int] = {}
    by_scanner: dict[str, int] = {}
    for finding in findings:
        by_sev[finding.severity.value] = by_sev.get(finding.severity.value, 0) + 1
        by_scanner[finding.scanner] = by_scanner.get(finding.scanner, 0) + 1
        if finding.blocking:
            key = finding.severity.value
            blocking_by_sev[key] = blocking_by_sev.get(key, 0) + 1
    order = [s.value for s in reversed(Severity)]
    return Summary(
        total=len(findings),
        blocking=sum(1 for f in findings if f.blocking),
        suppressed=sum(1 for f in findings if f.suppressed_by),
        by_severity={k: by_sev[k] for k in order if k in by_sev},
        blocking_by_severity={k: blocking_by_sev[k] for k in order if k in blocking_by_sev},
        by_scanner=dict(sorted(by_scanner.items())),
        merged=sum(len(f.related) for f in findings),
    )
