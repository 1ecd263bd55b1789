"""Running scanners: one thread per scanner, results collected with their timeouts.

The engine builds a :class:`Job` per scanner and hands them to :func:`start_jobs`; each
runs the ``secgate_scan`` hook chain in a daemon thread. :func:`collect_result` waits for
one (up to its timeout), turns what came back into a :class:`~secgate.models.ScanResult`
and the scanner's findings (redacted, fingerprinted), and makes every failure an error
result rather than an exception.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from secgate.api import ScanContext, Scanner, ScanOutput
from secgate.errors import ScannerError
from secgate.models import Coverage, Finding, ScanResult, ScanStatus, content_fingerprint
from secgate.plugins import PluginHost
from secgate.process import contained_warnings

#: The suppression reason scanners give for a finding silenced in the code itself.
INLINE = "inline"


def now() -> datetime:
    return datetime.now(UTC)


def default_jobs() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# --------------------------------------------------------------------------- fingerprints


class LineCache:
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


def fill_fingerprint(finding: Finding, lines: LineCache) -> Finding:
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
        text = flagged_text(finding, lines)
        value = content_fingerprint(*head, text if text is not None else finding.message)
    return finding.model_copy(update={"fingerprint": value})


def prepare_finding(reported: Finding, scanner: str, lines: LineCache) -> Finding:
    """*reported* as the engine keeps it: under *scanner*'s name, no suppression but an
    inline one (only the policy sets any other), redacted and fingerprinted."""
    from secgate.secrets.redact import redact_finding  # noqa: PLC0415 - loads rules lazily

    update: dict[str, Any] = {}
    if reported.scanner != scanner:
        update["scanner"] = scanner
    if reported.suppressed_by and not reported.suppressed_by.startswith(INLINE):
        update["suppressed_by"] = None
    finding = reported.model_copy(update=update) if update else reported
    # A scanner's snippet or message may quote a secret on the flagged line. Redacted
    # first, so that a fingerprint made from the message is the same from the cache.
    return fill_fingerprint(redact_finding(finding), lines)


@dataclass(frozen=True)
class PreparedOutput(ScanOutput):
    """A scan output some of whose findings :func:`prepare_finding` has been through
    already (the result cache's, whose entries are stored prepared): :func:`collect_result`
    does not redact and fingerprint those again.

    ``prepared`` maps ``id(finding)`` to the finding object itself: only that very object
    counts as prepared (one a later hook wrapper put in its place is prepared as usual), and
    holding it keeps its id from being reused.
    """

    prepared: dict[int, Finding] = field(default_factory=dict)

    @classmethod
    def of(cls, findings: list[Finding], **fields: Any) -> PreparedOutput:
        """An output of *findings*, every one of them prepared, and the other *fields*."""
        return cls(findings=findings, prepared={id(f): f for f in findings}, **fields)


def flagged_text(finding: Finding, lines: LineCache) -> str | None:
    """The text of the lines *finding* flags, as its content fingerprint hashes it (None
    when it names no line of a readable file: then the message is hashed instead)."""
    if finding.line is None:
        return None
    file_lines = lines.lines(finding.path)
    if file_lines is None or finding.line > len(file_lines):
        return None
    end = min(finding.end_line or finding.line, len(file_lines))
    return "\n".join(file_lines[finding.line - 1 : max(end, finding.line)])


# --------------------------------------------------------------------------- running


@dataclass
class Job:
    scanner: Scanner
    context: ScanContext
    required: bool
    future: Future[ScanOutput | None] = field(default_factory=Future)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration: float = 0.0


def one_line(text: str, limit: int = 600) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def describe_exception(exc: BaseException) -> str:
    """A one-line description of a scanner failure for the report."""
    if isinstance(exc, ScannerError):
        return one_line(str(exc)) or "scanner error"
    text = str(exc)
    return one_line(
        f"crashed: {type(exc).__name__}: {text}" if text else f"crashed: {type(exc).__name__}"
    )


def _run_job(host: PluginHost, job: Job) -> None:
    job.started_at = now()
    start = time.monotonic()
    try:
        # The scanner's tools run with their warnings contained: under `-W error` a
        # third-party DeprecationWarning must not become a scanner crash.
        with contained_warnings():
            result = host.scan(job.scanner, job.context)
    except BaseException as exc:  # noqa: BLE001 - isolate every failure, KeyboardInterrupt too
        job.future.set_exception(exc)
    else:
        job.future.set_result(result)
    finally:
        job.duration = time.monotonic() - start
        job.finished_at = now()


#: How long the in-process scanners wait for the external ones to start their child process.
LAUNCH_HEAD_START = 1.0


def start_jobs(host: PluginHost, jobs: Sequence[Job]) -> None:
    """Start every job in a thread of its own, the ones running a child process first.

    The in-process scanners start once each external one has launched its child process or
    finished (at most :data:`LAUNCH_HEAD_START` seconds later): started together, they hold
    the interpreter lock for most of the time the external scanner needs to get its child
    going, and a warm run's wall time is mostly that child's start-up.
    """
    external = [job for job in jobs if job.scanner.external_process]
    internal = [job for job in jobs if not job.scanner.external_process]
    for job in external:
        _spawn(host, job)
    if external and internal:
        deadline = time.monotonic() + LAUNCH_HEAD_START
        while time.monotonic() < deadline and not all(
            job.context.launched.is_set() or job.future.done() for job in external
        ):
            time.sleep(0.005)
    for job in internal:
        _spawn(host, job)


def _spawn(host: PluginHost, job: Job) -> None:
    # Daemon threads: a scanner that hangs past its timeout must not keep the process alive
    # after the verdict is out.
    threading.Thread(
        target=_run_job, args=(host, job), name=f"secgate-{job.scanner.name}", daemon=True
    ).start()


def collect_result(job: Job, lines: LineCache) -> tuple[ScanResult, list[Finding]]:
    from secgate.secrets.redact import (  # noqa: PLC0415 - loads the secret rules lazily
        redact_details,
        redact_skipped,
        redact_text,
    )

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
            finished_at=now(),
            duration_s=round(ctx.timeout, 3),
        ), []
    except BaseException as exc:  # noqa: BLE001 - reported as the scanner's error
        return ScanResult(
            **base,
            status=ScanStatus.ERROR,
            error=redact_text(describe_exception(exc)),
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
    done = output.prepared if isinstance(output, PreparedOutput) else {}
    findings = [
        reported if done.get(id(reported)) is reported else prepare_finding(reported, name, lines)
        for reported in output.findings
    ]
    if output.version:
        base["version"] = output.version
    return ScanResult(
        **base,
        status=ScanStatus.ERROR if output.error else ScanStatus.OK,
        error=one_line(redact_text(output.error)) if output.error else None,
        started_at=job.started_at,
        finished_at=job.finished_at,
        duration_s=round(job.duration, 3),
        findings=len(findings),
        coverage=Coverage(
            files_scanned=output.files_scanned,
            skipped=tuple(redact_skipped(s) for s in output.skipped),
        ),
        details=redact_details(dict(output.details)),
        weakenings=tuple(one_line(redact_text(w)) for w in output.weakenings),
        inventory=tuple(output.inventory),
    ), findings
