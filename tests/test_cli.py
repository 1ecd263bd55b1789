"""The command line contract: exit codes, help, output."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

import secgate
from secgate.cli import build_parser
from secgate.testing import add_to_path, install_fake_distribution
from tests.conftest import run_cli, run_cli_process, write


def test_exit_code_0_on_pass_1_on_fail_2_on_error(fake_plugin: Path, project: Path) -> None:
    write(project, {"a.py": "# FAKE-ISSUE(low)\n"})
    passed = run_cli_process("check", str(project), "--scanner", "fake-marker")
    assert passed.code == 0, passed.err
    assert "Verdict: PASS" in passed.out

    write(project, {"a.py": "# FAKE-ISSUE(high)\n"})
    failed = run_cli_process("check", str(project), "--scanner", "fake-marker")
    assert failed.code == 1
    assert "Verdict: FAIL" in failed.out

    errored = run_cli_process(
        "check", str(project), "--scanner", "fake-marker", "--scanner", "fake-crash"
    )
    assert errored.code == 2
    assert "Verdict: ERROR" in errored.out
    assert "scanner fake-crash failed: crashed: RuntimeError: boom" in errored.out
    # The other scanner's blocking finding is still reported.
    assert "a.py:1  high  FAKE001" in errored.out
    assert "Traceback" not in errored.out + errored.err


def test_fail_on_flag_and_env_var(fake_plugin: Path, project: Path) -> None:
    write(project, {"a.py": "# FAKE-ISSUE(medium)\n"})
    assert run_cli("check", str(project), "--scanner", "fake-marker").code == 0
    assert (
        run_cli("check", str(project), "--scanner", "fake-marker", "--fail-on", "medium").code == 1
    )
    env = {"SECGATE_FAIL_ON": "low"}
    assert run_cli_process("check", str(project), "--scanner", "fake-marker", env=env).code == 1


def test_on_scanner_error_warn_judges_the_other_scanners(fake_plugin: Path, project: Path) -> None:
    write(project, {"secgate.toml": "on-scanner-error = 'warn'\n", "a.py": "# FAKE-ISSUE(low)\n"})
    result = run_cli("check", str(project), "--scanner", "fake-marker", "--scanner", "fake-crash")
    assert result.code == 0
    assert "scanner fake-crash failed" in result.out and "on-scanner-error=warn" in result.out


def test_usage_errors_exit_2_with_one_line(project: Path) -> None:
    result = run_cli("check", str(project), "--fail-on", "severe")
    assert result.code == 2
    assert result.err.startswith("secgate: error:") and result.err.count("\n") == 1
    result = run_cli("check", str(project / "missing"))
    assert result.code == 2 and "no such file or folder" in result.err
    assert run_cli("frobnicate").code == 2
    assert run_cli().code == 2  # no command: help, and not a pass


def test_help_teaches_exit_codes_and_examples() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "secgate.cli", "check", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    for text in (
        "0  pass",
        "1  fail",
        "2  error",
        "--stage",
        "--report FORMAT=FILE",
        "--output FILE, -o FILE",
        "--format FORMAT, -f FORMAT",
        "SECGATE_CONFIG",
        "examples:",
        "fails closed",
    ):
        assert text in proc.stdout, text


def test_quiet_prints_only_the_verdict_line(fake_plugin: Path, project: Path) -> None:
    write(project, {"a.py": "# FAKE-ISSUE(critical)\n"})
    result = run_cli("check", str(project), "--scanner", "fake-marker", "-q")
    assert result.code == 1
    assert result.out.splitlines() == [
        "secgate: FAIL: 1 blocking finding (1 critical) at or above the threshold"
    ]


def test_json_format_goes_to_stdout_when_no_output_file(fake_plugin: Path, project: Path) -> None:
    write(project, {"a.py": "# FAKE-ISSUE(high)\n"})
    result = run_cli("check", str(project), "--scanner", "fake-marker", "--format", "json")
    assert json.loads(result.out)["status"] == "fail"


def test_version() -> None:
    result = run_cli_process("--version")
    assert result.code == 0 and result.out.strip() == f"secgate {secgate.__version__}"


def test_live_progress_on_a_terminal_and_none_in_ci_logs(fake_plugin: Path, project: Path) -> None:
    write(project, {f"m{i}.py": "# FAKE-ISSUE(low)\n" for i in range(30)})
    args = [
        sys.executable,
        "-m",
        "secgate.cli",
        "check",
        str(project),
        "--scanner",
        "fake-marker",
        "--no-cache",
    ]
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    terminal = b"".join(chunks).decode("utf-8", "replace")
    assert "fake-marker" in terminal and "files" in terminal  # the live display drew
    assert proc.returncode == 0

    piped = run_cli_process("check", str(project), "--scanner", "fake-marker", "--no-cache")
    assert piped.err == ""  # no TTY: no progress noise in the log


def test_short_o_is_the_output_file_and_f_the_format(
    fake_plugin: Path, project: Path, tmp_path: Path
) -> None:
    write(project, {"a.py": "# FAKE-ISSUE(high)\n"})
    report = tmp_path / "out.json"
    result = run_cli(
        "check", str(project), "--scanner", "fake-marker", "-f", "json", "-o", str(report)
    )
    assert result.code == 1
    assert json.loads(report.read_text(encoding="utf-8"))["status"] == "fail"
    assert "Verdict: FAIL" in result.out  # stdout gets the text summary
    # The same -o on the commands that always had it.
    sarif = tmp_path / "again.sarif"
    again = run_cli("evaluate", str(report), "-f", "sarif", "-o", str(sarif))
    assert again.code == 1 and json.loads(sarif.read_text(encoding="utf-8"))["runs"]


def test_old_o_format_spelling_is_a_clear_error(
    fake_plugin: Path, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"a.py": "# FAKE-ISSUE(high)\n"})
    monkeypatch.chdir(tmp_path)
    for old in ("-o", "json"), ("-ojson",):
        result = run_cli("check", str(project), "--scanner", "fake-marker", *old)
        assert result.code == 2 and result.out == ""
        assert result.err.count("\n") == 1 and "use --format json" in result.err, result.err
    assert not (tmp_path / "json").exists()
    report = tmp_path / "r.json"
    run_cli("check", str(project), "--scanner", "fake-marker", "-f", "json", "-o", str(report))
    refused = run_cli("evaluate", str(report), "-o", "sarif")
    assert refused.code == 2 and "use --format sarif" in refused.err
    assert not (tmp_path / "sarif").exists()
    # A file that happens to be called like a format: the long flag, or a path.
    for spelled in ("--output", "json"), ("-o", "./sarif"):
        written = run_cli("check", str(project), "--scanner", "fake-marker", *spelled)
        assert written.code == 1, written.err
    assert "Verdict: FAIL" in (tmp_path / "json").read_text(encoding="utf-8")
    assert "Verdict: FAIL" in (tmp_path / "sarif").read_text(encoding="utf-8")


BUGGY_REPORTER = """
from secgate import hookimpl
from secgate.api import Reporter


class BuggyReporter(Reporter):
    name = "buggy"

    def render(self, verdict, *, color=False):
        raise RuntimeError("bug in the buggy reporter")


@hookimpl
def secgate_register_reporters():
    return [BuggyReporter]
"""


def test_debug_works_after_the_subcommand_as_before_it(
    fake_plugin: Path, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report format plugin with a bug: an internal error, with a traceback under --debug."""
    site = tmp_path / "buggy-site"
    install_fake_distribution(
        site,
        "secgate-buggy-reporter",
        "1.0",
        {"buggy": "secgate_buggy_reporter"},
        {"secgate_buggy_reporter": BUGGY_REPORTER},
    )
    add_to_path(monkeypatch, site)
    write(project, {"a.py": "x = 1\n"})
    args = (str(project), "--scanner", "fake-marker", "--format", "buggy", "--no-cache")

    plain = run_cli("check", *args)
    assert plain.code == 2
    assert "internal error: RuntimeError: bug in the buggy reporter" in plain.err
    assert "Traceback" not in plain.err
    for argv in (
        ["--debug", "check", *args],
        ["check", *args, "--debug"],
        ["check", "--debug", *args],
    ):
        result = run_cli(*argv)
        assert result.code == 2, result.err
        assert "Traceback (most recent call last)" in result.err, argv
        assert "internal error: RuntimeError: bug in the buggy reporter" in result.err

    parser = build_parser()
    every_command = (
        ["check"],
        ["evaluate", "report.json"],
        ["merge", "a.json"],
        ["baseline"],
        ["scanners"],
        ["rules"],
        ["rules", "list"],
        ["rules", "import-gitleaks", "gitleaks.toml"],
        ["db"],
        ["db", "update"],
        ["db", "status"],
    )
    for command in every_command:
        assert parser.parse_args([*command, "--debug"]).debug is True, command
        assert parser.parse_args(["--debug", *command]).debug is True, command
        assert parser.parse_args(command).debug is False, command
