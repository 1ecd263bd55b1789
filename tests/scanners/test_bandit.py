"""The bandit scanner against the real bandit: parity with `bandit -r -f json`, nosec,
redaction, unparsable files, worker processes, faults."""

from __future__ import annotations

import concurrent.futures
import io
import json
import multiprocessing
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from bandit.core import node_visitor

import secgate
from secgate.cli import main
from secgate.config import Config, ScannerOptions
from secgate.engine import collect_files
from secgate.errors import ConfigError, ScannerError
from secgate.models import GapKind, ScanStatus, VerdictStatus
from secgate.plugins import ScanContext
from secgate.scanners.bandit import (
    BanditOptions,
    BanditScanner,
    balanced_chunks,
    redact_password_message,
)
from secgate.scanners.bandit import worker as bandit_worker

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bandit" / "tree"
#: What collect_files gives bandit when nothing is excluded: the parity comparisons run on
#: exactly the tree `bandit -r .` walks. No result cache: every check() really scans.
NO_EXCLUDES = Config(exclude=(), respect_gitignore=False, cache=False)
#: Fake values in tests/fixtures/bandit/tree/app/passwords.py that must never reach a report.
FAKE_PASSWORDS = (
    "fixture-not-a-secret",
    "fixture-value-2",
    "fixture-default",
    "fixture-funcarg",
    "fixture-compare",
)
UNPARSABLE = {"binary.py", "broken_syntax.py", "latin1.py", "legacy_py2.py"}

Key = tuple[str, str, int]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the fixture tree (no .gitignore or config above it)."""
    target = tmp_path / "tree"
    shutil.copytree(FIXTURES, target)
    return target


def bandit_cli(root: Path, *args: str, recursive: bool = True) -> tuple[set[Key], set[str]]:
    """(rule_id, path, line) and unparsable files as `bandit -r -f json .` in *root* sees them."""
    target = ["-r", *args, "."] if recursive else list(args)
    proc = subprocess.run(
        [sys.executable, "-m", "bandit", "-f", "json", "-q", *target],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout)
    found = {
        (r["test_id"], r["filename"].removeprefix("./"), r["line_number"]) for r in data["results"]
    }
    errors = {e["filename"].removeprefix("./") for e in data["errors"]}
    return found, errors


def bandit_cli_files(root: Path, *args: str) -> tuple[set[Key], set[str]]:
    """As :func:`bandit_cli`, with every Python file named explicitly and no --exclude.

    That is what secgate hands bandit: its own file list, bandit's default excludes off
    (a config given with ``-c`` must not set exclude_dirs for the comparison to hold).
    """
    files = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.suffix in {".py", ".pyw"} and p.is_file()
    )
    return bandit_cli(root, "-x", "", *args, *files, recursive=False)


def reported(verdict: secgate.Verdict) -> set[Key]:
    """What secgate reports as bandit would: nosec-suppressed findings left out."""
    return {
        (f.rule_id, f.path, f.line or 0)
        for f in verdict.findings
        if f.scanner == "bandit" and f.suppressed_by != "inline:nosec"
    }


def run_bandit(root: Path, jobs: int = 1, **options: Any) -> secgate.Verdict:
    overrides = {"scanners": {"bandit": options}} if options else None
    return secgate.check(
        root, config=NO_EXCLUDES, scanners=["bandit"], jobs=jobs, overrides=overrides
    )


def context_for(root: Path, jobs: int = 1, timeout: float = 60.0, **kw: Any) -> ScanContext:
    files = collect_files(root, [root], NO_EXCLUDES).files
    return ScanContext(
        root=root,
        files=files,
        options=BanditOptions(),
        config=NO_EXCLUDES,
        jobs=jobs,
        timeout=timeout,
        **kw,
    )


# --------------------------------------------------------------------------- parity


def test_findings_match_bandit_cli_on_fixture_tree(tree: Path) -> None:
    verdict = run_bandit(tree)
    expected, errors = bandit_cli(tree)
    assert len(expected) > 60  # the fixtures exercise many tests
    assert reported(verdict) == expected
    result = verdict.scanner("bandit")
    assert result.status is ScanStatus.OK
    assert {s.path for s in result.coverage.skipped} == errors == UNPARSABLE


def test_worker_processes_give_the_same_findings_as_in_process(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_process = run_bandit(tree, jobs=1)
    monkeypatch.setattr(bandit_worker, "POOL_MIN_BYTES", 0)
    pooled = run_bandit(tree, jobs=2)
    assert pooled.scanner("bandit").details["workers"] == 2
    assert in_process.scanner("bandit").details["workers"] == 1
    assert [f.model_dump() for f in pooled.findings] == [
        f.model_dump() for f in in_process.findings
    ]
    assert pooled.scanner("bandit").coverage == in_process.scanner("bandit").coverage
    assert reported(pooled) == bandit_cli(tree)[0]
    assert multiprocessing.active_children() == []


def test_tool_bandit_in_pyproject_is_honoured_like_bandit_c_except_file_selection(
    tree: Path,
) -> None:
    settings = (
        '[tool.bandit]\nskips = ["B404", "B603"]\n{}'
        '[tool.bandit.assert_used]\nskips = ["*/commands.py"]\n'
    )
    (tree / "pyproject.toml").write_text(
        settings.format('exclude_dirs = ["nested"]\n'), encoding="utf-8"
    )
    (tree.parent / "same-without-exclude-dirs.toml").write_text(
        settings.format(""), encoding="utf-8"
    )
    verdict = run_bandit(tree)
    expected, _ = bandit_cli_files(tree, "-c", "../same-without-exclude-dirs.toml")
    assert reported(verdict) == expected
    rules = {key[0] for key in expected}
    paths = {key[1] for key in expected}
    assert not {"B404", "B603", "B101"} & rules
    # exclude_dirs and bandit's *.py-only include with a config file do not drop files
    # secgate collected; the setting is shown instead.
    assert "app/nested/pkg/deep.py" in paths
    assert "script.pyw" in paths
    result = verdict.scanner("bandit")
    assert result.details["config"] == "pyproject.toml [tool.bandit]"
    assert result.coverage.files_scanned == 10  # as without [tool.bandit]
    assert list(result.weakenings) == [
        "[tool.bandit] in pyproject.toml: skips = ['B404', 'B603']",
        "[tool.bandit] in pyproject.toml: exclude_dirs = ['nested'] (not applied: secgate's "
        "own exclude settings decide which files bandit scans)",
        "[tool.bandit] in pyproject.toml: assert_used.skips = ['*/commands.py']",
    ]

    ignored = run_bandit(tree, **{"use-pyproject": False})
    assert reported(ignored) == bandit_cli(tree)[0]
    assert {"B404", "B603", "B101"} <= {f.rule_id for f in ignored.findings}


def test_tests_and_skips_options_select_like_bandit_t_and_s(tree: Path) -> None:
    selected = run_bandit(tree, tests=["B602", "B105"])
    assert reported(selected) == bandit_cli(tree, "-t", "B602,B105")[0]
    assert {f.rule_id for f in selected.findings} == {"B602", "B105"}
    # B001 alone stands for every blacklist test (B3xx, B4xx), as in bandit.
    skipped = run_bandit(tree, skips=["B602", "B001"])
    assert reported(skipped) == bandit_cli(tree, "-s", "B602,B001")[0]
    left = {f.rule_id for f in skipped.findings}
    assert not {"B602", "B301", "B311", "B403", "B404"} & left
    assert {"B607", "B324"} <= left  # B324 is a plugin test, not a blacklist entry


def test_severity_and_confidence_options_filter_like_bandit_l_and_i(tree: Path) -> None:
    verdict = run_bandit(tree, severity="medium", confidence="high")
    expected, _ = bandit_cli(tree, "-ll", "-iii")
    assert reported(verdict) == expected
    assert expected
    assert all(f.severity >= secgate.Severity.MEDIUM for f in verdict.findings)
    assert all(f.confidence >= secgate.Confidence.HIGH for f in verdict.findings)


# --------------------------------------------------------------------------- mapping


def test_nosec_findings_are_reported_as_suppressed_exactly_where_bandit_drops_them(
    tree: Path,
) -> None:
    verdict = run_bandit(tree)
    everything, _ = bandit_cli(tree, "--ignore-nosec")
    kept, _ = bandit_cli(tree)
    suppressed = {
        (f.rule_id, f.path, f.line or 0)
        for f in verdict.findings
        if f.suppressed_by == "inline:nosec"
    }
    assert suppressed == everything - kept
    by_line = {
        (f.line, f.rule_id): f.suppressed_by
        for f in verdict.findings
        if f.path == "app/nosec_cases.py"
    }
    # bare, by id, "nosec:" list, by test name, no space, multi-line call, unknown id
    for line in (5, 6, 7, 9, 10, 13, 17, 21):
        assert by_line[(line, "B602")] == "inline:nosec", line
    assert by_line[(22, "B108")] == "inline:nosec"
    # a nosec for another test, upper case, "no-sec": still reported
    for line in (8, 19, 20):
        assert by_line[(line, "B602")] != "inline:nosec", line
    # "# nosec B607" on a line with B602 and B607 suppresses B607 only
    assert by_line[(26, "B607")] == "inline:nosec"
    assert by_line[(26, "B602")] != "inline:nosec"
    assert verdict.scanner("bandit").details["nosec-suppressed"] == len(suppressed)


def test_findings_carry_bandit_severity_cwe_location_and_help(tree: Path) -> None:
    verdict = run_bandit(tree)
    shell = next(
        f
        for f in verdict.findings
        if f.rule_id == "B602" and f.path == "app/commands.py" and f.line == 7
    )
    assert shell.severity is secgate.Severity.HIGH
    assert shell.confidence is secgate.Confidence.HIGH
    assert shell.cwe == (78,)
    assert shell.column == 5  # bandit's col_offset 4, 1-based
    assert shell.help_url is not None
    assert shell.help_url.endswith("b602_subprocess_popen_with_shell_equals_true.html")
    assert shell.snippet == '    subprocess.call("ls " + user_input, shell=True)'
    assert shell.properties["test_name"] == "subprocess_popen_with_shell_equals_true"
    assert shell.fingerprint
    try_pass = next(f for f in verdict.findings if f.rule_id == "B110")
    assert (try_pass.line, try_pass.end_line) == (21, 22)
    assert try_pass.severity is secgate.Severity.LOW
    deep = {f.rule_id for f in verdict.findings if f.path == "app/nested/pkg/deep.py"}
    assert {"B401", "B402", "B411", "B312", "B321", "B108"} <= deep


def test_hardcoded_password_values_are_redacted_everywhere(tree: Path) -> None:
    verdict = run_bandit(tree)
    secrets = [f for f in verdict.findings if f.rule_id in {"B105", "B106", "B107"}]
    assert {f.rule_id for f in secrets} == {"B105", "B106", "B107"}
    assert len(secrets) == 6
    for finding in secrets:
        assert finding.snippet is None
        assert finding.message.startswith("Possible hardcoded password: '")
        dumped = finding.model_dump_json()
        for value in FAKE_PASSWORDS:
            assert value not in dumped
    first = next(f for f in secrets if f.line == 2)
    assert first.message == "Possible hardcoded password: 'fi…' (20 characters)"
    short = next(f for f in secrets if f.line == 3)
    assert short.message == "Possible hardcoded password: '…' (2 characters)"
    # Every report format, written by the CLI, is free of the values too.
    config = tree / "secgate.toml"
    config.write_text("exclude = []\nrespect-gitignore = false\ncache = false\n", encoding="utf-8")
    for fmt in ("json", "sarif", "text"):
        out = io.StringIO()
        code = main(
            ["check", str(tree), "--config", str(config), "--scanner", "bandit", "--format", fmt],
            stdout=out,
        )
        assert code == 1
        text = out.getvalue()
        assert "Possible hardcoded password" in text or fmt == "text"
        for value in FAKE_PASSWORDS:
            assert value not in text, fmt


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Possible hardcoded password: 'abcdefgh'",
            "Possible hardcoded password: 'ab…' (8 characters)",
        ),
        ("Possible hardcoded password: 'abc'", "Possible hardcoded password: '…' (3 characters)"),
        ("Possible hardcoded password: 'a'", "Possible hardcoded password: '…' (1 character)"),
        ("Possible hardcoded password: ''", "Possible hardcoded password: '' (empty)"),
        (
            "Possible hardcoded password: 'it's\nmulti'",
            "Possible hardcoded password: 'it…' (10 characters)",
        ),
        ("Some new wording hunter2hunter2", "Possible hardcoded password (value redacted)"),
    ],
)
def test_redact_password_message_keeps_two_characters_and_the_length(
    text: str, expected: str
) -> None:
    assert redact_password_message(text) == expected


# --------------------------------------------------------------------------- faults


def test_unparsable_files_are_skipped_with_reason_and_the_scan_goes_on(tree: Path) -> None:
    verdict = run_bandit(tree)
    result = verdict.scanner("bandit")
    assert result.status is ScanStatus.OK
    reasons = {s.path: s.reason for s in result.coverage.skipped}
    assert "line 1" in reasons["broken_syntax.py"]
    assert "null bytes" in reasons["binary.py"]
    assert "Python 2" in reasons["legacy_py2.py"]
    assert "encoding" in reasons["latin1.py"]
    assert all(r.startswith("syntax error while parsing AST from file") for r in reasons.values())
    assert result.coverage.files_scanned == 10  # 14 Python files, 4 unparsable
    assert not any(f.path in UNPARSABLE for f in verdict.findings)


@pytest.fixture
def broken_tree(tmp_path: Path) -> Path:
    """Only a syntax error, a binary file named .py, and clean code."""
    root = tmp_path / "broken"
    root.mkdir()
    shutil.copy(FIXTURES / "broken_syntax.py", root / "broken_syntax.py")
    shutil.copy(FIXTURES / "binary.py", root / "binary.py")
    (root / "clean.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    return root


def test_syntax_error_and_binary_file_pass_with_clear_skipped_entries(broken_tree: Path) -> None:
    for name in ("clean2.py", "clean3.py"):  # 3 of 5 files analysed: above min-coverage
        shutil.copy(broken_tree / "clean.py", broken_tree / name)
    verdict = secgate.check(broken_tree, scanners=["bandit"])
    assert verdict.status is VerdictStatus.PASS
    result = verdict.scanner("bandit")
    assert result.status is ScanStatus.OK
    assert result.coverage.files_scanned == 3
    assert {s.path: s.kind for s in result.coverage.skipped} == {
        "broken_syntax.py": GapKind.UNPARSABLE,
        "binary.py": GapKind.BINARY,
    }

    out = io.StringIO()
    assert main(["check", str(broken_tree), "--scanner", "bandit"], stdout=out) == 0
    text = out.getvalue()
    assert "broken_syntax.py" in text
    assert "binary.py" in text
    assert "null bytes" in text


def test_unparsable_files_do_not_hide_findings_elsewhere(broken_tree: Path) -> None:
    (broken_tree / "shell.py").write_text(
        "import subprocess\nsubprocess.call(input(), shell=True)\n", encoding="utf-8"
    )
    verdict = secgate.check(broken_tree, scanners=["bandit"])
    assert verdict.status is VerdictStatus.FAIL
    assert [(f.rule_id, f.path) for f in verdict.blocking] == [("B602", "shell.py")]
    out = io.StringIO()
    assert main(["check", str(broken_tree), "--scanner", "bandit", "-q"], stdout=out) == 1


def _hide_bandit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every `import bandit…` fail, as when bandit is not installed."""
    for name in [n for n in sys.modules if n == "bandit" or n.startswith("bandit.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "bandit", None)


def test_bandit_not_importable_makes_a_required_scanner_an_error(
    broken_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _hide_bandit(monkeypatch)
    availability = BanditScanner().availability()
    assert not availability.ok
    assert availability.hint == "pip install 'secgate-ci[bandit]'"
    verdict = secgate.check(broken_tree, scanners=["bandit"], jobs=1)
    assert verdict.status is VerdictStatus.ERROR
    result = verdict.scanner("bandit")
    assert result.status is ScanStatus.ERROR
    assert result.error is not None
    assert "secgate-ci[bandit]" in result.error
    out = io.StringIO()
    assert main(["check", str(broken_tree), "--scanner", "bandit"], stdout=out) == 2
    assert "secgate-ci[bandit]" in out.getvalue()


def test_scan_raises_scanner_error_when_the_import_fails_after_the_probe(
    broken_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _hide_bandit(monkeypatch)
    with pytest.raises(ScannerError, match=r"bandit cannot be imported .*secgate-ci\[bandit\]"):
        BanditScanner().scan(context_for(broken_tree))


def test_bandit_crash_on_its_settings_is_a_scanner_error(broken_tree: Path) -> None:
    # `bandit -c pyproject.toml -r .` dies with a traceback on this too.
    (broken_tree / "pyproject.toml").write_text("[tool.bandit]\ntests = 5\n", encoding="utf-8")
    verdict = secgate.check(broken_tree, scanners=["bandit"])
    assert verdict.status is VerdictStatus.ERROR
    error = verdict.scanner("bandit").error
    assert error is not None
    assert error.startswith("bandit crashed while loading its settings: TypeError")


def test_a_bandit_test_crashing_makes_the_scan_an_error_but_keeps_findings(
    tree: Path,
) -> None:
    # A non-string pattern makes bandit's B101 test raise inside fnmatch; bandit logs
    # it and goes on, so the gate must say the scan is incomplete.
    (tree / "pyproject.toml").write_text(
        "[tool.bandit.assert_used]\nskips = [1]\n", encoding="utf-8"
    )
    verdict = run_bandit(tree)
    result = verdict.scanner("bandit")
    assert result.status is ScanStatus.ERROR
    assert result.error is not None
    assert "bandit test assert_used crashed on ./app/commands.py:17" in result.error
    assert verdict.status is VerdictStatus.ERROR
    assert any(f.rule_id == "B602" for f in verdict.findings)


def test_bandit_crashing_on_valid_code_skips_the_file_and_makes_the_scan_an_error(
    broken_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No real input makes bandit's node visitor crash on demand: simulate a bandit bug
    # in its handling of one construct (in-process, jobs=1).
    def broken_visit_call(self: Any, node: Any) -> None:
        raise RuntimeError("simulated bandit bug")

    monkeypatch.setattr(node_visitor.BanditNodeVisitor, "visit_Call", broken_visit_call)
    (broken_tree / "calls.py").write_text("print(1)\n", encoding="utf-8")
    verdict = secgate.check(broken_tree, scanners=["bandit"], jobs=1)
    result = verdict.scanner("bandit")
    reasons = {s.path: s.reason for s in result.coverage.skipped}
    assert reasons["calls.py"] == (
        "exception while scanning file: bandit crashed: RuntimeError: simulated bandit bug"
    )
    assert result.status is ScanStatus.ERROR
    assert result.error is not None
    assert result.error.startswith("bandit crashed on ./calls.py: RuntimeError")
    assert verdict.status is VerdictStatus.ERROR
    assert result.coverage.files_scanned == 1  # clean.py


def test_unknown_test_id_is_a_scanner_error(broken_tree: Path) -> None:
    verdict = secgate.check(
        broken_tree, scanners=["bandit"], overrides={"scanners": {"bandit": {"tests": ["B999"]}}}
    )
    assert verdict.status is VerdictStatus.ERROR
    assert "unknown bandit test B999" in (verdict.scanner("bandit").error or "")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"test": ["B101"]}, "unknown key"),
        ({"tests": ["subprocess"]}, "should match pattern"),
        ({"tests": ["B101"], "skips": ["B101"]}, "tests and skips both name B101"),
        ({"severity": "critical"}, "severity"),
    ],
)
def test_bad_options_are_config_errors(
    broken_tree: Path, table: dict[str, Any], message: str
) -> None:
    config = broken_tree / "secgate.toml"
    lines = ["[scanners.bandit]"] + [f"{k} = {json.dumps(v)}" for k, v in table.items()]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        secgate.check(broken_tree, config=config, scanners=["bandit"])


# --------------------------------------------------------------------------- workers


def _big_tree(root: Path, copies: int) -> Path:
    for index in range(copies):
        folder = root / f"pkg{index:03}"
        folder.mkdir(parents=True)
        for name in ("commands.py", "crypto.py", "web.py"):
            shutil.copy(FIXTURES / "app" / name, folder / name)
    return root


def test_cancel_stops_the_workers_and_none_outlives_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _big_tree(tmp_path / "big", 400)  # about 2 MB: several seconds of bandit
    monkeypatch.setattr(bandit_worker, "POOL_MIN_BYTES", 0)
    ctx = context_for(root, jobs=2)
    timer = threading.Timer(1.0, ctx.cancel.set)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(ScannerError, match="stopped"):
            BanditScanner().scan(ctx)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 15
    assert multiprocessing.active_children() == []


def test_stopping_the_pool_frees_a_manager_thread_stuck_on_half_a_result() -> None:
    # A worker ended while sending its result leaves half a message in the result pipe; the
    # pool's manager thread then waits for the rest forever, and so does interpreter exit.
    # Half a message is written here by hand: a length header promising 1,000 bytes, and 10.
    executor = concurrent.futures.ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    )
    assert executor.submit(abs, -1).result(timeout=60) == 1
    manager = executor._executor_manager_thread
    writer = executor._result_queue._writer
    assert manager is not None and manager.is_alive()
    try:
        os.write(writer.fileno(), struct.pack("!i", 1000) + b"0123456789")
        manager.join(timeout=0.5)
        assert manager.is_alive()  # waiting for the other 990 bytes
        bandit_worker._stop_pool(executor)
        assert not manager.is_alive()
        assert multiprocessing.active_children() == []
    finally:
        if manager.is_alive():  # never leave the test run hanging on exit
            writer.close()


def test_timeout_stops_the_scan(tmp_path: Path) -> None:
    root = _big_tree(tmp_path / "big", 300)  # about 2 s of bandit on one core
    ctx = context_for(root, jobs=1, timeout=0.5)
    with pytest.raises(ScannerError, match="timed out"):
        BanditScanner().scan(ctx)


def test_a_script_read_from_stdin_scans_in_process(tree: Path) -> None:
    # Spawned workers re-import the main module; "<stdin>" is no file, so they would die.
    script = (
        "import secgate\n"
        "from secgate.scanners.bandit import worker\n"
        "worker.POOL_MIN_BYTES = 0\n"
        "config = secgate.Config(exclude=(), respect_gitignore=False)\n"
        f"v = secgate.check({str(tree)!r}, config=config, scanners=['bandit'], jobs=2)\n"
        "r = v.scanner('bandit')\n"
        "print(r.status, r.details['workers'], r.findings)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    status, workers, count = proc.stdout.split()
    assert (status, workers) == ("ok", "1")
    assert int(count) > 60


def test_progress_counts_every_file(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bandit_worker, "POOL_MIN_BYTES", 0)
    calls: list[tuple[int, int]] = []
    ctx = context_for(tree, jobs=2, progress=lambda done, total: calls.append((done, total)))
    out = BanditScanner().scan(ctx)
    assert calls[-1] == (14, 14)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert out.files_scanned + len(out.skipped) == 14


def test_chunks_cover_every_file_once_and_shrink_towards_the_end() -> None:
    sizes = {f"f{i:03}.py": 1000 + (i * 7919) % 5000 for i in range(300)}
    chunks = balanced_chunks(sizes, 2, min_bytes=4000)
    assert sorted(f for chunk in chunks for f in chunk) == sorted(sizes)
    totals = [sum(sizes[f] for f in chunk) for chunk in chunks]
    total = sum(sizes.values())
    assert totals[0] <= total / 8 + max(sizes.values())  # a quarter of a worker's share
    assert totals[-3] < totals[0] / 4  # the last chunks are small: workers end together
    assert len(chunks) > 8


def test_chunks_give_every_worker_work_even_on_a_small_tree() -> None:
    sizes = {"a.py": 300, "b.py": 200, "c.py": 100, "d.py": 50}
    chunks = balanced_chunks(sizes, 2)
    assert len(chunks) >= 2
    assert sorted(f for chunk in chunks for f in chunk) == sorted(sizes)
    assert balanced_chunks({"a.py": 1}, 8) == [["a.py"]]


# --------------------------------------------------------------------------- plugin


def test_rules_list_bandit_tests_with_cwe_where_bandit_has_it() -> None:
    rules = {r.id: r for r in BanditScanner().rules(BanditOptions())}
    assert {"B101", "B602", "B105", "B301", "B404"} <= set(rules)
    assert all(r.severity is None and r.scanner == "bandit" for r in rules.values())
    assert rules["B602"].description == "Test for use of popen with shell equals true"
    assert rules["B101"].description == "Test for use of assert"  # from the module's docs
    assert rules["B301"].cwe == (502,)
    assert rules["B301"].description.startswith("pickle: ")
    fewer = {r.id for r in BanditScanner().rules(BanditOptions(skips=("B602", "B001")))}
    assert "B602" not in fewer
    assert not {"B301", "B311", "B403", "B404"} & fewer
    assert "B324" in fewer
    only = {r.id for r in BanditScanner().rules(BanditOptions(tests=("B602",)))}
    assert only == {"B602"}


def test_result_cache_misses_when_tool_bandit_changes(tree: Path) -> None:
    cached = Config(exclude=(), respect_gitignore=False, cache_dir=str(tree.parent / "cache"))

    def scan() -> secgate.Verdict:
        return secgate.check(tree, config=cached, scanners=["bandit"])

    first = scan()
    assert first.scanner("bandit").details["cache_misses"] == 14
    again = scan()
    assert again.scanner("bandit").details["cache_hits"] == 14
    # a hit keeps bandit's nosec suppressions (the cache drops only policy decisions)
    assert [(f.fingerprint, f.suppressed_by, f.blocking) for f in again.findings] == [
        (f.fingerprint, f.suppressed_by, f.blocking) for f in first.findings
    ]
    assert again.scanner("bandit").coverage == first.scanner("bandit").coverage
    (tree / "pyproject.toml").write_text('[tool.bandit]\nskips = ["B404"]\n', encoding="utf-8")
    changed = scan()
    assert changed.scanner("bandit").details["cache_misses"] == 14
    assert reported(changed) == bandit_cli_files(tree, "-c", "pyproject.toml")[0]
    assert "B404" not in {f.rule_id for f in changed.findings}
    # an unrelated edit to pyproject.toml keeps the cache valid
    with (tree / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write('[project]\nname = "x"\n')
    assert scan().scanner("bandit").details["cache_hits"] == 14


def test_handles_takes_the_python_files_bandit_would() -> None:
    scanner = BanditScanner()
    assert scanner.handles("a/b.py")
    assert scanner.handles("tool.pyw")
    assert not scanner.handles("notes.txt")
    assert not scanner.handles("stub.pyi")


def test_cache_token_covers_version_and_options() -> None:
    scanner = BanditScanner()
    base = scanner.cache_token(BanditOptions())
    assert scanner.version() is not None
    assert scanner.version() in base
    assert scanner.cache_token(BanditOptions(skips=("B101",))) != base
    assert scanner.cache_token(BanditOptions(severity="high")) != base
    assert scanner.cache_token(BanditOptions()) == base
    assert BanditScanner.per_file is True


def test_options_from_a_plain_scanner_options_still_work(broken_tree: Path) -> None:
    ctx = context_for(broken_tree)
    plain = ScanContext(root=ctx.root, files=ctx.files, options=ScannerOptions(), config=ctx.config)
    assert BanditScanner().scan(plain).files_scanned == 1


def test_importing_secgate_and_the_plugin_does_not_import_bandit() -> None:
    code = (
        "import sys, secgate, secgate.scanners.bandit as b; "
        "from secgate.plugins import make_plugin_host; "
        "host = make_plugin_host(); assert 'bandit' in host.scanners(); "
        "assert b.BanditScanner().availability().ok; "
        "b.BanditScanner().version(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'bandit'))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


# --------------------------------------------------------------------------- real sdist


@pytest.mark.network
@pytest.mark.slow
def test_findings_match_bandit_cli_on_a_real_sdist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "requests==2.32.3",
            "-d",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    archives = list(tmp_path.glob("requests-*.tar.gz"))
    if proc.returncode != 0 or not archives:
        pytest.skip(f"cannot download the sdist: {proc.stderr.strip()[-200:]}")
    with tarfile.open(archives[0]) as archive:
        archive.extractall(tmp_path, filter="data")
    root = next(p for p in tmp_path.iterdir() if p.is_dir())
    extra: tuple[str, ...] = ()
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and "[tool.bandit" in pyproject.read_text(encoding="utf-8"):
        extra = ("-c", "pyproject.toml")
    expected, errors = bandit_cli(root, *extra)
    monkeypatch.setattr(bandit_worker, "POOL_MIN_BYTES", 0)  # through worker processes
    verdict = run_bandit(root, jobs=2)
    assert verdict.scanner("bandit").details["workers"] == 2
    assert reported(verdict) == expected
    assert len(expected) > 10
    assert {s.path for s in verdict.scanner("bandit").coverage.skipped} == errors
