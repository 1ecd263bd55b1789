"""A third-party secgate plugin used by the tests. It lives outside the secgate package.

The tests register it the way pip would: a ``*.dist-info`` folder with an
``entry_points.txt`` naming this module in the ``secgate`` group (see ``conftest.py``).

Scanners:

- ``fake-marker``: flags every line containing ``FAKE-ISSUE(<severity>)``; a line that also
  contains ``fake: ignore`` is reported as suppressed inline.
- ``fake-crash``: raises, like a scanner whose tool crashed.
- ``fake-sleep-a`` / ``fake-sleep-b``: wait ``seconds`` (default 0.5) and find nothing.
- ``fake-missing``: cannot run here (its tool is "not installed").
"""

from __future__ import annotations

import re
import time
from typing import ClassVar

from secgate import Finding, ScanContext, ScannerOptions, ScanOutput, Severity, hookimpl
from secgate.plugins import Availability, RuleInfo, Scanner

MARKER = re.compile(r"FAKE-ISSUE\((critical|high|medium|low|info)\)")


class MarkerOptions(ScannerOptions):
    """Options of the marker scanner."""

    rule_prefix: str = "FAKE"


class MarkerScanner(Scanner):
    """Flags FAKE-ISSUE(<severity>) markers."""

    name: ClassVar[str] = "fake-marker"
    description: ClassVar[str] = "flags FAKE-ISSUE(<severity>) markers (test plugin)"
    Options: ClassVar[type[ScannerOptions]] = MarkerOptions
    per_file: ClassVar[bool] = True

    def version(self) -> str:
        return "1.2.3"

    def rules(self, options: ScannerOptions) -> list[RuleInfo]:
        return [
            RuleInfo(
                id="FAKE001", scanner=self.name, severity=None, description="a FAKE-ISSUE marker"
            )
        ]

    def scan(self, context: ScanContext) -> ScanOutput:
        assert isinstance(context.options, MarkerOptions)
        findings = []
        for done, rel in enumerate(context.files, start=1):
            if context.progress is not None:
                context.progress(done, len(context.files))
            text = context.path(rel).read_text(encoding="utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), start=1):
                match = MARKER.search(line)
                if match:
                    findings.append(
                        Finding(
                            scanner=self.name,
                            rule_id=f"{context.options.rule_prefix}001",
                            severity=Severity(match.group(1)),
                            message=f"marker of severity {match.group(1)}",
                            path=rel,
                            line=number,
                            column=match.start() + 1,
                            cwe=(20,),
                            help_text="remove the marker",
                            help_url="https://example.invalid/fake001",
                            suppressed_by="inline" if "fake: ignore" in line else None,
                        )
                    )
        return ScanOutput(findings=findings, files_scanned=len(context.files))


class CrashScanner(Scanner):
    """Always crashes."""

    name: ClassVar[str] = "fake-crash"
    description: ClassVar[str] = "always raises (test plugin)"

    def scan(self, context: ScanContext) -> ScanOutput:
        raise RuntimeError("boom: the fake tool crashed")


class SleepOptions(ScannerOptions):
    """Options of the sleeping scanners."""

    seconds: float = 0.5


class SleepScannerA(Scanner):
    """Waits, then finds nothing."""

    name: ClassVar[str] = "fake-sleep-a"
    description: ClassVar[str] = "waits, finds nothing (test plugin)"
    Options: ClassVar[type[ScannerOptions]] = SleepOptions

    def scan(self, context: ScanContext) -> ScanOutput:
        assert isinstance(context.options, SleepOptions)
        time.sleep(context.options.seconds)
        return ScanOutput(files_scanned=len(context.files))


class SleepScannerB(SleepScannerA):
    """A second sleeper, to show scanners overlap."""

    name: ClassVar[str] = "fake-sleep-b"


class MissingScanner(Scanner):
    """A scanner whose tool is not installed."""

    name: ClassVar[str] = "fake-missing"
    description: ClassVar[str] = "its tool is never installed (test plugin)"

    def availability(self) -> Availability:
        return Availability(
            ok=False, reason="fake-tool not found on PATH", hint="pip install fake-tool"
        )

    def scan(self, context: ScanContext) -> ScanOutput:  # pragma: no cover - never runs
        raise AssertionError("an unavailable scanner must not run")


@hookimpl
def secgate_register_scanners() -> list[type[Scanner]]:
    """Register the fake scanners."""
    return [MarkerScanner, CrashScanner, SleepScannerA, SleepScannerB, MissingScanner]
