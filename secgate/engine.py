"""``check()``: collect files, run every scanner in isolation and concurrently, judge.

The engine owns the calling: each scanner runs in a thread of its own through the
``secgate_scan`` hook, with its own timeout, and a scanner that raises or hangs becomes a
``ScanResult`` with status ``error``; it never hides another scanner's findings.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secgate import __version__
from secgate.config import Config, LoadedConfig, ScannerOptions, discover, load_file
from secgate.config import validate_scanner_options as _validate_options
from secgate.errors import ConfigError, PluginError, ReportError, ScannerError, UsageError
from secgate.models import (
    Coverage,
    Finding,
    ScanResult,
    ScanStatus,
    SkippedFile,
    Verdict,
    VerdictStatus,
    content_fingerprint,
    summarize,
)
from secgate.plugins import (
    PluginHost,
    RunContext,
    ScanContext,
    Scanner,
    ScanOutput,
    make_plugin_host,
)

if TYPE_CHECKING:
    import pathspec

INLINE = "inline"


def _now() -> datetime:
    return datetime.now(UTC)


def default_jobs() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# --------------------------------------------------------------------------- files


def _spec(patterns: Sequence[str]) -> pathspec.GitIgnoreSpec:
    import pathspec  # noqa: PLC0415 - keeps `import secgate` light

    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


@dataclass
class _IgnoreStack:
    """The .gitignore files that apply to a folder: (folder relative to base, spec)."""

    base: Path
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = field(default_factory=list)

    def ignored(self, rel_from_base: str, is_dir: bool) -> bool:
        decision: bool | None = None
        for folder, spec in self.specs:
            prefix = f"{folder}/" if folder else ""
            if folder and not rel_from_base.startswith(prefix):
                continue
            sub = rel_from_base[len(prefix) :] + ("/" if is_dir else "")
            result = spec.check_file(sub)
            if result.include is not None:
                decision = result.include
        return bool(decision)


def _read_gitignore(folder: Path) -> pathspec.GitIgnoreSpec | None:
    path = folder / ".gitignore"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return _spec(text.splitlines())


def _git_top(root: Path) -> Path:
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return folder
    return root


@dataclass(frozen=True)
class FileSet:
    """The collected files (relative POSIX paths, sorted) and what the collector skipped."""

    files: tuple[str, ...]
    skipped: tuple[SkippedFile, ...]


def collect_files(root: Path, targets: Sequence[Path], config: Config) -> FileSet:
    """The files under *targets* that the config's globs and .gitignore let through.

    Symbolic links are never followed (a link can point outside the root, or loop); they
    are listed as skipped, as are unreadable folders and anything that is not a regular
    file (a FIFO would hang a reader).
    """
    exclude = _spec([*config.exclude, *config.extend_exclude])
    include = _spec(config.include) if config.include else None
    base = _git_top(root) if config.respect_gitignore else root
    root_prefix = root.relative_to(base).as_posix() if base != root else ""
    files: set[str] = set()
    skipped: dict[str, str] = {}

    def rel_of(path: Path) -> str:
        return path.relative_to(root).as_posix()

    for target in targets:
        if target.is_file() and not target.is_symlink():
            rel = rel_of(target)
            if include is None or include.match_file(rel):
                files.add(rel)
            continue
        ignores = _IgnoreStack(base)
        if config.respect_gitignore:
            chain = [base, *reversed(list(target.relative_to(base).parents))]
            for folder in dict.fromkeys(base / p for p in chain):
                if folder.is_relative_to(base) and folder != target:
                    spec = _read_gitignore(folder)
                    if spec is not None:
                        ignores.specs.append((folder.relative_to(base).as_posix().strip("."), spec))
        stack: list[Path] = [target]
        while stack:
            folder = stack.pop()
            if config.respect_gitignore:
                spec = _read_gitignore(folder)
                if spec is not None:
                    key = folder.relative_to(base).as_posix()
                    ignores.specs.append(("" if key == "." else key, spec))
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                skipped[rel_of(folder) + "/"] = f"cannot list folder: {exc.strerror or exc}"
                continue
            subfolders: list[Path] = []
            for entry in entries:
                path = Path(entry.path)
                rel = rel_of(path)
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_link = entry.is_symlink()
                    is_file = entry.is_file(follow_symlinks=False)
                except OSError as exc:
                    skipped[rel] = f"cannot stat: {exc.strerror or exc}"
                    continue
                probe = rel + ("/" if is_dir else "")
                if exclude.match_file(probe):
                    continue
                from_base = f"{root_prefix}/{rel}" if root_prefix else rel
                if config.respect_gitignore and ignores.ignored(from_base, is_dir):
                    continue
                if is_link:
                    skipped[rel] = "symbolic link, not followed"
                elif is_dir:
                    subfolders.append(path)
                elif not is_file:
                    skipped[rel] = "not a regular file"
                elif include is not None and not include.match_file(rel):
                    continue
                elif not os.access(path, os.R_OK):
                    skipped[rel] = "not readable (permission denied)"
                else:
                    files.add(rel)
            stack.extend(reversed(subfolders))
    return FileSet(
        files=tuple(sorted(files)),
        skipped=tuple(SkippedFile(path=p, reason=r) for p, r in sorted(skipped.items())),
    )


def _files_for(scanner_exclude: Sequence[str], files: tuple[str, ...]) -> tuple[str, ...]:
    if not scanner_exclude:
        return files
    spec = _spec(scanner_exclude)
    return tuple(f for f in files if not spec.match_file(f))


# --------------------------------------------------------------------------- fingerprints


class _LineCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lines: dict[str, list[str] | None] = {}

    def lines(self, rel: str) -> list[str] | None:
        if rel not in self._lines:
            try:
                data = (self.root / rel).read_bytes()
            except OSError:
                self._lines[rel] = None
            else:
                self._lines[rel] = data.decode("utf-8", "replace").splitlines()
        return self._lines[rel]


def fill_fingerprint(finding: Finding, lines: _LineCache) -> Finding:
    """Give *finding* a content fingerprint when its scanner did not.

    The fingerprint hashes the scanner, rule, file and the flagged lines' text (whitespace
    collapsed) — not the line number — so inserting lines above leaves it unchanged and
    editing the flagged code changes it. A dependency finding hashes the package, its
    version and the advisory instead.
    """
    if finding.fingerprint:
        return finding
    head = (finding.scanner, finding.rule_id, finding.path)
    if finding.package is not None:
        pkg = finding.package
        value = content_fingerprint(
            *head, pkg.name.lower(), pkg.version or "", pkg.advisory_id or ""
        )
    else:
        text = None
        if finding.line is not None:
            file_lines = lines.lines(finding.path)
            if file_lines is not None and finding.line <= len(file_lines):
                end = min(finding.end_line or finding.line, len(file_lines))
                text = "\n".join(file_lines[finding.line - 1 : max(end, finding.line)])
        value = content_fingerprint(*head, text if text is not None else finding.message)
    return finding.model_copy(update={"fingerprint": value})


# --------------------------------------------------------------------------- running


@dataclass
class _Job:
    scanner: Scanner
    context: ScanContext
    required: bool
    future: Future[ScanOutput | None] = field(default_factory=Future)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration: float = 0.0


def _one_line(text: str, limit: int = 600) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def describe_exception(exc: BaseException) -> str:
    """A one-line description of a scanner failure for the report."""
    if isinstance(exc, ScannerError):
        return _one_line(str(exc)) or "scanner error"
    text = str(exc)
    return _one_line(
        f"crashed: {type(exc).__name__}: {text}" if text else f"crashed: {type(exc).__name__}"
    )


def _run_job(host: PluginHost, job: _Job) -> None:
    job.started_at = _now()
    start = time.monotonic()
    try:
        result = host.scan(job.scanner, job.context)
    except BaseException as exc:  # noqa: BLE001 - isolate every failure, KeyboardInterrupt too
        job.future.set_exception(exc)
    else:
        job.future.set_result(result)
    finally:
        job.duration = time.monotonic() - start
        job.finished_at = _now()


def _collect_result(job: _Job, lines: _LineCache) -> tuple[ScanResult, list[Finding]]:
    scanner, ctx = job.scanner, job.context
    name = scanner.name
    try:
        version = scanner.version()
    except Exception:  # noqa: BLE001 - a broken version probe must not sink the run
        version = None
    base: dict[str, Any] = {"name": name, "version": version, "required": job.required}
    try:
        output = job.future.result(timeout=ctx.remaining + 0.05)
    except FutureTimeout:
        ctx.cancel.set()
        return ScanResult(
            **base,
            status=ScanStatus.ERROR,
            error=f"timed out after {ctx.timeout:g} s (raise scanners.{name}.timeout "
            "if the tree is large)",
            started_at=job.started_at,
            finished_at=_now(),
            duration_s=round(ctx.timeout, 3),
        ), []
    except BaseException as exc:  # noqa: BLE001 - reported as the scanner's error
        return ScanResult(
            **base,
            status=ScanStatus.ERROR,
            error=describe_exception(exc),
            started_at=job.started_at,
            finished_at=job.finished_at,
            duration_s=round(job.duration, 3),
        ), []
    if not isinstance(output, ScanOutput):
        return ScanResult(
            **base,
            status=ScanStatus.ERROR,
            error="no plugin answered secgate_scan (is the 'scan' plugin disabled?)"
            if output is None
            else f"secgate_scan returned {type(output).__name__}, not a ScanOutput",
            started_at=job.started_at,
            finished_at=job.finished_at,
            duration_s=round(job.duration, 3),
        ), []
    findings = []
    for reported in output.findings:
        update: dict[str, Any] = {}
        if reported.scanner != name:
            update["scanner"] = name
        if reported.suppressed_by and not reported.suppressed_by.startswith(INLINE):
            update["suppressed_by"] = None  # only the policy sets any other reason
        finding = reported.model_copy(update=update) if update else reported
        findings.append(fill_fingerprint(finding, lines))
    if output.version:
        base["version"] = output.version
    return ScanResult(
        **base,
        status=ScanStatus.ERROR if output.error else ScanStatus.OK,
        error=_one_line(output.error) if output.error else None,
        started_at=job.started_at,
        finished_at=job.finished_at,
        duration_s=round(job.duration, 3),
        findings=len(findings),
        coverage=Coverage(files_scanned=output.files_scanned, skipped=tuple(output.skipped)),
        details=dict(output.details),
    ), findings


@dataclass(frozen=True)
class _Selection:
    run: list[tuple[Scanner, bool]]
    not_run: list[ScanResult]
    warnings: list[str]


def _select(
    host: PluginHost, config: Config, requested: Sequence[str] | None, source: str
) -> _Selection:
    registry = host.scanners()
    known = ", ".join(registry) or "none installed"

    def check_names(names: Sequence[str], key: str) -> None:
        for name in names:
            if name not in registry:
                raise ConfigError(f"{source}{key}: unknown scanner {name!r} (registered: {known})")

    check_names(config.skip, "skip")
    check_names(list(config.scanners), "scanners")
    if requested:
        check_names(requested, "--scanner")
        wanted, explicit = list(dict.fromkeys(requested)), True
    elif config.select is not None:
        check_names(config.select, "select")
        wanted, explicit = list(dict.fromkeys(config.select)), True
    else:
        wanted, explicit = [n for n in registry if n not in config.skip], False
    run: list[tuple[Scanner, bool]] = []
    not_run: list[ScanResult] = []
    warnings: list[str] = []
    for name in wanted:
        scanner = registry[name].cls()
        try:
            availability = scanner.availability()
        except Exception as exc:  # noqa: BLE001 - a broken probe is a scanner error
            from secgate.plugins import Availability  # noqa: PLC0415

            availability = Availability(ok=False, reason=describe_exception(exc))
        if availability.ok:
            run.append((scanner, explicit))
        elif explicit:
            not_run.append(
                ScanResult(
                    name=name,
                    status=ScanStatus.ERROR,
                    required=True,
                    error=f"required but cannot run: {availability.describe()}",
                )
            )
        else:
            not_run.append(
                ScanResult(name=name, status=ScanStatus.SKIPPED, error=availability.describe())
            )
            warnings.append(f"scanner {name} skipped: {availability.describe()}")
    for name in registry:
        if name not in wanted:
            not_run.append(ScanResult(name=name, status=ScanStatus.SKIPPED, error="not selected"))
    return _Selection(run=run, not_run=not_run, warnings=warnings)


def resolve_config(
    targets: Sequence[Path], config: str | os.PathLike[str] | Config | None
) -> LoadedConfig:
    """The config for a run: an object as given, an explicit file, or the closest one."""
    if isinstance(config, Config):
        return LoadedConfig(config=config)
    if config is not None:
        return load_file(Path(config))
    env_config = os.environ.get("SECGATE_CONFIG")
    if env_config:
        return load_file(Path(env_config))
    return discover(targets[0])


def resolve_root(targets: Sequence[Path], loaded: LoadedConfig, explicit: bool) -> Path:
    """The scanned root: the discovered config's folder, else the targets' common folder."""
    if not explicit and loaded.root is not None:
        root = loaded.root.resolve()
        if all(t == root or t.is_relative_to(root) for t in targets):
            return root
    folders = [t if t.is_dir() else t.parent for t in targets]
    return Path(os.path.commonpath([str(f) for f in folders]))


def scanner_options(
    host: PluginHost, config: Config, loaded: LoadedConfig
) -> dict[str, ScannerOptions]:
    """Validate every scanner's options table (an unknown key is a config error)."""
    source = str(loaded.path) if loaded.path else "config"
    options: dict[str, ScannerOptions] = {}
    for name, info in host.scanners().items():
        options[name] = _validate_options(
            info.cls.Options, config.scanners.get(name, {}), name, source, loaded.key_prefix
        )
    return options


def check(
    path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] = ".",
    *,
    stage: str | None = None,
    config: str | os.PathLike[str] | Config | None = None,
    scanners: Sequence[str] | None = None,
    fail_on: str | None = None,
    jobs: int | None = None,
    plugins: Sequence[object] = (),
    overrides: Mapping[str, Any] | None = None,
    extras: Mapping[str, Any] | None = None,
) -> Verdict:
    """Scan *path*, weigh the findings against the policy, and return the verdict.

    ``path`` is a file or folder, or a list of them. ``config`` is a config file, a
    :class:`~secgate.config.Config`, or None to use the closest ``secgate.toml`` /
    ``pyproject.toml`` with a ``[tool.secgate]`` table. ``stage`` picks a profile from
    ``[tool.secgate.stages]``. ``scanners`` runs exactly those (each is then required).
    ``fail_on`` overrides the threshold. ``plugins`` adds plugin objects for this run.

    Raises :class:`~secgate.errors.SecgateError` for bad input (config, paths, plugins);
    everything a scanner does wrong ends up in the verdict as an error instead.
    """
    run_started = _now()
    raw_paths = [path] if isinstance(path, str | os.PathLike) else list(path)
    if not raw_paths:
        raise UsageError("no path to check")
    targets = []
    for raw in raw_paths:
        target = Path(raw)
        if not target.exists():
            raise UsageError(f"{raw}: no such file or folder")
        targets.append(target.resolve())
    host = make_plugin_host(plugins)
    loaded = resolve_config(targets, config)
    source = f"{loaded.path}: " if loaded.path else ""
    effective = loaded.config.for_stage(stage, str(loaded.path) if loaded.path else None)
    update: dict[str, Any] = dict(overrides or {})
    if fail_on is not None:
        update["fail_on"] = fail_on
    if jobs is not None:
        update["jobs"] = jobs
    if update:
        from secgate.config import StageProfile  # noqa: PLC0415

        try:
            profile = StageProfile.model_validate(update)
        except Exception as exc:  # noqa: BLE001 - re-raised as a one-line usage error
            raise UsageError(f"invalid option: {describe_exception(exc)}") from None
        effective = effective.merged(profile)
    root = resolve_root(targets, loaded, explicit=config is not None)
    options = scanner_options(host, effective, loaded)
    selection = _select(host, effective, scanners, source)
    fileset = collect_files(root, targets, effective)
    job_count = effective.jobs or default_jobs()

    lines = _LineCache(root)
    jobs_list: list[_Job] = []
    for scanner, required in selection.run:
        opts = options[scanner.name]
        ctx = ScanContext(
            root=root,
            files=_files_for(opts.exclude, fileset.files),
            options=opts,
            config=effective,
            stage=stage,
            config_file=loaded.path,
            jobs=job_count,
            timeout=opts.timeout or effective.timeout,
        )
        jobs_list.append(_Job(scanner=scanner, context=ctx, required=required))
    threads = []
    for job in jobs_list:
        # Daemon threads: a scanner that hangs past its timeout must not keep the process
        # alive after the verdict is out.
        thread = threading.Thread(
            target=_run_job, args=(host, job), name=f"secgate-{job.scanner.name}", daemon=True
        )
        thread.start()
        threads.append(thread)

    results: list[ScanResult] = []
    findings: list[Finding] = []
    for job in jobs_list:
        result, found = _collect_result(job, lines)
        results.append(result)
        findings.extend(found)
    results.extend(selection.not_run)
    results.sort(key=lambda r: r.name)
    return judge(
        host=host,
        findings=findings,
        results=results,
        root=root,
        config=effective,
        stage=stage,
        config_file=loaded.path,
        options=options,
        warnings=selection.warnings,
        collection=Coverage(files_scanned=len(fileset.files), skipped=fileset.skipped),
        started_at=run_started,
        extras=dict(extras or {}),
    )


def judge(
    *,
    host: PluginHost,
    findings: list[Finding],
    results: list[ScanResult],
    root: Path,
    config: Config,
    stage: str | None,
    config_file: Path | None,
    options: Mapping[str, ScannerOptions],
    warnings: Sequence[str] = (),
    collection: Coverage | None = None,
    started_at: datetime | None = None,
    extras: dict[str, Any] | None = None,
) -> Verdict:
    """Adjust findings through the plugins, evaluate the policy, and build the verdict."""
    run = RunContext(
        root=root,
        config=config,
        stage=stage,
        config_file=config_file,
        results=tuple(results),
        options=options,
        warnings=list(warnings),
        extras=extras or {},
    )
    adjusted = list(findings)
    try:
        host.adjust_findings(adjusted, run)
    except Exception as exc:  # noqa: BLE001 - re-raised as a one-line plugin error
        raise PluginError(
            f"a secgate_adjust_findings plugin failed: {describe_exception(exc)}"
        ) from None
    if len(adjusted) < len(findings) or not all(isinstance(f, Finding) for f in adjusted):
        raise PluginError(
            "a secgate_adjust_findings plugin removed or corrupted findings; "
            "plugins must mark findings suppressed, never drop them"
        )
    decision = host.evaluate(adjusted, results, run)
    if decision is None:
        raise PluginError("no plugin answered secgate_evaluate (is the 'policy' plugin disabled?)")
    judged = sorted(decision.findings, key=Finding.sort_key)
    return Verdict(
        tool_version=__version__,
        status=decision.status,
        reasons=tuple(decision.reasons),
        decided_by=decision.decided_by,
        root=str(root),
        stage=stage,
        config_file=str(config_file) if config_file else None,
        policy=config.effective_dict(),
        scanners=tuple(results),
        findings=tuple(judged),
        collection=collection or Coverage(),
        warnings=(*run.warnings, *decision.warnings),
        summary=summarize(judged),
        started_at=started_at,
        finished_at=_now(),
    )


def load_report(path: Path) -> Verdict:
    """Read a JSON report written by ``secgate check --format json``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"{path}: cannot read report: {exc.strerror or exc}") from None
    import json  # noqa: PLC0415

    from pydantic import ValidationError  # noqa: PLC0415

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("tool") != "secgate":
        raise ReportError(f'{path}: not a secgate JSON report (no "tool": "secgate")')
    major = str(data.get("schema_version", "")).split(".")[0]
    if major != "1":
        raise ReportError(
            f"{path}: report schema_version {data.get('schema_version')!r} "
            "is not supported (this secgate reads 1.x)"
        )
    try:
        return Verdict.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        raise ReportError(f"{path}: invalid report at {loc}: {first.get('msg')}") from None


def evaluate(
    report: str | os.PathLike[str] | Verdict,
    *,
    config: str | os.PathLike[str] | Config | None = None,
    stage: str | None = None,
    fail_on: str | None = None,
    plugins: Sequence[object] = (),
    extras: Mapping[str, Any] | None = None,
) -> Verdict:
    """Re-apply a policy to a saved report without scanning again.

    Policy decisions in the report (blocking, below-threshold, waivers, baselines) are
    discarded and made afresh; what scanners decided (``inline`` suppressions) stays.
    The config is *config*, else the closest one to the current folder.
    """
    previous = report if isinstance(report, Verdict) else load_report(Path(report))
    host = make_plugin_host(plugins)
    if isinstance(config, Config):
        loaded = LoadedConfig(config=config)
    elif config is not None:
        loaded = load_file(Path(config))
    else:
        loaded = discover(Path.cwd())
    effective = loaded.config.for_stage(stage, str(loaded.path) if loaded.path else None)
    if fail_on is not None:
        from secgate.config import StageProfile  # noqa: PLC0415

        effective = effective.merged(StageProfile.model_validate({"fail_on": fail_on}))
    options = scanner_options(host, effective, loaded)
    fresh = [
        f.model_copy(
            update={
                "blocking": False,
                "decided_by": None,
                "suppressed_by": f.suppressed_by
                if f.suppressed_by and f.suppressed_by.startswith(INLINE)
                else None,
            }
        )
        for f in previous.findings
    ]
    return judge(
        host=host,
        findings=fresh,
        results=list(previous.scanners),
        root=Path(previous.root),
        config=effective,
        stage=stage,
        config_file=loaded.path,
        options=options,
        warnings=[w for w in previous.warnings if w.startswith("scanner ")],
        collection=previous.collection,
        started_at=previous.started_at,
        extras=dict(extras or {}),
    )


__all__ = ["FileSet", "VerdictStatus", "check", "collect_files", "evaluate", "load_report"]
