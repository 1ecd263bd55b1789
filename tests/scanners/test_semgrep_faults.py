"""The semgrep scanner when semgrep is missing or misbehaves: it must fail closed.

The fake ``semgrep`` executables are small Python scripts written at test time: they stand
for failure modes the real tool cannot be made to show on demand (a crash, invalid JSON,
a hang, exit 0 with an internal error). None of these tests starts the real semgrep.
"""

from __future__ import annotations

import io
import json
import os
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import secgate
from secgate import process
from secgate.cli import main
from secgate.config import Config
from secgate.models import ScanStatus, VerdictStatus
from secgate.plugins import ScanContext, Scanner, ScanOutput, hookimpl
from secgate.scanners import semgrep as sg

#: The interpreter running the tests (some tests hide sys.executable from the scanner).
PYTHON = sys.executable

CRASH = """
    import sys
    sys.stderr.write("Traceback (most recent call last):\\nRuntimeError: fake semgrep crashed\\n")
    sys.exit(2)
"""
INVALID_JSON = """
    import sys
    sys.stdout.write('{"version": "1.185.0", "results": [')
    sys.exit(0)
"""
ERRORS_EXIT_0 = """
    import json, sys
    json.dump(
        {
            "version": "1.185.0",
            "results": [],
            "errors": [
                {
                    "code": 2,
                    "level": "error",
                    "type": "SemgrepError",
                    "message": "fake internal failure: rule engine gave up",
                }
            ],
            "paths": {"scanned": []},
        },
        sys.stdout,
    )
    sys.exit(0)
"""
HANG = """
    import os, signal, subprocess, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # only SIGKILL stops it
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
    child = subprocess.Popen([sys.executable, "-c", stubborn])
    with open({marker!r}, "w") as fh:
        fh.write(f"{{os.getpgrp()}} {{child.pid}}")
    time.sleep(600)
"""


def _fake(folder: Path, body: str, name: str = "semgrep") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    script.write_text(f"#!{PYTHON}\n" + textwrap.dedent(body))
    script.chmod(0o755)
    return script


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text("import os\nos.system('ls ' + os.environ['DIR'])\n")
    return root


def _semgrep_only(**options: object) -> Config:
    # No result cache: these tests are about what the scanner itself does.
    return Config(
        select=("semgrep",), cache=False, scanners={"semgrep": dict(options)} if options else {}
    )


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in process group *pgid*."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            members.append(int(entry.name))
    return members


@pytest.fixture
def no_semgrep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine without semgrep: empty PATH, no $SECGATE_SEMGREP, nothing next to Python."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv(sg.BINARY_ENV, raising=False)
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
    yield


class _QuietScanner(Scanner):
    """Another scanner that runs and finds nothing, so the gate has something to judge."""

    name = "quiet"

    def scan(self, context: ScanContext) -> ScanOutput:
        return ScanOutput(files_scanned=len(context.files))


class _QuietPlugin:
    @staticmethod
    @hookimpl
    def secgate_register_scanners() -> list[type[Scanner]]:
        return [_QuietScanner]


# --------------------------------------------------------------------------- absent


@pytest.mark.usefixtures("no_semgrep")
def test_absent_semgrep_is_unavailable_with_install_hint() -> None:
    availability = sg.SemgrepScanner().availability()
    assert not availability.ok
    assert availability.hint == "pip install 'secgate-ci[semgrep]'"
    assert "semgrep executable not found" in (availability.reason or "")


@pytest.mark.usefixtures("no_semgrep")
def test_absent_semgrep_when_required_is_an_error_exit_2(tmp_path: Path) -> None:
    root = _project(tmp_path)
    out = io.StringIO()
    code = main(["check", str(root), "--scanner", "semgrep", "--format", "json"], stdout=out)
    assert code == 2
    report = json.loads(out.getvalue())
    result = next(s for s in report["scanners"] if s["name"] == "semgrep")
    assert result["status"] == "error"
    assert result["error"].startswith("required but cannot run: semgrep executable not found")
    assert "pip install 'secgate-ci[semgrep]'" in result["error"]
    assert report["status"] == "error"


@pytest.mark.usefixtures("no_semgrep")
def test_absent_semgrep_in_a_default_run_is_an_error_naming_the_fix(tmp_path: Path) -> None:
    """A built-in scanner that cannot run fails a default run closed (issue 15)."""
    root = _project(tmp_path)
    # bandit would flag app.py's os.system: this test is about semgrep being absent.
    verdict = secgate.check(root, config=Config(skip=("bandit",)), plugins=[_QuietPlugin])
    result = verdict.scanner("semgrep")
    assert result.status is ScanStatus.ERROR
    assert "semgrep executable not found" in (result.error or "")
    assert 'skip = ["semgrep"]' in (result.error or "")
    assert verdict.status is VerdictStatus.ERROR
    # Saying the project does without it (skip) makes it a skip again.
    skipped = secgate.check(root, config=Config(skip=("bandit", "semgrep")), plugins=[_QuietPlugin])
    assert skipped.scanner("semgrep").status is ScanStatus.SKIPPED
    assert skipped.status is VerdictStatus.PASS


# --------------------------------------------------------------------------- fakes


def test_semgrep_on_path_that_crashes_gives_error_with_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_semgrep: None
) -> None:
    fake = _fake(tmp_path / "empty-bin", CRASH)  # the no_semgrep PATH folder
    assert sg.find_binary() == str(fake)
    verdict = secgate.check(_project(tmp_path), config=_semgrep_only())
    result = verdict.scanner("semgrep")
    assert result.status is ScanStatus.ERROR
    assert "exited with code 2 and wrote no JSON" in (result.error or "")
    assert "RuntimeError: fake semgrep crashed" in (result.error or "")
    assert verdict.status is VerdictStatus.ERROR
    assert verdict.exit_code == 2


def test_semgrep_printing_invalid_json_is_an_error(tmp_path: Path) -> None:
    fake = _fake(tmp_path / "bin", INVALID_JSON)
    verdict = secgate.check(_project(tmp_path), config=_semgrep_only(binary=str(fake)))
    result = verdict.scanner("semgrep")
    assert result.status is ScanStatus.ERROR
    assert "wrote invalid JSON" in (result.error or "")
    assert verdict.status is VerdictStatus.ERROR


def test_semgrep_exiting_0_with_an_errors_entry_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _fake(tmp_path / "bin", ERRORS_EXIT_0)
    monkeypatch.setenv(sg.BINARY_ENV, str(fake))
    verdict = secgate.check(_project(tmp_path), config=_semgrep_only())
    result = verdict.scanner("semgrep")
    assert result.status is ScanStatus.ERROR
    assert result.error == (
        "semgrep failed (exit code 0): fake internal failure: rule engine gave up"
    )
    assert verdict.status is VerdictStatus.ERROR


def test_hanging_semgrep_is_killed_with_its_whole_process_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "pgid"
    fake = _fake(tmp_path / "bin", HANG.format(marker=str(marker)))
    monkeypatch.setattr(process, "KILL_GRACE", 0.3)
    started = time.monotonic()
    verdict = secgate.check(_project(tmp_path), config=_semgrep_only(binary=str(fake), timeout=2))
    assert time.monotonic() - started < 30
    result = verdict.scanner("semgrep")
    assert result.status is ScanStatus.ERROR
    assert "timed out" in (result.error or "") or "did not finish" in (result.error or "")
    assert verdict.status is VerdictStatus.ERROR
    pgid, child = (int(x) for x in marker.read_text().split())
    # The engine answers at the deadline; the scanner thread kills the group right then.
    deadline = time.monotonic() + 10
    while _group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _group_members(pgid) == []
    assert (
        not Path(f"/proc/{child}").exists()
        or "Z" in (Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0])
    )


def test_no_candidate_file_means_semgrep_is_not_started(tmp_path: Path) -> None:
    root = tmp_path / "docs-only"
    root.mkdir()
    (root / "README.md").write_text("nothing to scan\n")
    fake = _fake(tmp_path / "bin", CRASH)  # would make the scan an error if started
    verdict = secgate.check(root, config=_semgrep_only(binary=str(fake)))
    result = verdict.scanner("semgrep")
    assert result.status is ScanStatus.OK
    assert result.details["candidates"] == 0
    assert result.coverage.files_scanned == 0


def test_missing_rule_path_is_an_error_naming_the_key(tmp_path: Path) -> None:
    verdict = secgate.check(_project(tmp_path), config=_semgrep_only(rules=["no-such-rules"]))
    result = verdict.scanner("semgrep")
    assert result.status is ScanStatus.ERROR
    assert result.error is not None
    assert result.error.startswith("scanners.semgrep.rules: 'no-such-rules' is not a file")
    assert "registry = true" in result.error


def test_child_environment_keeps_semgrep_away_from_home_and_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEMGREP_APP_TOKEN", "fake-token-for-test")
    monkeypatch.setenv("SEMGREP_BASELINE_COMMIT", "HEAD~1")
    env = sg.child_environment("/opt/tools/bin/semgrep", tmp_path)
    assert "SEMGREP_APP_TOKEN" not in env and "SEMGREP_BASELINE_COMMIT" not in env
    assert env["HOME"] == str(tmp_path)
    assert env["SEMGREP_SETTINGS_FILE"].startswith(str(tmp_path))
    assert env["SEMGREP_LOG_FILE"].startswith(str(tmp_path))
    assert env["SEMGREP_SEND_METRICS"] == "off"
    assert env["PATH"].split(os.pathsep)[0] == "/opt/tools/bin"


def test_child_environment_enlarges_ocaml_minor_heap_unless_user_chose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OCAMLRUNPARAM", raising=False)
    assert sg.child_environment("/opt/tools/bin/semgrep", tmp_path)["OCAMLRUNPARAM"] == "s=4M"
    monkeypatch.setenv("OCAMLRUNPARAM", "b,s=512k")
    assert sg.child_environment("/opt/tools/bin/semgrep", tmp_path)["OCAMLRUNPARAM"] == "b,s=512k"


def test_semgrep_reports_its_launch_to_the_engine(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import pickle\npickle.loads(data)\n", encoding="utf-8")
    context = ScanContext(
        root=tmp_path, files=("app.py",), options=sg.SemgrepOptions(), config=Config()
    )
    assert sg.SemgrepScanner.external_process
    assert not context.launched.is_set()
    output = sg.SemgrepScanner().scan(context)
    assert output.files_scanned == 1 and output.findings
    assert context.launched.is_set()
