"""The plugin system: base classes for scanners and reporters, contexts, and the plugin host.

Plugins (secgate's own included) are found through the ``secgate`` entry-point group and
registered with pluggy. Nothing outside this module touches ``pm.hook``: :class:`PluginHost`
wraps each hook in a typed method, calls each registering plugin itself (so it knows which
distribution provided what), and rejects duplicate names.
"""

from __future__ import annotations

import abc
import importlib.metadata
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

import pluggy

from secgate import hookspecs
from secgate.config import ScannerOptions
from secgate.errors import PluginError
from secgate.models import (
    BaselineStatus,
    Finding,
    Severity,
    SkippedFile,
    VerdictStatus,
    WaiverStatus,
)

if TYPE_CHECKING:
    from secgate.config import Config
    from secgate.models import ScanResult, Verdict

ENTRY_POINT_GROUP = "secgate"
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


@dataclass(frozen=True)
class RunContext:
    """What the finding-adjusting and evaluating hooks get about the whole run."""

    root: Path
    config: Config
    stage: str | None = None
    config_file: Path | None = None
    results: tuple[ScanResult, ...] = ()
    options: Mapping[str, ScannerOptions] = field(default_factory=dict)
    """Each scanner's validated options, by scanner name."""
    warnings: list[str] = field(default_factory=list)
    """Plugins append lines for the report's ``warnings`` (an expiring waiver, say)."""
    extras: dict[str, Any] = field(default_factory=dict)
    """Per-run values for plugins (baseline path, new-since ref…), keyed by option name."""


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


# --------------------------------------------------------------------------- the host


@dataclass(frozen=True)
class ScannerInfo:
    """A registered scanner class and where it came from."""

    cls: type[Scanner]
    plugin: str
    distribution: str | None
    distribution_version: str | None

    @property
    def name(self) -> str:
        """The scanner's name."""
        return self.cls.name


@dataclass
class PluginHost:
    """The plugin manager with typed calls around pluggy's untyped hook relay."""

    pm: pluggy.PluginManager
    distributions: dict[str, tuple[str, str]] = field(default_factory=dict)
    _scanners: dict[str, ScannerInfo] | None = None
    _reporters: dict[str, type[Reporter]] | None = None

    def _provider(self, plugin: object) -> tuple[str, str | None, str | None]:
        name = self.pm.get_name(plugin) or repr(plugin)
        dist = self.distributions.get(name)
        return name, (dist[0] if dist else None), (dist[1] if dist else None)

    def scanners(self) -> dict[str, ScannerInfo]:
        """Every registered scanner by name. Two plugins with one name is an error."""
        if self._scanners is None:
            found: dict[str, ScannerInfo] = {}
            for impl in self.pm.hook.secgate_register_scanners.get_hookimpls():
                plugin_name, dist, dist_version = self._provider(impl.plugin)
                classes = list(cast("Iterable[object]", impl.function() or []))
                for cls in classes:
                    if not (isinstance(cls, type) and issubclass(cls, Scanner)):
                        raise PluginError(
                            f"plugin {plugin_name!r} registered {cls!r}, not a Scanner subclass"
                        )
                    if not getattr(cls, "name", ""):
                        raise PluginError(f"plugin {plugin_name!r}: {cls.__name__} has no name")
                    if cls.name in found:
                        other = found[cls.name].plugin
                        raise PluginError(
                            f"scanner name {cls.name!r} registered twice "
                            f"(plugins {other!r} and {plugin_name!r})"
                        )
                    found[cls.name] = ScannerInfo(cls, plugin_name, dist, dist_version)
            self._scanners = dict(sorted(found.items()))
        return self._scanners

    def reporters(self) -> dict[str, type[Reporter]]:
        """Every registered report format by name. Two plugins with one name is an error."""
        if self._reporters is None:
            found: dict[str, tuple[type[Reporter], str]] = {}
            for impl in self.pm.hook.secgate_register_reporters.get_hookimpls():
                plugin_name = self._provider(impl.plugin)[0]
                reporters = list(cast("Iterable[object]", impl.function() or []))
                for cls in reporters:
                    if not (isinstance(cls, type) and issubclass(cls, Reporter)):
                        raise PluginError(
                            f"plugin {plugin_name!r} registered {cls!r}, not a Reporter subclass"
                        )
                    if cls.name in found:
                        raise PluginError(
                            f"report format {cls.name!r} registered twice "
                            f"(plugins {found[cls.name][1]!r} and {plugin_name!r})"
                        )
                    found[cls.name] = (cls, plugin_name)
            self._reporters = {name: value[0] for name, value in sorted(found.items())}
        return self._reporters

    def scan(self, scanner: Scanner, context: ScanContext) -> ScanOutput | None:
        """Call ``secgate_scan`` for one scanner (exceptions propagate to the engine)."""
        result: ScanOutput | None = self.pm.hook.secgate_scan(scanner=scanner, context=context)
        return result

    def adjust_findings(self, findings: list[Finding], run: RunContext) -> None:
        """Call ``secgate_adjust_findings``; the list is changed in place."""
        self.pm.hook.secgate_adjust_findings(findings=findings, run=run)

    def evaluate(
        self, findings: list[Finding], results: list[ScanResult], run: RunContext
    ) -> Decision | None:
        """Call ``secgate_evaluate``: the first decision wins."""
        decision: Decision | None = self.pm.hook.secgate_evaluate(
            findings=findings, results=results, run=run
        )
        return decision


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        key = (ep.name, ep.value)
        if key not in seen:
            seen.add(key)
            unique.append(ep)
    return unique


def make_plugin_host(
    extra_plugins: Sequence[object] = (),
    *,
    disabled: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> PluginHost:
    """Build a plugin host: load every ``secgate`` entry point, then *extra_plugins*.

    A plugin that fails to import is an error (a gate with a plugin silently missing could
    pass code it should not). ``disabled`` (or ``SECGATE_DISABLE_PLUGINS``, comma-separated)
    names entry points not to load.
    """
    env = os.environ if environ is None else environ
    blocked = set(disabled) | {
        name.strip() for name in env.get("SECGATE_DISABLE_PLUGINS", "").split(",") if name.strip()
    }
    pm = pluggy.PluginManager("secgate")
    pm.add_hookspecs(hookspecs)
    distributions: dict[str, tuple[str, str]] = {}
    for ep in _entry_points():
        if ep.name in blocked or pm.get_plugin(ep.name) is not None:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # noqa: BLE001 - any import failure becomes one clear line
            dist = ep.dist.name if ep.dist else "unknown distribution"
            raise PluginError(
                f"plugin {ep.name!r} ({ep.value}, from {dist}) failed to load: "
                f"{type(exc).__name__}: {exc}"
            ) from None
        pm.register(plugin, name=ep.name)
        if ep.dist is not None:
            distributions[ep.name] = (ep.dist.name, ep.dist.version)
    for index, plugin in enumerate(extra_plugins):
        name = getattr(plugin, "__name__", None) or f"{type(plugin).__name__}-{index}"
        pm.register(plugin, name=name)
    try:
        pm.check_pending()  # a misspelt hook name is a bug the author wants to hear about
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r}: {exc}") from None
    return PluginHost(pm=pm, distributions=distributions)
