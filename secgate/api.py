"""The public plugin API: the types, base classes and marker a plugin needs.

Everything here is also importable from ``secgate`` itself. This module imports no other
part of secgate's machinery (no engine, no host), so the hook specifications
(:mod:`secgate.hookspecs`) and the plugin host (:mod:`secgate.plugins`) both import it and
neither imports the other's implementation.

``SECGATE_API_VERSION`` is the version of this contract: the minor part grows when names are
added; the major part changes only after a name has been deprecated (with a warning naming
its replacement) for at least one minor release.
"""

from __future__ import annotations

import abc
import importlib.metadata
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import pluggy

from secgate.config import ScannerOptions
from secgate.errors import PluginError
from secgate.models import (
    BaselineEntry,
    BaselineStatus,
    Dependency,
    Finding,
    Severity,
    SkippedFile,
    VerdictStatus,
    VexStatus,
    WaiverStatus,
)

if TYPE_CHECKING:
    from secgate.config import Config
    from secgate.models import ScanResult, Verdict

ENTRY_POINT_GROUP = "secgate"
#: The plugin API's version (see the module docstring).
SECGATE_API_VERSION = "1.0"
hookimpl = pluggy.HookimplMarker("secgate")


# --------------------------------------------------------------------------- contexts


class FileDigests:
    """Content hashes of the scanned files, computed once per run and shared by scanners."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._digests: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def get(self, relative: str) -> str | None:
        """SHA-256 of the file's bytes, or None when it cannot be read."""
        with self._lock:
            if relative in self._digests:
                return self._digests[relative]
        try:
            digest: str | None = self._hash(relative)
        except OSError:
            digest = None
        with self._lock:
            self._digests[relative] = digest
        return digest

    def _hash(self, relative: str) -> str:
        import hashlib  # noqa: PLC0415 - only runs that hash pay for the import

        # os.read in large blocks: per-file overhead dominates on source trees, and this is
        # 2-3x faster than a buffered file object with hashlib.file_digest.
        digest = hashlib.sha256()
        fd = os.open(f"{self.root}/{relative}", os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            while block := os.read(fd, 1 << 20):
                digest.update(block)
        finally:
            os.close(fd)
        return digest.hexdigest()


@dataclass(frozen=True)
class ScanContext:
    """What a scanner gets: where to look, at what, and with which options."""

    root: Path
    """Absolute path of the scanned root; finding paths are relative to it."""
    files: tuple[str, ...]
    """Files to scan, relative POSIX paths, sorted; already filtered by include/exclude
    globs, .gitignore and the scanner's own ``exclude``. A scanner takes the ones it handles."""
    options: ScannerOptions
    """This scanner's validated ``[tool.secgate.scanners.<name>]`` table."""
    config: Config
    """The effective config (stage applied), for the rare scanner that needs global keys."""
    stage: str | None = None
    config_file: Path | None = None
    """The config file the options came from (None: defaults or a Config object). Relative
    paths in a scanner's options resolve against its folder."""
    jobs: int = 1
    """How many worker processes a CPU-bound scanner may use."""
    timeout: float = 600.0
    """Seconds the scanner has; a subprocess should be given no more than this."""
    cancel: threading.Event = field(default_factory=threading.Event)
    """Set when the run gave up on this scanner (timeout): stop work, kill subprocesses."""
    progress: Callable[[int, int], None] | None = None
    """Optional ``progress(done, total)`` callback for a live display."""
    started: float = field(default_factory=time.monotonic)
    digests: FileDigests | None = None
    """Shared content hashes (the result cache uses them)."""
    launched: threading.Event = field(default_factory=threading.Event)
    """A scanner with :attr:`Scanner.external_process` sets this once its child process is
    running; the engine holds the in-process scanners back until then."""

    def path(self, relative: str) -> Path:
        """The absolute path of a file from :attr:`files`."""
        return self.root / relative

    def files_matching(self, *suffixes: str, names: Iterable[str] = ()) -> list[str]:
        """The files whose name ends with one of *suffixes* or equals one of *names*."""
        wanted_names = set(names)
        return [
            f for f in self.files if f.endswith(suffixes) or f.rsplit("/", 1)[-1] in wanted_names
        ]

    @property
    def remaining(self) -> float:
        """Seconds left before the timeout (never negative)."""
        return max(0.0, self.timeout - (time.monotonic() - self.started))


@dataclass(frozen=True)
class ScanOutput:
    """What a scan returns: its findings and its coverage."""

    findings: list[Finding] = field(default_factory=list)
    files_scanned: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    details: dict[str, str | int | float | bool | None] = field(default_factory=dict)
    version: str | None = None
    """The tool version actually used, when only the run can tell."""
    error: str | None = None
    """Set when the scan ran but is incomplete (some dependencies could not be audited, say):
    the scanner's status becomes ``error`` with this text, and its findings are still
    reported. Raise instead when nothing useful came out."""
    weakenings: list[str] = field(default_factory=list)
    """Settings the scanner read from the scanned tree that turn its detection off or down
    (one line each, e.g. ``[tool.bandit] skips = B602``): shown in the policy summary."""
    inventory: list[Dependency] = field(default_factory=list)
    """Every dependency a dependency audit saw, vulnerable or not (the SBOM's components)."""


@dataclass(frozen=True)
class BaselineInput:
    """The baseline a run is checked against: its file and the findings it records."""

    file: str
    entries: tuple[BaselineEntry, ...]


class PreviousScan(Protocol):
    """What ``--new-since REF`` knows about the tree at REF (see :mod:`secgate.newcode`)."""

    @property
    def ref(self) -> str:
        """The git ref compared with."""

    def classify(self, findings: list[Finding]) -> list[Finding]:
        """The findings with those already there at REF marked; same order, same length."""


@dataclass
class RunNotes:
    """What the adjust step found, for the report: written by adjust, read by evaluate."""

    baseline: BaselineStatus | None = None
    """How the findings met the baseline (None without one)."""
    waivers: list[WaiverStatus] = field(default_factory=list)
    """What became of each waiver."""
    vex: list[VexStatus] = field(default_factory=list)
    """What became of each VEX statement."""


@dataclass(frozen=True)
class RunContext:
    """What the finding-adjusting and evaluating hooks get about the whole run.

    Everything upstream produced is given here and read, never changed, downstream: the
    only things a hook writes are ``warnings`` (lines for the report) and ``notes`` (what
    the adjust step found, which the evaluate step reports).
    """

    root: Path
    config: Config
    stage: str | None = None
    config_file: Path | None = None
    results: tuple[ScanResult, ...] = ()
    options: Mapping[str, ScannerOptions] = field(default_factory=dict)
    """Each scanner's validated options, by scanner name."""
    warnings: list[str] = field(default_factory=list)
    """Plugins append lines for the report's ``warnings`` (an expiring waiver, say)."""
    baseline: BaselineInput | None = None
    """The baseline in force (``--baseline``, the config's ``baseline``), if any."""
    previous: PreviousScan | None = None
    """With ``--new-since``: what the tree at that ref held."""
    new_since: str | None = None
    """The ``--new-since`` ref, also when a merged report no longer has the tree at it."""
    shard: str | None = None
    """``K/N`` when this run scanned one shard of N."""
    vex: tuple[Any, ...] = ()
    """The VEX documents in force (``vex`` key, ``--vex``), loaded and validated: each a
    ``secgate.vex.VexDocument`` (typed loosely so plugins importing this module do not load
    the VEX machinery)."""
    notes: RunNotes = field(default_factory=RunNotes)
    """Filled by the adjust step (see :mod:`secgate.adjust`)."""


@dataclass(frozen=True)
class Decision:
    """What the policy decided; the engine wraps it into a :class:`secgate.Verdict`."""

    status: VerdictStatus
    reasons: list[str]
    decided_by: str
    findings: list[Finding]
    warnings: list[str] = field(default_factory=list)
    baseline: BaselineStatus | None = None
    waivers: list[WaiverStatus] = field(default_factory=list)


@dataclass(frozen=True)
class Availability:
    """Whether a scanner can run on this machine, and if not, why and how to fix it."""

    ok: bool
    reason: str | None = None
    hint: str | None = None

    def describe(self) -> str:
        """``reason (hint)`` for messages."""
        parts = [self.reason or "not available"]
        if self.hint:
            parts.append(f"({self.hint})")
        return " ".join(parts)


@dataclass(frozen=True)
class RuleInfo:
    """One rule a scanner applies, for ``secgate rules``."""

    id: str
    scanner: str
    severity: Severity | None
    """None when the rule's findings vary in severity (bandit's tests do)."""
    description: str
    cwe: tuple[int, ...] = ()


# --------------------------------------------------------------------------- base classes


class Scanner(abc.ABC):
    """Base class of every scanner plugin.

    Subclass it, set :attr:`name`, implement :meth:`scan`, and return the class from a
    ``secgate_register_scanners`` hook implementation. Import heavy modules inside
    :meth:`scan`, never at module level: ``import secgate`` and ``secgate --help`` must stay
    fast and must not import the tools.
    """

    name: ClassVar[str]
    """Unique scanner name: config tables, ``--scanner`` and reports use it."""
    description: ClassVar[str] = ""
    """One line for ``secgate scanners``."""
    Options: ClassVar[type[ScannerOptions]] = ScannerOptions
    """The model that validates ``[tool.secgate.scanners.<name>]``."""

    per_file: ClassVar[bool] = False
    """True when a file's findings depend only on that file's content and the options, so
    that scanning a subset of files yields exactly that subset's findings. Such scanners'
    results can be cached per file and sharded."""

    external_process: ClassVar[bool] = False
    """True when the scan's time goes to a child process (semgrep). The engine starts such
    scanners first and holds the in-process ones back until the child is running (the
    scanner sets :attr:`ScanContext.launched`, or finishes) or one second has passed: their
    Python work would otherwise compete with the launch for the interpreter lock and delay
    the child's start-up, which is most of a warm run."""

    def version(self) -> str | None:
        """The scanning tool's version, cheaply (package metadata), or None if unknown."""
        return None

    def cacheable(self, options: ScannerOptions) -> bool:
        """Whether the result cache may answer for this scan (default: :attr:`per_file`).

        Override to return False for modes whose results do not come from ``context.files``
        (the secrets scanner's git history mode, say).
        """
        return self.per_file

    def handles(self, path: str) -> bool:
        """Whether this scanner looks at *path* at all (bandit: Python files only).

        A per-file scanner should override it: the result cache counts and stores only the
        files a scanner handles.
        """
        return True

    def cache_token(self, options: ScannerOptions) -> str:
        """A string that changes whenever the same file could give different findings.

        It must cover the tool's version, the rule set (a hash of the rule files) and every
        option that affects results. The default covers the version and the options; a
        scanner with rule files must add their hash.
        """
        return f"{self.name}|{self.version()}|{options.model_dump_json()}"

    def tree_token(self, root: Path) -> str:
        """What the scanned tree itself configures for this scanner, for the cache key.

        :meth:`cache_token` sees only the options; a scanner that also reads settings from
        the scanned root (bandit's ``[tool.bandit]`` in its pyproject.toml) returns them
        here, hashed, so that editing them is a cache miss. Default: nothing.
        """
        return ""

    def availability(self) -> Availability:
        """Whether the scanner can run here (tool installed, binary on PATH…)."""
        return Availability(ok=True)

    def rules(self, options: ScannerOptions) -> list[RuleInfo]:
        """The rules this scanner applies with *options*, for ``secgate rules``."""
        return []

    @abc.abstractmethod
    def scan(self, context: ScanContext) -> ScanOutput:
        """Scan ``context.files`` under ``context.root``.

        Return findings with paths relative to the root, and the files skipped with a
        reason. Raise :class:`secgate.errors.ScannerError` (or anything) when the job
        could not be done: never return an empty result for a scan that did not happen.
        """


class Reporter(abc.ABC):
    """Base class of every report format plugin."""

    name: ClassVar[str]
    """Format name for ``--format`` and ``--report NAME=FILE``."""
    description: ClassVar[str] = ""
    extension: ClassVar[str] = ".txt"

    @abc.abstractmethod
    def render(self, verdict: Verdict, *, color: bool = False) -> str:
        """The whole report as text. ``color`` is true only for a terminal that wants it."""


def package_version(distribution: str) -> str | None:
    """Installed version of *distribution*, or None; cheap (reads metadata, imports nothing)."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def bundled_rules(kind: str) -> Path:
    """The folder of secgate's own rules of *kind* (``semgrep``, ``secrets``).

    In a wheel the top-level ``rules/`` folder ships as ``secgate/_rules``; in a source
    checkout (editable install) it is the repository's ``rules/``.
    """
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "_rules" / kind, package_dir.parent / "rules" / kind):
        if candidate.is_dir():
            return candidate
    raise PluginError(f"secgate's bundled {kind} rules are missing (looked in {package_dir})")
