"""The ``pip-audit`` scanner: dependencies with published vulnerabilities.

secgate reads the manifests itself (:mod:`secgate.deps.manifests`), so every finding points
at the file and line that declares the dependency, and asks a vulnerability source
(:mod:`secgate.deps.sources`) about each pinned ``(name, version)``:

- the offline OSV database when one is configured (``vuln-db``, ``--vuln-db``,
  ``SECGATE_VULN_DB``) or was imported with ``secgate db update``;
- otherwise ``pip-audit``'s online services, through its command line.

Findings: one per (declaration, vulnerability), aliases merged; ``unpinned`` for a range
that no lock file pins; ``lock-conflict`` for an exact pin that the lock file covering it
pins at another version (both versions are audited: ``pip install`` gets the pin). A
declaration reached through ``-r`` includes keeps its own path and line but is judged by the
path policy of the top-level manifest that installs it (``policy_path``, ``included_from``;
the strictest when several do). Not-auditable declarations (editable, URL, VCS, local
paths) and manifests or lines that cannot be read are gaps, judged by the coverage policy.
The run is incomplete (status error, findings kept) when a source could not audit some
dependency, or when the offline database is older than ``max-db-age``; it is an error
outright when no vulnerability data is reachable.
"""

from __future__ import annotations

import importlib.util
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from pydantic import Field

from secgate.config import Duration, ScannerOptions
from secgate.errors import ScannerError
from secgate.models import (
    LINE_GAP_KINDS,
    Confidence,
    Dependency,
    Finding,
    GapKind,
    PackageInfo,
    Severity,
    SkippedFile,
)
from secgate.plugins import (
    Availability,
    RuleInfo,
    ScanContext,
    Scanner,
    ScanOutput,
    hookimpl,
    package_version,
)
from secgate.trust import PATH, trusted

if TYPE_CHECKING:
    from secgate.deps.manifests import Declaration
    from secgate.deps.osv import Advisory
    from secgate.deps.sources import QueryResult, VulnerabilitySource

NO_DATA_HINT = (
    "import an offline OSV database with `secgate db update --from PATH` (a folder of OSV "
    "records or an all.zip export), or point at one with --vuln-db PATH, the "
    "SECGATE_VULN_DB variable or [tool.secgate.scanners.pip-audit] vuln-db"
)


class PipAuditOptions(ScannerOptions):
    """``[tool.secgate.scanners.pip-audit]``."""

    vuln_db: str | None = Field(
        default=None,
        description="Offline OSV database: a folder of OSV records or an all.zip export. "
        "A relative path resolves against the config file's folder. Default: "
        "$SECGATE_VULN_DB, then the copy `secgate db update` imported. From the scanned "
        "tree's own config it must stay inside the tree, and $SECGATE_VULN_DB wins over it.",
        json_schema_extra=trusted(PATH, env="SECGATE_VULN_DB"),
    )
    source: Literal["auto", "osv-db", "pip-audit"] = Field(
        default="auto",
        description="'osv-db': the offline database only; 'pip-audit': pip-audit's online "
        "services only; 'auto': the offline database when there is one, else pip-audit.",
    )
    installed: bool = Field(
        default=False, description="Also audit the environment secgate runs in."
    )
    unpinned_severity: Severity = Field(
        default=Severity.LOW,
        description="Severity of `unpinned` findings (a range no lock file pins).",
    )
    lock_conflict_severity: Severity = Field(
        default=Severity.MEDIUM,
        description="Severity of `lock-conflict` findings (an exact pin that a lock file "
        "beside or above it pins at another version; both versions are audited).",
    )
    unknown_severity: Severity = Field(
        default=Severity.HIGH,
        description="Severity of a vulnerability whose record carries no CVSS vector and no "
        "database severity: a gate that does not know must not wave it through.",
    )
    max_db_age: Duration | None = Field(
        default=None,
        description="Oldest acceptable offline database (its newest record's 'modified' "
        "date), e.g. '7d'; older is a scanner error. Default: no limit.",
    )
    manifests: tuple[str, ...] = Field(
        default=(),
        description="More requirements-format files to read (globs such as 'deps/*.in'), "
        "besides requirements*.txt, pyproject.toml and the lock files.",
    )


def _missing_offline_modules() -> list[str]:
    return [name for name in ("yaml", "cvss") if importlib.util.find_spec(name) is None]


def _days(seconds: float) -> str:
    days = seconds / 86400.0
    return f"{days:g} days" if days >= 1 else f"{seconds / 3600.0:g} hours"


class PipAuditScanner(Scanner):
    """Audits declared and locked dependencies against vulnerability data."""

    name = "pip-audit"
    description = "Dependencies with known vulnerabilities (offline OSV database or pip-audit)"
    Options = PipAuditOptions

    def version(self) -> str | None:
        """pip-audit's version when it is installed (the offline matcher is secgate's own)."""
        return package_version("pip-audit")

    def availability(self) -> Availability:
        """Ready when either source could work: the offline matcher's libraries, or pip-audit.

        Whether data is actually reachable (a database configured, a network) is only known
        when scanning; with none, the scan is an error that says how to fix it.
        """
        from secgate.deps.sources import find_pip_audit  # noqa: PLC0415

        if not _missing_offline_modules() or find_pip_audit():
            return Availability(ok=True)
        return Availability(
            ok=False,
            reason="neither pip-audit nor the offline database's libraries (PyYAML, cvss) "
            "are installed",
            hint="pip install 'secgate-ci[pip-audit]'",
        )

    def rules(self, options: ScannerOptions) -> list[RuleInfo]:
        """``unpinned``, and one rule per advisory id of the vulnerability data."""
        opts = options if isinstance(options, PipAuditOptions) else PipAuditOptions()
        return [
            RuleInfo(
                id="unpinned",
                scanner=self.name,
                severity=opts.unpinned_severity,
                description="A requirement with no exact pin and no lock file behind it: "
                "it cannot be audited without resolving.",
            ),
            RuleInfo(
                id="lock-conflict",
                scanner=self.name,
                severity=opts.lock_conflict_severity,
                description="An exact pin in a manifest that the lock file covering it pins "
                "at another version: `pip install` gets the manifest's, the lock's users get "
                "the lock's. Both versions are audited.",
            ),
            RuleInfo(
                id="<advisory id>",
                scanner=self.name,
                severity=None,
                description="Each PYSEC/GHSA/CVE advisory of the vulnerability data is a rule; "
                "severity from its CVSS vector, else its database severity, else "
                f"unknown-severity ({opts.unknown_severity}).",
            ),
        ]

    # ------------------------------------------------------------------ source choice

    @staticmethod
    def database_path(options: PipAuditOptions, context: ScanContext) -> tuple[Path, str] | None:
        """The offline database to use and where that choice came from, or None."""
        from secgate.deps.osv import current_database  # noqa: PLC0415

        if options.vuln_db:
            path = Path(options.vuln_db).expanduser()
            if not path.is_absolute():
                base = context.config_file.parent if context.config_file else context.root
                path = (base / path).resolve()
            return path, str(path)
        env = os.environ.get("SECGATE_VULN_DB", "").strip()
        if env:
            path = Path(env).expanduser().resolve()
            return path, str(path)
        installed = current_database()
        if installed is not None:
            return installed.path, f"{installed.provenance.source} (via secgate db update)"
        return None

    def _source(self, options: PipAuditOptions, context: ScanContext) -> VulnerabilitySource:
        from secgate.deps.sources import (  # noqa: PLC0415
            OsvDatabaseSource,
            PipAuditSource,
            find_pip_audit,
        )

        if options.source in ("auto", "osv-db"):
            database = self.database_path(options, context)
            if database is not None:
                missing = _missing_offline_modules()
                if missing:
                    raise ScannerError(
                        f"the offline database needs {', '.join(missing)}: "
                        "pip install 'secgate-ci[pip-audit]'"
                    )
                return OsvDatabaseSource(database[0], label=database[1])
            if options.source == "osv-db":
                raise ScannerError(f"source = 'osv-db' but no offline database: {NO_DATA_HINT}")
        executable = find_pip_audit()
        if executable is not None:
            return PipAuditSource(
                executable,
                timeout=max(1.0, context.remaining - 2.0),
                cancel=context.cancel,
                configured_timeout=context.timeout,
            )
        if options.source == "pip-audit":
            raise ScannerError(
                "source = 'pip-audit' but pip-audit is not installed: "
                "pip install 'secgate-ci[pip-audit]'"
            )
        raise ScannerError(
            f"no vulnerability data reachable: no offline database and pip-audit is not "
            f"installed; {NO_DATA_HINT}"
        )

    # ------------------------------------------------------------------ scanning

    def scan(self, context: ScanContext) -> ScanOutput:
        """Read the manifests, query the source, and report."""
        from secgate.deps.manifests import (  # noqa: PLC0415
            Kind,
            installed_declarations,
            read_manifests,
        )
        from secgate.deps.osv import group_aliases, lowest_fix  # noqa: PLC0415
        from secgate.deps.sources import PackageQuery  # noqa: PLC0415

        options = context.options
        if not isinstance(options, PipAuditOptions):  # pragma: no cover - the engine validates
            options = PipAuditOptions.model_validate(options.model_dump())
        manifests = read_manifests(context.root, context.files, extra_patterns=options.manifests)
        declarations = list(manifests.declarations)
        if options.installed:
            declarations.extend(installed_declarations())

        place = _Placement(context)
        findings: list[Finding] = []
        skipped: list[SkippedFile] = []
        errors: list[str] = []
        to_audit = []
        not_auditable = 0
        unpinned = 0
        conflicts = 0
        for decl in declarations:
            locked = manifests.covering_entries(decl)
            if decl.kind is Kind.NOT_AUDITABLE:
                not_auditable += 1
                skipped.append(
                    SkippedFile(
                        path=decl.path,
                        reason=f"{_at(decl.line)}{decl.requirement or decl.name}: "
                        f"{decl.reason}, not auditable (no version to look up)",
                        kind=_not_auditable_kind(decl.reason or ""),
                        line=decl.line,
                    )
                )
            elif locked and decl.kind is Kind.UNPINNED:
                continue  # the lock file's entry is audited instead
            elif decl.kind is Kind.UNPINNED:
                unpinned += 1
                findings.append(place(self._unpinned(decl, options), decl))
            elif not locked:
                to_audit.append(decl)
            elif _lock_agrees(decl, locked):
                # The lock's entry is audited; a requirements file's pin is audited as well
                # (pip installs it without the lock), a pyproject pin is the same package.
                if decl.origin != "pyproject":
                    to_audit.append(decl)
            else:
                # `pip install .` or `pip install -r` installs the pin, not the lock's version:
                # the pin is audited itself, and the disagreement is reported.
                to_audit.append(decl)
                pinned = [e for e in locked if e.kind is Kind.PINNED]
                if pinned:
                    conflicts += 1
                    findings.append(place(self._lock_conflict(decl, pinned, options), decl))
        # A manifest (or a line of one) that cannot be read is a gap, not an error: the
        # other lines and manifests are still audited, and the coverage policy judges it.
        unread: set[str] = set()
        for problem in manifests.problems:
            skipped.append(
                SkippedFile(
                    path=problem.path,
                    reason=f"{_at(problem.line)}{problem.message}",
                    kind=problem.kind,
                    line=problem.line,
                )
            )
            if problem.kind not in LINE_GAP_KINDS:
                unread.add(problem.path)

        details: dict[str, str | int | float | bool | None] = {
            "manifests": len(manifests.files),
            "dependencies": len(declarations),
            "audited": 0,
            "not_audited": 0,
            "not_auditable": not_auditable,
            "unpinned": unpinned,
            "lock_conflicts": conflicts,
        }
        version: str | None = None
        if to_audit:
            source = self._source(options, context)
            queries = sorted({PackageQuery.of(d.name, d.version or "") for d in to_audit})
            result = source.query(queries)
            version = result.tool_version
            details.update(self._provenance_details(source.name, result))
            details.update(result.details)
            if source.name == "osv-db":
                stale = _staleness_error(result, options)
                if stale:
                    errors.append(stale)
            # A corrupt record is a warning, not an error: the rest of the database answered.
            skipped.extend(
                SkippedFile(
                    path=record.file,
                    reason=f"vulnerability record skipped: {record.reason} "
                    f"(in {result.provenance.source})",
                    kind=GapKind.DATA,
                )
                for record in result.provenance.skipped
            )
            audited = not_audited = 0
            first_reason = ""
            for decl in to_audit:
                query = PackageQuery.of(decl.name, decl.version or "")
                if query in result.not_audited:
                    not_audited += 1
                    reason = result.not_audited[query]
                    first_reason = first_reason or f"{decl.name} {decl.version}: {reason}"
                    skipped.append(
                        SkippedFile(
                            path=decl.path,
                            reason=f"{_at(decl.line)}{decl.name} {decl.version} not audited: "
                            f"{reason}",
                        )
                    )
                    continue
                audited += 1
                advisories = result.found.get(query, [])
                fix = lowest_fix(query.name, query.version, advisories) if advisories else None
                for group in group_aliases(advisories):
                    finding = self._finding(decl, group, fix, len(advisories), options)
                    findings.append(place(finding, decl))
            details["audited"] = audited
            details["not_audited"] = not_audited
            if not_audited:
                errors.append(
                    f"{not_audited} of {len(to_audit)} pinned dependencies were not audited "
                    f"by {source.name} (first: {first_reason}); no answer is not a pass"
                    + (f". {NO_DATA_HINT}" if source.name == "pip-audit" else "")
                )
        return ScanOutput(
            findings=findings,
            inventory=_inventory(declarations),
            files_scanned=len(set(manifests.files) - unread) + (1 if options.installed else 0),
            skipped=skipped,
            details=details,
            version=version,
            error="; ".join(errors) if errors else None,
        )

    @staticmethod
    def _provenance_details(
        source_name: str, result: QueryResult
    ) -> dict[str, str | int | float | bool | None]:
        provenance = result.provenance
        details: dict[str, str | int | float | bool | None] = {
            "vuln_source": source_name,
            "db_source": provenance.source,
        }
        if source_name != "osv-db":
            return details
        age = provenance.age_days()
        details.update(
            {
                "db_export_date": provenance.export_date.isoformat()
                if provenance.export_date
                else None,
                "db_records": provenance.records,
                "db_withdrawn": provenance.withdrawn,
                "db_skipped_records": len(provenance.skipped),
                "db_age_days": round(age, 1) if age is not None else None,
                "db_content_hash": provenance.content_hash[:16],
            }
        )
        return details

    def _unpinned(self, decl: Declaration, options: PipAuditOptions) -> Finding:
        return Finding(
            scanner=self.name,
            rule_id="unpinned",
            severity=options.unpinned_severity,
            confidence=Confidence.HIGH,
            message=f"{decl.requirement} is not pinned to an exact version and no lock file "
            "pins it: it cannot be audited without resolving",
            path=decl.path,
            line=decl.line,
            help_text=f"Pin it ({decl.name}==VERSION) or commit a lock file (uv lock, "
            "poetry lock, pip-compile) so the exact version can be audited.",
            package=PackageInfo(name=decl.name),
            snippet=decl.requirement or None,
            properties={"origin": decl.origin, "group": decl.group},
        )

    def _lock_conflict(
        self, decl: Declaration, locked: list[Declaration], options: PipAuditOptions
    ) -> Finding:
        lock = locked[0]
        versions = ", ".join(dict.fromkeys(e.version or "" for e in locked))
        pin = f"{decl.name}=={decl.version}"
        how = f" (pinned by {decl.via})" if decl.via else ""
        installer = (
            "pip install ."
            if decl.origin == "pyproject"
            else f"pip install -r {decl.entry_points()[0][0]}"
        )
        return Finding(
            scanner=self.name,
            rule_id="lock-conflict",
            severity=options.lock_conflict_severity,
            confidence=Confidence.HIGH,
            message=f"{pin} at {decl.location}{how} disagrees with {lock.location}, which "
            f"locks {decl.name} {versions}: `{installer}` installs {decl.version}, the lock "
            f"installs {versions}; both are audited",
            path=decl.path,
            line=decl.line,
            help_text=f"Make them agree: pin {decl.name} to the locked version or re-lock "
            f"({lock.path}) so that every install gets the same {decl.name}.",
            package=PackageInfo(name=decl.name, version=decl.version),
            snippet=decl.requirement or None,
            properties={
                "origin": decl.origin,
                "group": decl.group,
                "lock": lock.location,
                "locked_version": versions,
            },
        )

    def _finding(
        self,
        decl: Declaration,
        advisories: tuple[Advisory, ...],
        fix: str | None,
        advisory_count: int,
        options: PipAuditOptions,
    ) -> Finding:
        from secgate.deps.osv import group_aliases_of, primary_id, version_key  # noqa: PLC0415

        primary = primary_id(advisories)
        main = next(a for a in advisories if a.id == primary)
        aliases = group_aliases_of(advisories)
        rated = [a for a in advisories if a.severity is not None]
        if rated:
            worst = max(rated, key=lambda a: (a.severity or Severity.INFO).rank)
            severity = worst.severity or options.unknown_severity
            severity_source = worst.severity_source
            score, vector = worst.score, worst.vector
        else:
            severity, severity_source = options.unknown_severity, "unknown-severity"
            score = vector = None
        fixed = sorted({v for a in advisories for v in a.fixed_versions(decl.key)}, key=version_key)
        summary = next((a.summary for a in advisories if a.summary), "")
        alias_text = f" ({', '.join(aliases)})" if aliases else ""
        message = f"{decl.name} {decl.version} is affected by {primary}{alias_text}"
        if summary:
            message += f": {summary}"
        if fix is not None:
            several = f"all {advisory_count} advisories" if advisory_count > 1 else "the advisory"
            help_text = (
                f"Upgrade {decl.name} to {fix} or later: the lowest version that fixes "
                f"{several} affecting {decl.name} {decl.version}."
            )
        elif fixed:
            help_text = (
                f"Fixed in {', '.join(fixed)}, but no known version fixes every advisory "
                f"affecting {decl.name} {decl.version}; check the advisories."
            )
        else:
            help_text = (
                f"No fixed version of {decl.name} is known: remove or replace it, or waive "
                "this finding with a reason until a fix is released."
            )
        cwe = tuple(sorted({c for a in advisories for c in a.cwe}))
        properties: dict[str, str | int | float | bool | None] = {
            "origin": decl.origin,
            "severity_source": severity_source,
        }
        if score is not None:
            properties["cvss_score"] = score
        if vector:
            properties["cvss.vector"] = vector  # for the SBOM's ratings
        if decl.group:
            properties["group"] = decl.group
        if decl.via:
            properties["pinned_by"] = decl.via
        return Finding(
            scanner=self.name,
            rule_id=primary,
            severity=severity,
            confidence=Confidence.HIGH,
            message=message,
            path=decl.path,
            line=decl.line,
            cwe=cwe,
            help_text=help_text,
            help_url=main.url,
            package=PackageInfo(
                name=decl.name,
                version=decl.version,
                advisory_id=primary,
                aliases=aliases,
                fixed_versions=tuple(fixed),
            ),
            snippet=decl.requirement or None,
            properties=properties,
        )


def _inventory(declarations: list[Declaration]) -> list[Dependency]:
    """Every named dependency the manifests declare, once per manifest line (the SBOM's
    components). Editable, URL and local-path entries have no name or version to list."""
    from secgate.deps.manifests import Kind  # noqa: PLC0415

    seen: dict[tuple[str, str | None, str, int | None], Dependency] = {}
    for decl in declarations:
        if decl.kind is Kind.NOT_AUDITABLE:
            continue
        version = decl.version if decl.kind is Kind.PINNED else None
        purl = f"pkg:pypi/{decl.key}" + (f"@{quote(version, safe='')}" if version else "")
        where = (decl.key, version, decl.path, decl.line)
        seen.setdefault(
            where,
            Dependency(name=decl.name, version=version, purl=purl, path=decl.path, line=decl.line),
        )
    return [seen[k] for k in sorted(seen, key=lambda k: (k[0], k[1] or "", k[2], k[3] or 0))]


def _staleness_error(result: QueryResult, options: PipAuditOptions) -> str | None:
    """Why the offline database is too old for ``max-db-age``, or None."""
    if options.max_db_age is None:
        return None
    export_date = result.provenance.export_date
    if export_date is None:
        return (
            "the offline vulnerability database has no dated record, so its age cannot be "
            "checked against max-db-age"
        )
    seconds = (datetime.now(UTC) - export_date).total_seconds()
    if seconds <= options.max_db_age:
        return None
    return (
        f"the offline vulnerability database is stale: its newest record is from "
        f"{export_date:%Y-%m-%d} ({_days(seconds)} ago), older than max-db-age "
        f"({_days(options.max_db_age)}); refresh it with `secgate db update`"
    )


def _lock_agrees(decl: Declaration, locked: list[Declaration]) -> bool:
    """Whether the lock pins *decl*'s exact version (``==1.0`` agrees with ``1.0+cpu``)."""
    from packaging.version import InvalidVersion, Version  # noqa: PLC0415

    pin = decl.version or ""
    for entry in locked:
        if entry.version is None:
            continue
        try:
            wanted, found = Version(pin), Version(entry.version)
        except InvalidVersion:
            if pin.strip().lower() == entry.version.strip().lower():
                return True
            continue
        if wanted == found or (wanted.local is None and wanted == Version(found.public)):
            return True
    return False


class _Placement:
    """Which top-level manifest a dependency finding is judged by.

    A declaration in ``docs/requirements.txt`` that ``requirements.txt`` includes with
    ``-r`` is installed by ``pip install -r requirements.txt``: the path policy that judges
    it is the one of ``requirements.txt``. When several top-level manifests install it (the
    included file is recognised on its own too), the strictest judgement wins: the lowest
    threshold, a path policy that excludes the rule last. The finding keeps its declaring
    path and line; ``policy_path`` and ``included_from`` say where it was judged and why.
    """

    def __init__(self, context: ScanContext) -> None:
        from secgate.pathpolicy import PathMatcher  # noqa: PLC0415 - the policy's own matcher

        self.matcher = PathMatcher(context.config.path_policies)
        self.fallback = context.options.fail_on or context.config.fail_on

    def _leniency(self, finding: Finding, path: str) -> tuple[int, int]:
        probe = finding.model_copy(
            update={"properties": {**finding.properties, "policy_path": path}}
        )
        policy = self.matcher.first(probe)
        if policy is not None and finding.rule_id in policy.exclude_rules:
            return 1, 0
        threshold = policy.fail_on if policy is not None and policy.fail_on else self.fallback
        return 0, threshold.rank

    def __call__(self, finding: Finding, decl: Declaration) -> Finding:
        entries = decl.entry_points()
        if entries == [(decl.path, ())]:
            return finding
        ranked = sorted(
            range(len(entries)),
            key=lambda i: (self._leniency(finding, entries[i][0]), len(entries[i][1]), i),
        )
        top, chain = entries[ranked[0]]
        properties = dict(finding.properties)
        if top != finding.path:
            properties["policy_path"] = top
        if chain:
            properties["included_from"] = " > ".join(chain)
        return finding.model_copy(update={"properties": properties})


def _not_auditable_kind(reason: str) -> GapKind:
    """The gap kind of a declaration with no version to look up, from its reason."""
    text = reason.lower()
    if "vcs" in text:
        return GapKind.VCS
    if "url" in text:
        return GapKind.URL
    if "editable" in text:
        return GapKind.EDITABLE
    if "path" in text or "local" in text or "folder" in text:
        return GapKind.LOCAL_PATH
    return GapKind.INVALID_REQUIREMENT


def _at(line: int | None) -> str:
    return f"line {line}: " if line else ""


@hookimpl
def secgate_register_scanners() -> list[type[Scanner]]:
    """Register the dependency audit."""
    return [PipAuditScanner]
