"""The semgrep scanner: secgate's rule pack (and the user's rules) through the semgrep CLI.

A scan reads the rules (:mod:`.rules`), keeps the files some rule targets
(:mod:`.languages`), lists the ones semgrep would refuse (:mod:`.targets`), starts semgrep
on the rest (:mod:`.process`), as often as the argument limit needs, and reads what it
wrote (:mod:`.output`). semgrep aborts its whole run over one target it cannot take, so
should it still name one as an invalid scanning root, or fail over a file that is gone or
unreadable by then (the file changed meanwhile), that run is repeated once without it.
A rule or config error, a crash, invalid JSON or a timeout is a
:class:`~secgate.errors.ScannerError` (the gate fails closed).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from secgate.config import ScannerOptions, discover
from secgate.deadcode import DEAD_LINES_VERSION
from secgate.errors import ScannerError, SecgateError
from secgate.families import families_of
from secgate.plugins import (
    Availability,
    RuleInfo,
    ScanContext,
    Scanner,
    ScanOutput,
    package_version,
)
from secgate.scanners.semgrep.languages import candidate_files, suffixes_for
from secgate.scanners.semgrep.options import INSTALL_HINT, NAME, SemgrepOptions
from secgate.scanners.semgrep.output import (
    Collected,
    build_output,
    describe_failure,
    fatal_errors,
    parse_json_output,
    relative,
    suppressed_keys,
)
from secgate.scanners.semgrep.prefilter import Pass, passes
from secgate.scanners.semgrep.process import (
    build_argv,
    child_environment,
    find_binary,
    run_semgrep,
    split_starts,
)
from secgate.scanners.semgrep.rules import MERGED_CONFIG, Rule, RuleSet, load_rule_set, one_line
from secgate.scanners.semgrep.targets import (
    gone_while_running,
    invalid_roots,
    private_base,
    split_targets,
    unscannable_targets,
)

#: How secgate hands files to semgrep, in the cache token: results cached before files were
#: read as Python reads them (CR line ends, declared codings) must not be reused, nor
#: results whose taint findings carry no ``trace_check`` (``traces-1``).
READING = "python-reading-2|evidence-1|traces-1"


def _project_root() -> Path:
    """Where relative rule paths resolve outside a scan: the closest config's folder."""
    cwd = Path.cwd()
    return discover(cwd).root or cwd


class SemgrepScanner(Scanner):
    """semgrep with secgate's rule pack (``rules/semgrep``) and any configured rules."""

    name: ClassVar[str] = NAME
    description: ClassVar[str] = (
        "semgrep CLI with secgate's rule pack: Python, GitHub Actions, Dockerfile, GitLab CI, shell"
    )
    Options: ClassVar[type[ScannerOptions]] = SemgrepOptions
    per_file: ClassVar[bool] = True
    external_process: ClassVar[bool] = True

    def version(self) -> str | None:
        """semgrep's package version (metadata only: starting semgrep costs seconds)."""
        return package_version("semgrep")

    def availability(self) -> Availability:
        """Whether a semgrep executable can be found (see :func:`find_binary`)."""
        if find_binary() is not None:
            return Availability(ok=True)
        return Availability(
            ok=False,
            reason="semgrep executable not found (looked at $SECGATE_SEMGREP, next to "
            f"{sys.executable} and on PATH)",
            hint=INSTALL_HINT,
        )

    def __init__(self) -> None:
        self._suffixes: tuple[str, ...] | None = None

    def _remember_targets(self, ruleset: RuleSet, options: SemgrepOptions) -> None:
        """Remember which file endings the active rules target, for :meth:`handles`."""
        active = ruleset.active(options.exclude_rules).values()
        suffixes: set[str] = set()
        for rule in active:
            for language in rule.languages:
                known = suffixes_for(language)
                if known is None:
                    self._suffixes = None  # generic/regex rules: every file
                    return
                suffixes.update(known)
        self._suffixes = None if ruleset.registry else tuple(sorted(suffixes))

    def handles(self, path: str) -> bool:
        """Whether some active rule targets *path*'s file type.

        Uses the rules of the options last seen by :meth:`cache_token` (the result cache
        calls it first) or :meth:`scan`; before either, every file (a safe superset: a file
        the cache thinks unhandled is never scanned).
        """
        return self._suffixes is None or path.endswith(self._suffixes)

    def _options(self, options: ScannerOptions) -> SemgrepOptions:
        if isinstance(options, SemgrepOptions):
            return options
        return SemgrepOptions.model_validate(options.model_dump())

    def cache_token(self, options: ScannerOptions) -> str:
        """Version, options, the content hash of every rule file, registry names with
        today's date (registry rules change upstream; a day-old cache is the limit), and
        :data:`READING` (how secgate hands files to semgrep)."""
        opts = self._options(options)
        digest = hashlib.sha256()
        try:
            ruleset = load_rule_set(opts, _project_root())
        except SecgateError:
            # The rules cannot be read from here (a relative path from another folder):
            # a token that never repeats means no cache hit, never a stale one.
            digest.update(os.urandom(16))
            self._suffixes = None
        else:
            self._remember_targets(ruleset, opts)
            for path in ruleset.files:
                digest.update(str(path.name).encode() + b"\0")
                try:
                    digest.update(path.read_bytes())
                except OSError as exc:  # pragma: no cover - raced with a deletion
                    digest.update(f"unreadable:{exc}".encode())
                digest.update(b"\0")
            if ruleset.registry:
                day = datetime.now(UTC).date().isoformat()
                digest.update(f"registry:{','.join(ruleset.registry)}:{day}".encode())
        token = f"{super().cache_token(opts)}|rules:{digest.hexdigest()}"
        return f"{token}|{DEAD_LINES_VERSION}|reading:{READING}"

    def rules(self, options: ScannerOptions) -> list[RuleInfo]:
        """Every rule the options enable, read from the rule files."""
        opts = self._options(options)
        ruleset = load_rule_set(opts, _project_root())
        infos = [
            RuleInfo(
                id=rule.id,
                scanner=NAME,
                severity=rule.severity,
                description=one_line(rule.message) or rule.id,
                cwe=rule.cwe,
            )
            for rule in ruleset.active(opts.exclude_rules).values()
        ]
        infos.extend(
            RuleInfo(
                id=config,
                scanner=NAME,
                severity=None,
                description="semgrep registry config (its rules are fetched when scanning)",
            )
            for config in ruleset.registry
        )
        return sorted(infos, key=lambda info: info.id)

    def scan(self, context: ScanContext) -> ScanOutput:
        """Run semgrep on the candidate files among ``context.files``."""
        opts = self._options(context.options)
        ruleset = load_rule_set(opts, context.root)
        self._remember_targets(ruleset, opts)
        active = ruleset.active(opts.exclude_rules)
        details: dict[str, str | int | float | bool | None] = {
            "rules": len(active),
            "registry_configs": len(ruleset.registry),
            # Families a taint rule looked for in every file semgrep analysed: there, a
            # pattern finding with no flow is unconfirmed (secgate.evidence).
            "taint_families": ",".join(
                sorted(
                    {
                        family
                        for rule in active.values()
                        if rule.raw.get("mode") == "taint"
                        for family in families_of(rule.cwe)
                    }
                )
            ),
            "taint_suffixes": ",".join(
                sorted(
                    {
                        suffix
                        for rule in active.values()
                        if rule.raw.get("mode") == "taint"
                        for language in rule.languages
                        for suffix in suffixes_for(language) or ()
                    }
                )
            ),
        }
        candidates = candidate_files(context.files, active.values(), bool(ruleset.registry))
        details["candidates"] = len(candidates)
        # semgrep rejects the whole run over one target it cannot read ("Invalid scanning
        # root"): such files are found first, listed as skipped, and the rest is scanned.
        unscannable = unscannable_targets(context.root, candidates)
        targets = [t for t in candidates if t not in unscannable]
        if not targets:
            return ScanOutput(
                files_scanned=0,
                skipped=[gap for _, gap in sorted(unscannable.items())],
                details=details,
            )
        binary = find_binary(opts.binary)
        if binary is None:
            where = f"{opts.binary!r}" if opts.binary else "$SECGATE_SEMGREP, venv or PATH"
            raise ScannerError(f"semgrep executable not found ({where}); {INSTALL_HINT}")
        collected = self._run(binary, opts, ruleset, targets, context)
        collected.unscannable.update(unscannable)
        details["semgrep_runs"] = collected.runs
        if collected.copies:
            details["analysed_from_copy"] = len(collected.copies)
        scanned_targets = [t for t in targets if t not in collected.unscannable]
        return build_output(collected, context.root, active, scanned_targets, details)

    def _run(
        self,
        binary: str,
        opts: SemgrepOptions,
        ruleset: RuleSet,
        targets: Sequence[str],
        context: ScanContext,
    ) -> Collected:
        collected = Collected()
        deadline = time.monotonic() + context.remaining
        # Never inside the scanned tree: the copies of its files and semgrep's settings.
        base = private_base(context.root)
        with tempfile.TemporaryDirectory(prefix="secgate-semgrep-", dir=base) as tmp:
            work = Path(tmp)
            home = work / "home"
            home.mkdir()
            env = child_environment(binary, home)
            split = split_targets(targets, context.root, work / "copies")
            collected.copies, collected.gaps = split.copies, split.gaps
            starts: list[tuple[list[str], list[tuple[int, int, Rule]], Path, list[str]]] = []
            for number, step in enumerate(self._passes(ruleset, opts, split.jobs)):
                configs: list[str] = list(ruleset.registry) if number == 0 else []
                spans: list[tuple[int, int, Rule]] = []
                if ruleset.rules:
                    merged = work / f"pass-{number}" / MERGED_CONFIG
                    merged.parent.mkdir()
                    spans = ruleset.write_config(merged, opts.exclude_rules, step.rules)
                    if spans:
                        configs.insert(0, str(merged))
                if not configs:
                    continue
                probe = build_argv(binary, opts, configs, work / "out.sarif", context.jobs)
                starts.extend(
                    (configs, spans, cwd, first)
                    for cwd, first in split_starts(step.jobs, probe, env)
                )
            seen_errors: set[str] = set()
            for index, (configs, spans, cwd, first) in enumerate(starts):
                sarif = work / f"out-{index}.sarif"
                chunk = first
                retried = False
                while True:
                    argv = [*build_argv(binary, opts, configs, sarif, context.jobs), *chunk]
                    output = run_semgrep(
                        argv,
                        cwd=cwd,
                        env=env,
                        workdir=work,
                        context=context,
                        deadline=deadline,
                        sarif=sarif,
                    )
                    data = parse_json_output(output.stdout, output.returncode, output.stderr)
                    collected.runs += 1
                    errors = [e for e in data.get("errors") or [] if isinstance(e, dict)]
                    fatal = fatal_errors([*collected.errors, *errors], set(targets), cwd)
                    if fatal and not retried:
                        # A file that vanished or lost its read permission while semgrep ran:
                        # one more run without it (and without any other file that went).
                        gone = self._gone(fatal, chunk, cwd)
                        if gone:
                            retried = True
                            collected.unscannable.update(gone_while_running(cwd, gone))
                            rels = [c.removeprefix("./") for c in chunk if c[2:] not in gone]
                            collected.unscannable.update(unscannable_targets(cwd, rels))
                            chunk = [f"./{r}" for r in rels if r not in collected.unscannable]
                            if chunk:
                                continue
                            break
                    collected.version = collected.version or data.get("version")
                    collected.results.extend(r for r in data["results"] if isinstance(r, dict))
                    for error in errors:  # a file in two passes: its parse error once
                        key = json.dumps(error, sort_keys=True, default=str)
                        if key not in seen_errors:
                            seen_errors.add(key)
                            collected.errors.append(error)
                    collected.skipped_rules.extend(data.get("skipped_rules") or [])
                    paths = data.get("paths") or {}
                    collected.scanned.update(
                        relative(str(p), cwd) for p in paths.get("scanned") or []
                    )
                    per_target_only = bool(collected.errors) and not fatal
                    codes = (0, 1, 3) if per_target_only else (0, 1)
                    if fatal or output.returncode not in codes:
                        raise ScannerError(describe_failure(fatal, output, ruleset.rules, spans))
                    collected.suppressed |= suppressed_keys(output.sarif)
                    break
                if context.progress is not None:
                    context.progress(index + 1, len(starts))
        if collected.skipped_rules:
            ids = ", ".join(
                str(r.get("rule_id", r)) if isinstance(r, dict) else str(r)
                for r in collected.skipped_rules[:5]
            )
            raise ScannerError(f"semgrep skipped {len(collected.skipped_rules)} rule(s): {ids}")
        return collected

    @staticmethod
    def _passes(
        ruleset: RuleSet, opts: SemgrepOptions, jobs: Sequence[tuple[Path, Sequence[str]]]
    ) -> list[Pass]:
        """The semgrep passes (:mod:`.prefilter`); with ``prefilter = false``, one pass of
        every rule over every file."""
        active = ruleset.active(opts.exclude_rules)
        prefilters = {
            rule_id: rule.prefilter
            for rule_id, rule in active.items()
            if rule.prefilter is not None and opts.prefilter
        }
        return passes(active, prefilters, jobs)

    @staticmethod
    def _gone(fatal: Sequence[Mapping[str, Any]], chunk: Sequence[str], cwd: Path) -> set[str]:
        """Files of *chunk* behind *fatal* errors that semgrep cannot take now: those it
        called invalid scanning roots, and those an error names (by path or in its message)
        that are gone or unreadable now (a file that vanished after semgrep's own check)."""
        gone = invalid_roots(fatal, chunk)
        wanted = {c.removeprefix("./") for c in chunk}
        named = {relative(str(e["path"]), cwd) for e in fatal if isinstance(e.get("path"), str)}
        # An error without a path may still name the file in its message; only a file that
        # really is gone or unreadable now is left out, so a false match costs nothing.
        texts = [str(e.get("message") or "") for e in fatal]
        named |= {rel for rel in wanted if any(rel in text for text in texts)}
        named &= wanted
        gone.update(unscannable_targets(cwd, sorted(named - gone)))
        return gone
