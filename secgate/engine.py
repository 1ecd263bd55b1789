"""``check()``: collect files, run every scanner in isolation and concurrently, judge.

The engine owns the calling: each scanner runs in a thread of its own through the
``secgate_scan`` hook, with its own timeout, and a scanner that raises or hangs becomes a
``ScanResult`` with status ``error``; it never hides another scanner's findings.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, wait
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from secgate import changed, newcode
from secgate.api import BaselineInput, RunNotes
from secgate.cache import is_inside, refuse_cache_inside, resolve_cache_dir
from secgate.config import (
    DEFAULT_EXCLUDES,
    Config,
    LoadedConfig,
    ScannerOptions,
    discover,
    load_file,
)
from secgate.config import validate_scanner_options as _validate_options
from secgate.errors import ConfigError, UsageError
from secgate.files import FileSet, collect_files, verify_readable
from secgate.jobs import (
    INLINE,
    Job,
    LineCache,
    collect_result,
    default_jobs,
    now,
    start_jobs,
)
from secgate.judging import judge
from secgate.models import (
    BaselineStatus,
    Coverage,
    Finding,
    ScanResult,
    Verdict,
)
from secgate.ownerpolicy import OwnerPolicy, load_policy
from secgate.plugins import (
    FileDigests,
    PluginHost,
    ScanContext,
    make_plugin_host,
)
from secgate.reports.json_report import load_report
from secgate.selection import select_scanners
from secgate.slicing import apply_shard, job_files, shard_baseline
from secgate.trust import TreeConfigReview, check_locked, check_waiver_cap
from secgate.vex import load_for_run as load_vex
from secgate.weakenings import policy_summary, vex_lines


def resolve_config(
    targets: Sequence[Path], config: str | os.PathLike[str] | Config | LoadedConfig | None
) -> LoadedConfig:
    """The config for a run: an object as given, an explicit file, or the closest one.

    Only the closest one, found in the scanned tree, is untrusted (see :mod:`secgate.trust`).
    """
    if isinstance(config, LoadedConfig):
        return config
    if isinstance(config, Config):
        return LoadedConfig(config=config)
    if config is not None:
        return load_file(Path(config))
    env_config = os.environ.get("SECGATE_CONFIG")
    if env_config:
        return load_file(Path(env_config))
    return discover(targets[0])


def _owner_policy(policy: str | os.PathLike[str] | OwnerPolicy | None) -> OwnerPolicy | None:
    """The owner's policy: as given, from its file, from ``$SECGATE_POLICY``, or none."""
    if isinstance(policy, OwnerPolicy):
        return policy
    if policy is None:
        policy = os.environ.get("SECGATE_POLICY") or None
    return load_policy(Path(policy).expanduser()) if policy is not None else None


def _has_any_file(targets: Sequence[Path]) -> bool:
    """Whether the targets hold a regular file outside ``.git`` (a non-empty tree)."""
    for target in targets:
        if target.is_file():
            return True
        for _, dirs, files in os.walk(target):
            dirs[:] = [d for d in dirs if d != ".git"]
            if files:
                return True
    return False


def _nothing_checked(config: Config) -> str:
    """Why a non-empty tree gave no file to scan, naming the globs that left them out."""
    named = []
    if config.include:
        named.append(f"include = {list(config.include)}")
    if config.extend_exclude:
        named.append(f"extend-exclude = {list(config.extend_exclude)}")
    if config.exclude != DEFAULT_EXCLUDES:
        named.append(f"exclude = {list(config.exclude)}")
    if config.respect_gitignore:
        named.append(".gitignore files")
    return (
        "nothing was checked: the tree has files but none is left to scan after "
        + ", ".join(named or ["the excludes"])
        + " (if that is intended, the pipeline owner's policy can set allow-empty = true)"
    )


def review_tree_config(
    loaded: LoadedConfig, root: Path, host: PluginHost
) -> tuple[LoadedConfig, list[str]]:
    """*loaded* as the scanned tree may have it, and what was set aside (see secgate.trust).

    Raises :class:`~secgate.errors.ConfigError` for a key the tree's config may not set.
    """
    if loaded.trusted:
        return loaded, []
    review = TreeConfigReview(
        loaded, root, {name: info.cls.Options for name, info in host.scanners().items()}
    )
    reviewed = review.review(loaded.config)
    return loaded.model_copy(update={"config": reviewed, "trusted": True}), review.warnings


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
    config: str | os.PathLike[str] | Config | LoadedConfig | None = None,
    policy: str | os.PathLike[str] | OwnerPolicy | None = None,
    scanners: Sequence[str] | None = None,
    fail_on: str | None = None,
    jobs: int | None = None,
    plugins: Sequence[object] = (),
    overrides: Mapping[str, Any] | None = None,
    baseline: str | os.PathLike[str] | bool | None = None,
    new_since: str | None = None,
    root: str | os.PathLike[str] | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    shard: tuple[int, int] | None = None,
    host: PluginHost | None = None,
    changed_only: bool | None = None,
    vex: Sequence[str | os.PathLike[str]] = (),
    _changed_only: newcode.RefCheckout | None = None,
) -> Verdict:
    """Scan *path*, weigh the findings against the policy, and return the verdict.

    ``path`` is a file or folder, or a list of them. ``config`` is a config file, a
    :class:`~secgate.config.Config`, or None to use the closest ``secgate.toml`` /
    ``pyproject.toml`` with a ``[tool.secgate]`` table (that one is the scanned tree's own
    and may not name programs, paths outside the root or the cache; see
    :mod:`secgate.trust`). ``policy`` is the pipeline owner's policy file (default:
    ``$SECGATE_POLICY``): its keys win over the config's, and the keys it lists in
    ``locked`` may not be set by the config at all. ``stage`` picks a profile from
    ``[tool.secgate.stages]``. ``scanners`` runs exactly those (each is then required).
    ``fail_on`` overrides the threshold. ``plugins`` adds plugin objects for this run.
    ``baseline`` is a baseline file whose findings do not block (default: the config's
    ``baseline`` key; ``False`` ignores it). ``new_since`` is a git ref: only findings
    introduced since it block. ``root`` overrides the scanned root (finding paths are
    relative to it; default: the config file's folder, else the paths' common folder).
    ``on_progress(scanner, done, total)`` is called from scanner threads as files are done.
    ``shard=(K, N)`` scans only the K-th of N deterministic slices of the files (scanners
    that are not per-file run on shard 1 only); ``secgate merge`` joins the shard reports.
    ``host`` reuses a plugin host built with :func:`~secgate.plugins.make_plugin_host` (the
    command line renders its reports with the same one); ``plugins`` is then ignored.
    ``changed_only=True`` (default: the config's ``changed-only``) needs ``new_since``:
    per-file scanners analyse only the files changed since it (see :mod:`secgate.changed`),
    the verdict's ``scope`` says so, and the rest of the tree is neither scanned nor a gap.
    ``vex`` names VEX documents (OpenVEX, CycloneDX) read on top of the config's ``vex``.

    Raises :class:`~secgate.errors.SecgateError` for bad input (config, paths, plugins);
    everything a scanner does wrong ends up in the verdict as an error instead.

    (``_changed_only`` is internal: the ``--new-since`` scan of REF passes it so per-file
    scanners get only the files changed since REF; unchanged ones are not scanned.)
    """
    run_started = now()
    raw_paths = [path] if isinstance(path, str | os.PathLike) else list(path)
    if not raw_paths:
        raise UsageError("no path to check")
    targets = []
    for raw in raw_paths:
        target = Path(raw)
        if not target.exists():
            raise UsageError(f"{raw}: no such file or folder")
        targets.append(target.resolve())
    host = host or make_plugin_host(plugins)
    loaded = resolve_config(targets, config)
    source = f"{loaded.path}: " if loaded.path else ""
    owner = _owner_policy(policy)
    root = (
        Path(root).resolve()
        if root is not None
        else resolve_root(targets, loaded, explicit=config is not None)
    )
    loaded, trust_warnings = review_tree_config(loaded, root, host)
    if owner is not None:
        check_locked(loaded, owner, owner.path or "policy")
        check_waiver_cap(loaded, owner, owner.path or "policy")
    tree_stage = stage
    if owner is not None and stage in owner.stages and stage not in loaded.config.stages:
        tree_stage = None
    effective = loaded.config.for_stage(tree_stage, str(loaded.path) if loaded.path else None)
    if owner is not None:
        effective = owner.apply(effective, stage)
    update: dict[str, Any] = dict(overrides or {})
    if fail_on is not None:
        update["fail_on"] = fail_on
    if jobs is not None:
        update["jobs"] = jobs
    if changed_only is not None:
        update["changed_only"] = changed_only
    if update:
        from secgate.config import StageProfile  # noqa: PLC0415

        try:
            profile = StageProfile.model_validate(update)
        except ValidationError as exc:
            raise UsageError(_option_error(exc)) from None
        effective = effective.merged(profile)
    cache_note = None
    if effective.cache:
        cache_dir = resolve_cache_dir(effective.cache_dir, root)
        if effective.cache_dir or os.environ.get("SECGATE_CACHE_DIR"):
            refuse_cache_inside(cache_dir, root)
        elif is_inside(cache_dir, root):
            # The default folder (under $XDG_CACHE_HOME or ~/.cache) is inside the tree, as
            # when scanning a home folder: the tree could have shipped it, so do not use it.
            effective = effective.model_copy(update={"cache": False})
            cache_note = (
                f"result cache not used: its default folder {cache_dir} is inside the "
                "scanned root (set SECGATE_CACHE_DIR to a folder outside it)"
            )
    options = scanner_options(host, effective, loaded)
    selection = select_scanners(host, effective, scanners, source)
    # The policy summary lists what the configuration weakened; --scanner is the caller's
    # own choice, so it is not listed there, but it decided what ran: the report's (and
    # the attested) policy records it as select.
    summarised = effective
    if scanners:
        effective = effective.model_copy(update={"select": tuple(scanners)})
    selection.warnings.extend(trust_warnings)
    selection.warnings.extend(loaded.notes)
    if cache_note:
        selection.warnings.append(cache_note)
    baseline_input = _baseline_input(baseline, effective, loaded)
    vex_documents = load_vex(effective, loaded.root, vex)
    previous: newcode.Previous | None = None
    shard_note: str | None = None
    if effective.changed_only and not new_since and _changed_only is None:
        raise UsageError(
            "--changed-only (changed-only = true) needs --new-since REF: the base commit "
            "whose changed files are scanned"
        )
    changes: frozenset[str] | None = None  # --changed-only: top-relative paths to scan
    prefix = ""
    scope: str | None = None
    scope_commit = ""
    base_scan: Future[newcode.Previous] | None = None  # --changed-only: the base's scan
    plan: Future[list[Finding]] | None = None  # and the working tree's findings it awaits
    if new_since:
        per_file = frozenset(s.name for s, _ in selection.run if s.per_file)
        base = newcode.locate(new_since, root)

        def scan_base(plan: Future[list[Finding]] | None = None) -> newcode.Previous:
            with newcode.checkout(new_since, root, targets, base) as checked_out:
                at_ref = checked_out
                if plan is not None:
                    # --changed-only: each per-file scanner sees only the base files that
                    # could hold a match for the working tree's findings, once they are in.
                    wanted = changed.base_files(plan.result(), per_file, LineCache(root), at_ref)
                    at_ref = dataclasses.replace(at_ref, scan_files=wanted)
                # The tree at the base is scanned with today's policy and scanners; per-file
                # scanners only look at the files that changed (the others' answers are the
                # same).
                previous_verdict = (
                    check(
                        list(at_ref.targets),
                        stage=stage,
                        config=loaded,
                        policy=owner,
                        scanners=scanners,
                        fail_on=fail_on,
                        jobs=jobs,
                        plugins=plugins,
                        overrides=overrides,
                        baseline=False,
                        root=at_ref.root,
                        host=host,
                        _changed_only=at_ref,
                    )
                    if at_ref.targets
                    else None
                )
            return newcode.previous_from(at_ref, previous_verdict, per_file)

        if effective.changed_only:
            # A changed-only run is mostly scanner start-ups (semgrep's above all): the base
            # is checked out in a thread while the working tree is scanned here, then
            # scanned for what the working tree's findings need from it (often nothing for
            # semgrep: a pull request's new lines are not at the base).
            plan = Future()
            base_scan = _in_thread(functools.partial(scan_base, plan), "secgate-new-since")
            changes = changed.change_set(root, base.commit).current
            prefix = base.prefix
            scope_commit = base.commit
        else:
            previous = scan_base()
    try:
        fileset = whole = collect_files(root, targets, effective)
        if not fileset.files:
            if not effective.allow_empty and _has_any_file(targets):
                raise ConfigError(f"{source}{_nothing_checked(effective)}")
            selection.warnings.append(
                "no files to scan: check the paths, include/exclude globs and .gitignore"
            )
        if changes is not None:
            fileset = changed.restrict(fileset, changes, prefix)
            scope = changed.scope_line(scope_commit, len(fileset.files))
        if shard is not None:
            fileset, selection, shard_note = apply_shard(fileset, selection, shard)
            if baseline_input is not None:
                baseline_input = BaselineInput(
                    file=baseline_input.file,
                    entries=shard_baseline(baseline_input.entries, host, shard),
                )
        job_count = effective.jobs or default_jobs()

        lines = LineCache(root)
        digests = FileDigests(root)
        sliced = fileset is not whole
        fileset = verify_readable(fileset, digests.get)
        whole = verify_readable(whole, digests.get) if sliced else fileset
        jobs_list: list[Job] = []
        for scanner, required in selection.run:
            opts = options[scanner.name]
            ctx = ScanContext(
                root=root,
                files=job_files(scanner, opts, fileset, whole, _changed_only),
                options=opts,
                config=effective,
                stage=stage,
                config_file=loaded.path,
                jobs=job_count,
                timeout=opts.timeout or effective.timeout,
                digests=digests,
                progress=(
                    functools.partial(on_progress, scanner.name)
                    if on_progress is not None
                    else None
                ),
            )
            jobs_list.append(Job(scanner=scanner, context=ctx, required=required))
        start_jobs(host, jobs_list)

        results: list[ScanResult] = []
        findings: list[Finding] = []
        for job in jobs_list:
            result, found = collect_result(job, lines)
            results.append(result)
            findings.extend(found)
        if plan is not None:
            plan.set_result(list(findings))
    except BaseException:
        if plan is not None:
            plan.cancel()
        if base_scan is not None:
            wait([base_scan])  # its worktree is gone before the error propagates
        raise
    if base_scan is not None:
        previous = base_scan.result()
    results.extend(selection.not_run)
    results.sort(key=lambda r: r.name)
    verdict = judge(
        host=host,
        findings=findings,
        results=results,
        root=root,
        config=effective,
        stage=stage,
        config_file=loaded.path,
        options=options,
        warnings=selection.warnings,
        collection=Coverage(
            files_scanned=len(fileset.files),
            skipped=fileset.skipped,
            excluded=dict(fileset.excluded),
        ),
        started_at=run_started,
        baseline=baseline_input,
        previous=previous,
        new_since=new_since,
        shard=shard_note,
        vex=vex_documents,
    )
    summary = policy_summary(
        summarised,
        baseline_entries=sum(e.count for e in baseline_input.entries)
        if baseline_input is not None
        else None,
        results=results,
        collection=verdict.collection,
        baseline_in_tree=_inside_tree(baseline_input.file, root) if baseline_input else None,
    ) + tuple(vex_lines(vex_documents, root))
    if scope is not None:
        verdict = verdict.model_copy(update={"scope": scope})
    return verdict.model_copy(update={"policy_summary": summary}) if summary else verdict


def _in_thread(work: Callable[[], newcode.Previous], name: str) -> Future[newcode.Previous]:
    """Run *work* in a thread of its own; its result (or exception) comes in the future."""
    future: Future[newcode.Previous] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for it
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


#: How each programmatic option is spelled on the command line, for error messages.
_OPTION_NAMES = {"fail_on": "fail_on (--fail-on)", "jobs": "jobs (--jobs)"}


def _option_error(exc: ValidationError) -> str:
    """One line naming the option and what it accepts (not pydantic's dump)."""
    first = exc.errors()[0]
    loc = first.get("loc", ())
    name = str(loc[0]) if loc else "option"
    shown = _OPTION_NAMES.get(name, name)
    value = first.get("input")
    if name == "fail_on":
        return f"{shown}: {value!r} is not a severity (one of: info, low, medium, high, critical)"
    if name == "jobs":
        return f"{shown}: {value!r} is not a number of worker processes (a whole number, 1 or more)"
    return f"{shown}: {first.get('msg', 'invalid value')} (got {value!r})"


def _inside_tree(path: str, root: Path) -> str | None:
    """*path* relative to *root* when it lies inside the scanned tree, else None."""
    real, real_root = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    return real.relative_to(real_root).as_posix() if real.is_relative_to(real_root) else None


def baseline_path(
    baseline: str | os.PathLike[str] | bool | None, config: Config, loaded: LoadedConfig
) -> Path | None:
    """The baseline file for a run: the one given, else the config's, else none."""
    if baseline is False:
        return None
    if baseline is not None and baseline is not True:
        return Path(baseline)
    if config.baseline is None:
        if baseline is True:
            raise UsageError("no baseline file given and the config sets none")
        return None
    base = loaded.root if loaded.root is not None else Path.cwd()
    return base / config.baseline


def _baseline_input(
    baseline: str | os.PathLike[str] | bool | None, config: Config, loaded: LoadedConfig
) -> BaselineInput | None:
    path = baseline_path(baseline, config, loaded)
    if path is None:
        return None
    from secgate import baseline as baseline_file  # noqa: PLC0415

    return BaselineInput(file=str(path), entries=tuple(baseline_file.load(path)))


def evaluate(
    report: str | os.PathLike[str] | Verdict,
    *,
    config: str | os.PathLike[str] | Config | None = None,
    stage: str | None = None,
    fail_on: str | None = None,
    plugins: Sequence[object] = (),
    baseline: str | os.PathLike[str] | bool | None = None,
    keep: Sequence[str] = (INLINE,),
    host: PluginHost | None = None,
    new_since: str | None = None,
    baseline_status: BaselineStatus | None = None,
    vex: Sequence[str | os.PathLike[str]] = (),
) -> Verdict:
    """Re-apply a policy to a saved report without scanning again.

    Policy decisions in the report (blocking, below-threshold, waivers, baselines) are
    discarded and made afresh; what scanners decided (``inline`` suppressions) stays, as do
    the decisions named in *keep*. The config is *config*, else the file the report was made
    with when it exists here, else the closest one to the current folder. *new_since* and
    *baseline_status* carry what the scans behind a merged report already decided (their
    ``--new-since`` ref, how they met the baseline) into the new verdict.
    """
    previous = report if isinstance(report, Verdict) else load_report(Path(report))
    host = host or make_plugin_host(plugins)
    if isinstance(config, Config):
        loaded = LoadedConfig(config=config)
    elif config is not None:
        loaded = load_file(Path(config))
    elif previous.config_file and Path(previous.config_file).is_file():
        loaded = load_file(Path(previous.config_file))  # the policy it was scanned with
    else:
        loaded = discover(Path.cwd())
    effective = loaded.config.for_stage(stage, str(loaded.path) if loaded.path else None)
    if fail_on is not None:
        from secgate.config import StageProfile  # noqa: PLC0415

        effective = effective.merged(StageProfile.model_validate({"fail_on": fail_on}))
    options = scanner_options(host, effective, loaded)
    baseline_input = _baseline_input(baseline, effective, loaded)
    vex_documents = load_vex(effective, loaded.root, vex)
    fresh = []
    for finding in previous.findings:
        kept = bool(finding.suppressed_by and finding.suppressed_by.startswith(tuple(keep)))
        fresh.append(
            finding.model_copy(
                update={
                    "blocking": False,
                    "decided_by": finding.decided_by if kept else None,
                    "suppressed_by": finding.suppressed_by if kept else None,
                }
            )
        )
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
        baseline=baseline_input,
        new_since=new_since or previous.new_since,
        shard=previous.shard,
        notes=RunNotes(baseline=baseline_status) if baseline_status is not None else None,
        vex=vex_documents,
    )


__all__ = ["FileSet", "check", "collect_files", "evaluate", "load_report"]
