"""Where vulnerability data comes from: one small interface, two implementations.

:class:`VulnerabilitySource` answers one question, ``query(packages)``: which advisories
affect each ``(name, version)``, which packages it could not audit and why, and where its
data came from. :class:`OsvDatabaseSource` answers from an offline OSV database;
:class:`PipAuditSource` runs ``pip-audit`` through its command line and reads its JSON
(pip-audit has no supported Python API, so none of its modules is imported).

A package a source could not audit is never an empty answer: it is listed in
``QueryResult.not_audited`` with the reason, and the scanner reports it.
"""

from __future__ import annotations

import abc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from packaging.utils import canonicalize_name

from secgate.deps.database import Provenance
from secgate.deps.index import OsvIndex, load_database
from secgate.deps.matching import Advisory, Affected
from secgate.deps.versions import is_valid_version
from secgate.errors import ScannerError
from secgate.process import CHILD_WARNINGS


class SourceError(ScannerError):
    """A vulnerability source could not answer at all (the message says how to fix it)."""


@dataclass(frozen=True, order=True)
class PackageQuery:
    """One pinned dependency to look up."""

    name: str
    """PEP 503 normalised."""
    version: str

    @classmethod
    def of(cls, name: str, version: str) -> PackageQuery:
        """A query with *name* normalised."""
        return cls(canonicalize_name(name), version.strip())


@dataclass
class QueryResult:
    """What a source answered."""

    provenance: Provenance
    found: dict[PackageQuery, list[Advisory]] = field(default_factory=dict)
    """Advisories affecting each audited package (an empty list: none known)."""
    not_audited: dict[PackageQuery, str] = field(default_factory=dict)
    """Packages the source could not audit, with the reason."""
    details: dict[str, str | int | float | bool | None] = field(default_factory=dict)
    tool_version: str | None = None


class VulnerabilitySource(abc.ABC):
    """Base class of a vulnerability data source."""

    name: ClassVar[str]
    """``osv-db`` or ``pip-audit``: shown in the report's details."""

    @abc.abstractmethod
    def query(self, packages: Sequence[PackageQuery]) -> QueryResult:
        """Look up every package; raise :class:`SourceError` when nothing can be answered."""


class OsvDatabaseSource(VulnerabilitySource):
    """An offline OSV database (folder or ``all.zip``), through the cached index."""

    name = "osv-db"

    def __init__(
        self, path: Path, *, label: str | None = None, cache_dir: Path | None = None
    ) -> None:
        self.path = path
        self.label = label
        self.cache_dir = cache_dir
        self._index: OsvIndex | None = None

    def load(self) -> OsvIndex:
        """Load (or reuse) the index; :class:`SourceError` when the database is unusable."""
        if self._index is None:
            from secgate.deps.database import DatabaseError  # noqa: PLC0415

            try:
                self._index = load_database(self.path, cache_dir=self.cache_dir, source=self.label)
            except DatabaseError as exc:
                raise SourceError(str(exc)) from None
        return self._index

    def query(self, packages: Sequence[PackageQuery]) -> QueryResult:
        """Match every package against the database's advisories."""
        index = self.load()
        result = QueryResult(provenance=index.provenance)
        for package in packages:
            result.found[package] = index.matching(package.name, package.version)
        result.details["index_cache"] = index.cache
        return result


def find_pip_audit() -> str | None:
    """The ``pip-audit`` executable: on PATH, else beside this interpreter (a venv's bin)."""
    found = shutil.which("pip-audit")
    if found:
        return found
    beside = Path(sys.executable).parent / ("pip-audit.exe" if os.name == "nt" else "pip-audit")
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def _tail(text: str, lines: int = 1) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:])


class PipAuditSource(VulnerabilitySource):
    """``pip-audit`` on a temporary ``name==version`` requirements file, JSON output.

    pip-audit exits 1 both when it finds vulnerabilities and when it fails, so the exit
    code is not trusted: the JSON is parsed and checked, and every dependency it reports
    with a ``skip_reason`` (or does not report at all) is not audited.
    """

    name = "pip-audit"

    def __init__(
        self,
        executable: str,
        *,
        timeout: float = 600.0,
        cancel: threading.Event | None = None,
        socket_timeout: float = 15.0,
        configured_timeout: float | None = None,
    ) -> None:
        self.executable = executable
        self.timeout = timeout
        #: The timeout the user set, for messages (``timeout`` leaves a margin to clean up).
        self.configured_timeout = configured_timeout or timeout
        self.cancel = cancel or threading.Event()
        self.socket_timeout = socket_timeout

    def command(self, requirements: Path) -> list[str]:
        """The pip-audit command line for a requirements file (an absolute path)."""
        return [
            self.executable,
            "--requirement",
            str(requirements.resolve()),
            "--format",
            "json",
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--aliases",
            "on",
            "--desc",
            "on",
            "--timeout",
            f"{self.socket_timeout:g}",
        ]

    def _run(self, command: list[str]) -> tuple[int, str, str]:
        deadline = time.monotonic() + self.timeout
        try:
            process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
                command,
                # The user's PYTHONWARNINGS=error would turn pip-audit's own deprecation
                # warnings into a crash: the child runs with them ignored.
                env={**os.environ, **CHILD_WARNINGS},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
            )
        except OSError as exc:
            raise SourceError(f"cannot run pip-audit ({self.executable}): {exc}") from None
        while True:
            try:
                stdout, stderr = process.communicate(timeout=0.25)
                return process.returncode, stdout, stderr
            except subprocess.TimeoutExpired:
                if self.cancel.is_set() or time.monotonic() > deadline:
                    process.kill()
                    process.communicate()
                    raise SourceError(
                        f"pip-audit did not finish within {self.configured_timeout:g} s and "
                        "was stopped (raise scanners.pip-audit.timeout if it needs longer)"
                    ) from None

    def query(self, packages: Sequence[PackageQuery]) -> QueryResult:
        """Run pip-audit once over every package and read its JSON report."""
        from secgate.plugins import package_version  # noqa: PLC0415

        tool_version = package_version("pip-audit")
        provenance = Provenance(
            source=f"pip-audit {tool_version or ''} (online PyPI vulnerability service)".replace(
                "  ", " "
            ),
            records=0,
        )
        result = QueryResult(provenance=provenance, tool_version=tool_version)
        auditable = []
        for package in packages:
            if is_valid_version(package.version):
                auditable.append(package)
            else:
                result.not_audited[package] = (
                    f"version {package.version!r} is not PEP 440; pip-audit cannot look it up"
                )
        if not auditable:
            return result
        # pip-audit reads a requirements file as one environment, so two versions of one
        # package (two projects in one tree) are "duplicate requirements" to it: each batch
        # holds at most one version per name, and usually there is a single batch.
        batches: list[dict[str, str]] = []
        for package in sorted(auditable, key=lambda p: (p.name, p.version)):
            for batch in batches:
                if package.name not in batch:
                    batch[package.name] = package.version
                    break
                if batch[package.name] == package.version:
                    break
            else:
                batches.append({package.name: package.version})
        reported: dict[tuple[str, str], Mapping[str, Any]] = {}
        for batch in batches:
            with tempfile.TemporaryDirectory(prefix="secgate-pip-audit-") as folder:
                requirements = Path(folder) / "requirements.txt"
                lines = sorted(f"{name}=={version}" for name, version in batch.items())
                requirements.write_text("\n".join(lines) + "\n", encoding="utf-8")
                code, stdout, stderr = self._run(self.command(requirements))
            for entry in self._parse(code, stdout, stderr):
                name = canonicalize_name(str(entry.get("name", "")))
                if name in batch:
                    reported[(name, batch[name])] = entry
        for package in auditable:
            answer = reported.get((package.name, package.version))
            if answer is None:
                result.not_audited[package] = "pip-audit did not report on it"
                continue
            if "skip_reason" in answer:
                result.not_audited[package] = f"pip-audit: {answer['skip_reason']}"
                continue
            result.found[package] = [
                self._advisory(package, vuln) for vuln in answer.get("vulns") or []
            ]
        return result

    def _parse(self, code: int, stdout: str, stderr: str) -> list[Mapping[str, Any]]:
        try:
            data = json.loads(stdout) if stdout.strip() else None
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, Mapping) or not isinstance(data.get("dependencies"), list):
            why = _tail(stderr) or "no output"
            raise SourceError(
                f"pip-audit failed (exit {code}) without a JSON report: {why}. Offline? "
                "Use an offline database: `secgate db update --from PATH` or --vuln-db PATH"
            )
        entries = data["dependencies"]
        if not all(isinstance(e, Mapping) for e in entries):
            raise SourceError("pip-audit wrote a JSON report secgate cannot read")
        return list(entries)

    @staticmethod
    def _advisory(package: PackageQuery, vuln: object) -> Advisory:
        if not isinstance(vuln, Mapping) or not isinstance(vuln.get("id"), str):
            raise SourceError(f"pip-audit reported a vulnerability without an id: {vuln!r}")
        identifier = str(vuln["id"])
        aliases = tuple(str(a) for a in vuln.get("aliases") or () if str(a) != identifier)
        fixed = tuple(str(v) for v in vuln.get("fix_versions") or ())
        description = " ".join(str(vuln.get("description") or "").split())
        if len(description) > 240:
            description = description[:237] + "..."
        return Advisory(
            id=identifier,
            aliases=aliases,
            summary=description,
            url=f"https://osv.dev/vulnerability/{identifier}"
            if identifier.startswith(("PYSEC-", "GHSA-"))
            else None,
            affected=(Affected(package.name, known_fixed=fixed),),
            ranges_known=False,
        )
