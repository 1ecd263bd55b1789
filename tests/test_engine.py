"""The engine: concurrency, isolation, timeouts, file collection, hooks around scanning."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

import secgate
from secgate.config import Config
from secgate.files import collect_files
from secgate.models import Finding, ScanStatus, VerdictStatus
from secgate.plugins import Decision, RunContext, ScanContext, Scanner, ScanOutput, hookimpl
from tests.conftest import write


def test_two_scanners_that_each_wait_run_with_overlapping_intervals(
    fake_plugin: Path, project: Path
) -> None:
    write(project, {"a.txt": "nothing\n"})
    verdict = secgate.check(project, scanners=["fake-sleep-a", "fake-sleep-b"])
    a, b = verdict.scanner("fake-sleep-a"), verdict.scanner("fake-sleep-b")
    assert a.status is ScanStatus.OK and b.status is ScanStatus.OK
    assert a.started_at and a.finished_at and b.started_at and b.finished_at
    assert a.duration_s >= 0.5 and b.duration_s >= 0.5
    # Each started before the other finished: the intervals overlap.
    assert a.started_at < b.finished_at and b.started_at < a.finished_at


def test_scanner_crash_does_not_hide_other_findings(fake_plugin: Path, project: Path) -> None:
    write(project, {"app.py": "run()  # FAKE-ISSUE(medium)\n"})
    verdict = secgate.check(project, scanners=["fake-marker", "fake-crash"])
    assert verdict.status is VerdictStatus.ERROR
    crash = verdict.scanner("fake-crash")
    assert crash.status is ScanStatus.ERROR
    assert crash.error == "crashed: RuntimeError: boom: the fake tool crashed"
    assert any("fake-crash" in r and "boom" in r for r in verdict.reasons)
    assert [f.rule_id for f in verdict.findings] == ["FAKE001"]


def test_the_scanners_asked_for_are_part_of_the_reported_policy(
    fake_plugin: Path, project: Path
) -> None:
    """``--scanner`` decides what ran: the policy (and its attested digest) must say so."""
    write(project, {"app.py": "run()  # FAKE-ISSUE(medium)\n"})
    assert secgate.check(project, scanners=["fake-marker"]).policy["select"] == ["fake-marker"]
    assert secgate.check(project).policy["select"] is None


def test_scanner_that_hangs_past_its_timeout_is_an_error(fake_plugin: Path, project: Path) -> None:
    write(project, {"secgate.toml": "[scanners.fake-sleep-a]\nseconds = 30\ntimeout = 0.3\n"})
    started = time.monotonic()
    verdict = secgate.check(project, scanners=["fake-sleep-a", "fake-sleep-b"])
    assert time.monotonic() - started < 20  # did not wait the scanner out
    hung = verdict.scanner("fake-sleep-a")
    assert hung.status is ScanStatus.ERROR and "timed out after 0.3 s" in (hung.error or "")
    assert verdict.scanner("fake-sleep-b").status is ScanStatus.OK
    assert verdict.status is VerdictStatus.ERROR


def test_scan_hook_can_wrap_scanning(fake_plugin: Path, project: Path) -> None:
    write(project, {"app.py": "x  # FAKE-ISSUE(high)\n"})
    seen: list[tuple[str, tuple[str, ...]]] = []

    class Recorder:
        @hookimpl(tryfirst=True)
        def secgate_scan(self, scanner: Scanner, context: ScanContext) -> ScanOutput | None:
            seen.append((scanner.name, context.files))
            return None  # let the default implementation scan

    verdict = secgate.check(project, scanners=["fake-marker"], plugins=[Recorder()])
    assert seen == [("fake-marker", ("app.py",))]
    assert len(verdict.findings) == 1


def test_adjust_findings_hook_marks_findings_and_cannot_drop_them(
    fake_plugin: Path, project: Path
) -> None:
    write(project, {"app.py": "x  # FAKE-ISSUE(high)\ny  # FAKE-ISSUE(high)\n"})

    class Excuser:
        @hookimpl
        def secgate_adjust_findings(self, findings: list[Finding], run: RunContext) -> None:
            findings[0] = findings[0].model_copy(update={"suppressed_by": "waiver:demo"})

    verdict = secgate.check(project, scanners=["fake-marker"], plugins=[Excuser()])
    assert [f.suppressed_by for f in verdict.findings] == ["waiver:demo", None]
    assert verdict.status is VerdictStatus.FAIL and len(verdict.blocking) == 1

    class Dropper:
        @hookimpl
        def secgate_adjust_findings(self, findings: list[Finding], run: RunContext) -> None:
            findings.pop()

    with pytest.raises(secgate.SecgateError, match="never drop"):
        secgate.check(project, scanners=["fake-marker"], plugins=[Dropper()])


def test_evaluate_hook_can_replace_the_policy(fake_plugin: Path, project: Path) -> None:
    write(project, {"app.py": "x  # FAKE-ISSUE(critical)\n"})

    class Lenient:
        @hookimpl
        def secgate_evaluate(
            self, findings: list[Finding], results: list[secgate.ScanResult], run: RunContext
        ) -> Decision:
            return Decision(
                status=VerdictStatus.PASS,
                reasons=["lenient policy"],
                decided_by="lenient",
                findings=findings,
            )

    verdict = secgate.check(project, scanners=["fake-marker"], plugins=[Lenient()])
    assert verdict.passed and verdict.decided_by == "lenient"


def test_required_scanner_that_cannot_run_makes_the_verdict_error(
    fake_plugin: Path, project: Path
) -> None:
    verdict = secgate.check(project, scanners=["fake-missing"])
    result = verdict.scanner("fake-missing")
    assert result.status is ScanStatus.ERROR and result.required
    assert "fake-tool not found on PATH" in (result.error or "")
    assert verdict.status is VerdictStatus.ERROR


def test_unrequested_scanner_that_cannot_run_is_skipped_with_a_warning(
    fake_plugin: Path, project: Path
) -> None:
    write(
        project,
        {"secgate.toml": 'skip = ["fake-crash", "fake-sleep-a", "fake-sleep-b"]\n', "a.py": "ok\n"},
    )
    verdict = secgate.check(project)
    assert verdict.scanner("fake-missing").status is ScanStatus.SKIPPED
    assert any(
        "fake-missing skipped" in w and "pip install fake-tool" in w for w in verdict.warnings
    )
    assert verdict.scanner("fake-crash").error == "not selected"
    assert verdict.passed


def test_no_scanner_at_all_is_an_error_not_a_pass(project: Path) -> None:
    verdict = secgate.check(project, plugins=[], config=Config(select=()))
    assert verdict.status is VerdictStatus.ERROR
    assert verdict.decided_by == "no-scanner-ran"


def test_file_collection_honours_gitignore_globs_and_reports_links(project: Path) -> None:
    write(
        project,
        {
            ".gitignore": "ignored/\n*.log\n!keep.log\n",
            "src/app.py": "",
            "src/sub/.gitignore": "local.py\n",
            "src/sub/local.py": "",
            "src/sub/kept.py": "",
            "ignored/x.py": "",
            "debug.log": "",
            "keep.log": "",
            ".venv/lib.py": "",
            "docs/readme.md": "",
        },
    )
    (project / "link.py").symlink_to(project / "src" / "app.py")
    (project / "outside").symlink_to("/etc")
    os.mkfifo(project / "pipe")
    config = Config(extend_exclude=("docs/",))
    fileset = collect_files(project, [project], config)
    assert fileset.files == (
        ".gitignore",
        "keep.log",
        "src/app.py",
        "src/sub/.gitignore",
        "src/sub/kept.py",
    )
    skipped = {s.path: s.reason for s in fileset.skipped}
    assert skipped == {
        "link.py": "symbolic link, not followed",
        "outside": "symbolic link, not followed",
        "pipe": "not a regular file",
    }


def test_include_globs_and_scanner_exclude(fake_plugin: Path, project: Path) -> None:
    write(
        project,
        {
            "secgate.toml": 'include = ["src/"]\n[scanners.fake-marker]\nexclude = ["gen_*.py"]\n',
            "src/a.py": "# FAKE-ISSUE(high)\n",
            "src/gen_b.py": "# FAKE-ISSUE(high)\n",
            "other/c.py": "# FAKE-ISSUE(high)\n",
        },
    )
    verdict = secgate.check(project, scanners=["fake-marker"])
    assert [f.path for f in verdict.findings] == ["src/a.py"]
    assert verdict.collection.files_scanned == 2


def test_paths_are_relative_to_the_config_root(fake_plugin: Path, project: Path) -> None:
    write(
        project,
        {
            "pyproject.toml": "[tool.secgate]\nfail-on = 'medium'\n",
            "pkg/mod.py": "# FAKE-ISSUE(medium)\n",
            "other.py": "# FAKE-ISSUE(high)\n",
        },
    )
    verdict = secgate.check(project / "pkg", scanners=["fake-marker"])
    assert [f.path for f in verdict.findings] == ["pkg/mod.py"]
    assert verdict.root == str(project.resolve())
    assert verdict.status is VerdictStatus.FAIL  # medium blocks under this config


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(secgate.SecgateError, match="no such file or folder"):
        secgate.check(tmp_path / "nope")


def _launch_order_plugin(events: list[str], launches: bool) -> object:
    released = threading.Event()

    class Child(Scanner):
        name = "test-z-child"
        external_process = True

        def scan(self, context: ScanContext) -> ScanOutput:
            time.sleep(0.2)  # Python work before the launch (semgrep: the cache, the rules)
            if launches:
                events.append("launched")
                context.launched.set()
            # Like semgrep after its launch: wait for the child while the others run.
            events.append("child-done" if released.wait(10) else "child-gave-up")
            return ScanOutput(files_scanned=len(context.files))

    class InProcess(Scanner):
        name = "test-in-process"

        def scan(self, context: ScanContext) -> ScanOutput:
            events.append("in-process")
            released.set()
            return ScanOutput(files_scanned=len(context.files))

    class Plugin:
        @hookimpl
        def secgate_register_scanners(self) -> list[type[Scanner]]:
            return [Child, InProcess]

    return Plugin()


@pytest.mark.parametrize(
    ("launches", "expected"),
    [
        # The in-process scanner comes first in the run's order and its work is ready at
        # once; it still waits for the launch, then runs while the external one waits.
        (True, ["launched", "in-process", "child-done"]),
        # A launch that is never reported holds nothing up past the head start.
        (False, ["in-process", "child-done"]),
    ],
)
def test_in_process_scanners_start_once_the_external_one_launched_its_child(
    project: Path, launches: bool, expected: list[str]
) -> None:
    write(project, {"a.txt": "x\n"})
    events: list[str] = []
    plugin = _launch_order_plugin(events, launches=launches)
    verdict = secgate.check(
        project, scanners=["test-in-process", "test-z-child"], plugins=[plugin], config=Config()
    )
    assert verdict.status is VerdictStatus.PASS, verdict.reasons
    assert events == expected
