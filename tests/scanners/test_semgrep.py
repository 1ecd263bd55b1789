"""The semgrep scanner against the real semgrep CLI, and against fakes of its failure modes.

Starting semgrep costs seconds, so one module-scoped scan of the fixture project (plus two
runs of the plain semgrep CLI for parity) serves most assertions. The fake ``semgrep``
executables below simulate what the real one cannot be made to do on demand: crash, print
invalid JSON, hang, or exit 0 with an internal error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import secgate
from secgate.config import Config
from secgate.engine import collect_files
from secgate.models import (
    Confidence,
    Finding,
    GapKind,
    ScanStatus,
    Severity,
    Verdict,
    VerdictStatus,
)
from secgate.plugins import bundled_rules
from secgate.scanners import semgrep as sg
from secgate.scanners.semgrep import process as sg_process


@pytest.fixture(autouse=True)
def _raw_scanner_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scanner's own findings, as it reports them: without the adjust step's merging of
    a pattern rule into the taint rule on the same sink, or its unconfirmed marks (both are
    tested in tests/test_evidence.py)."""
    monkeypatch.setenv("SECGATE_DISABLE_PLUGINS", "evidence")


FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "semgrep" / "project"
PACK = bundled_rules("semgrep")
SEMGREP = sg.find_binary()

_real_chunks = sg.chunk_targets
needs_semgrep = pytest.mark.skipif(SEMGREP is None, reason="semgrep is not installed")

Key = tuple[str, str, int]


# --------------------------------------------------------------------------- helpers


def _copy_project(dest: Path) -> Path:
    root = dest / "project"
    shutil.copytree(FIXTURE, root)
    # Names that a careless caller would turn into options or split in two.
    (root / "-dash.py").write_text("import os\nos.system('ls ' + os.environ['X'])\n")
    (root / "with space.py").write_text(
        "def f(x):\n    return eval(x)\n\n\ndef g(y):\n    return eval(y)  # nosemgrep\n"
    )
    # Binary content under a .py name: semgrep cannot parse it.
    (root / "blob.py").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00eval(x)\n\x00\xff\xfe\n")
    return root


def _plain_semgrep(root: Path, files: list[str], home: Path) -> dict[bool, set[Key]]:
    """What the semgrep CLI itself reports for *files*, as (rule id, path, line), with
    nosemgrep honoured (key False) and disabled (key True)."""
    assert SEMGREP is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMGREP_")}
    env.update(
        HOME=str(home),
        SEMGREP_SETTINGS_FILE=str(home / "settings.yml"),
        SEMGREP_LOG_FILE=str(home / "semgrep.log"),
        PATH=os.pathsep.join([str(Path(SEMGREP).parent), env.get("PATH", "")]),
    )
    argv = [SEMGREP, "scan", "--json", "--metrics=off", "--disable-version-check"]
    targets = ["--", *(f"./{f}" for f in files)]
    found: dict[bool, set[Key]] = {}
    for disable in (False, True):
        proc = subprocess.run(
            [*argv, f"--config={PACK}", *(["--disable-nosem"] if disable else []), *targets],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        results = json.loads(proc.stdout)["results"]
        # semgrep prefixes rule ids with the rule file's folder path; the ids have no dots.
        found[disable] = {
            (r["check_id"].rsplit(".", 1)[-1], r["path"], r["start"]["line"]) for r in results
        }
    return found


def _keys(findings: list[Finding] | tuple[Finding, ...]) -> set[Key]:
    return {(f.rule_id, f.path, f.line or 0) for f in findings}


def _find(verdict: Verdict, rule_id: str, path: str) -> Finding:
    matches = [f for f in verdict.findings if f.rule_id == rule_id and f.path == path]
    assert matches, f"no {rule_id} finding in {path}"
    return matches[0]


def _line_of(path: Path, text: str) -> int:
    """The number of the line that contains *text*; a trailing newline anchors the end."""
    for number, line in enumerate(path.read_text().splitlines(keepends=True), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy_project(tmp_path_factory.mktemp("semgrep"))


@pytest.fixture(scope="module")
def fake_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def result_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(scope="module")
def verdict(
    project: Path, fake_home: Path, result_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> Verdict:
    if SEMGREP is None:
        pytest.skip("semgrep is not installed")
    with pytest.MonkeyPatch.context() as mp:
        # A home folder to watch, and a variable that would add rules if it leaked through.
        mp.setenv("HOME", str(fake_home))
        mp.setenv("XDG_CACHE_HOME", str(result_cache))  # secgate's own result cache
        mp.setenv("SEMGREP_RULES", str(tmp_path_factory.mktemp("x") / "no-such-rules.yaml"))
        # The scanner's own findings, as semgrep reports them: without the adjust step's
        # merging of a pattern rule into the taint rule on the same sink (tests/test_evidence).
        mp.setenv("SECGATE_DISABLE_PLUGINS", "evidence")
        return secgate.check(project, config=Config(select=("semgrep",)))


@pytest.fixture(scope="module")
def collected_files(project: Path) -> list[str]:
    return list(collect_files(project, [project], Config()).files)


@pytest.fixture(scope="module")
def reference(
    project: Path, collected_files: list[str], tmp_path_factory: pytest.TempPathFactory
) -> dict[bool, set[Key]]:
    if SEMGREP is None:
        pytest.skip("semgrep is not installed")
    return _plain_semgrep(project, collected_files, tmp_path_factory.mktemp("plain-home"))


# --------------------------------------------------------------------------- the real CLI


@pytest.mark.slow
@needs_semgrep
def test_findings_match_semgrep_cli_given_the_same_files(
    verdict: Verdict, reference: dict[bool, set[Key]]
) -> None:
    assert reference[True], "the fixture should give findings"
    assert _keys(verdict.findings) == reference[True]


@pytest.mark.slow
@needs_semgrep
def test_unsuppressed_findings_match_semgrep_default_nosemgrep_handling(
    verdict: Verdict, reference: dict[bool, set[Key]]
) -> None:
    unsuppressed = [f for f in verdict.findings if f.suppressed_by != sg.NOSEMGREP]
    assert _keys(unsuppressed) == reference[False]
    assert reference[False] < reference[True]


@pytest.mark.slow
@needs_semgrep
def test_files_semgrep_would_skip_by_default_are_scanned(verdict: Verdict) -> None:
    paths = {f.path for f in verdict.findings}
    # tests/ is skipped by semgrep's defaults and listed in the fixture's .semgrepignore;
    # deploy/ is in .semgrepignore; the other two names break naive argument lists.
    assert {"tests/helpers.py", "deploy/release.sh", "-dash.py", "with space.py"} <= paths
    assert _find(verdict, "python-pickle-load", "tests/helpers.py").line == 6


@pytest.mark.slow
@needs_semgrep
def test_every_targeted_file_type_gives_findings(verdict: Verdict) -> None:
    by_path = {f.path for f in verdict.findings}
    assert {"app/views.py", "Dockerfile", ".github/workflows/ci.yml", ".gitlab-ci.yml"} <= by_path


@pytest.mark.slow
@needs_semgrep
def test_nosemgrep_findings_are_reported_as_suppressed(verdict: Verdict, project: Path) -> None:
    views = project / "app" / "views.py"
    suppressed = {
        (f.path, f.rule_id, f.line) for f in verdict.findings if f.suppressed_by == sg.NOSEMGREP
    }
    assert suppressed == {
        (
            "app/views.py",
            "python-eval-exec-injection",
            _line_of(views, "(expression)  # nosemgrep\n"),
        ),
        ("app/views.py", "python-os-command-injection", _line_of(views, 'os.system("rm -rf "')),
        ("with space.py", "python-eval-exec-injection", 6),
    }
    # A nosemgrep comment naming another rule does not hide this one.
    other = _line_of(views, "nosemgrep: python-os-command-injection\n")
    hit = [f for f in verdict.findings if f.path == "app/views.py" and f.line == other]
    assert hit and hit[0].suppressed_by is None and hit[0].blocking
    assert verdict.scanner("semgrep").details["suppressed_inline"] == 3


@pytest.mark.slow
@needs_semgrep
def test_findings_carry_mapped_severity_confidence_cwe_and_reference(verdict: Verdict) -> None:
    shell = _find(verdict, "python-subprocess-shell-injection", "app/views.py")
    assert (shell.severity, shell.confidence, shell.cwe) == (
        Severity.HIGH,
        Confidence.MEDIUM,
        (78,),
    )
    assert (
        shell.help_url
        == "https://docs.python.org/3/library/subprocess.html#security-considerations"
    )
    assert shell.column == 11 and shell.end_line == shell.line
    assert shell.message.startswith("subprocess runs a command built from a non-literal value")
    latest = _find(verdict, "dockerfile-latest-tag", "Dockerfile")
    assert (latest.severity, latest.confidence, latest.cwe) == (
        Severity.MEDIUM,
        Confidence.HIGH,
        (1357, 494),
    )
    xxe = [f for f in verdict.findings if f.rule_id.startswith("rules.")]
    assert not xxe, "rule ids must be the rules' own ids, without semgrep's path prefix"


@pytest.mark.slow
@needs_semgrep
def test_snippet_is_read_from_the_file_not_semgreps_login_placeholder(verdict: Verdict) -> None:
    shell = _find(verdict, "python-subprocess-shell-injection", "app/views.py")
    assert shell.snippet == '    out = subprocess.check_output("ping -c 1 " + host, shell=True)'
    assert all("requires login" not in (f.snippet or "") for f in verdict.findings)
    assert all(len(f.fingerprint) == 32 for f in verdict.findings)


@pytest.mark.slow
@needs_semgrep
def test_hardcoded_secret_finding_withholds_its_snippet(verdict: Verdict) -> None:
    secret = _find(verdict, "python-flask-hardcoded-secret-key", "app/views.py")
    assert secret.snippet is None
    assert secret.properties["snippet_withheld"] is True
    assert "fixture-only" not in secret.message


@pytest.mark.slow
@needs_semgrep
def test_unparsable_files_are_skipped_with_semgreps_reason_and_scan_goes_on(
    verdict: Verdict,
) -> None:
    result = verdict.scanner("semgrep")
    assert result.status is ScanStatus.OK
    skipped = {s.path: s.reason for s in result.coverage.skipped}
    assert sorted(skipped) == ["blob.py", "broken/syntax_error.py"]
    assert skipped["broken/syntax_error.py"].startswith("Syntax error at line")
    assert skipped["blob.py"].startswith("Syntax error at line blob.py:1: `\\x7fELF")
    assert {s.kind for s in result.coverage.skipped} == {GapKind.UNPARSABLE}
    # Every candidate was analysed except the two semgrep could not parse.
    assert result.coverage.files_scanned == result.details["candidates"] - 2
    assert verdict.status is VerdictStatus.FAIL


@pytest.mark.slow
@needs_semgrep
def test_only_candidate_files_reach_semgrep(verdict: Verdict, collected_files: list[str]) -> None:
    details = verdict.scanner("semgrep").details
    # README.md and .semgrepignore have no rule language; every other file does.
    assert details["candidates"] == len(collected_files) - 2
    assert details["semgrep_runs"] == 1
    assert details["rules"] >= 40
    assert verdict.scanner("semgrep").version == sg.package_version("semgrep")


@pytest.mark.slow
@needs_semgrep
def test_long_file_lists_are_split_under_the_argument_budget(
    project: Path, verdict: Verdict, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The machine's ARG_MAX is 2 MiB; lower the budget so that this small tree needs
    # several semgrep starts, as a huge tree would.
    def small_chunks(targets: list[str], budget: int) -> list[list[str]]:
        return _real_chunks(targets, min(budget, 150))

    monkeypatch.setattr(sg_process, "chunk_targets", small_chunks)
    split = secgate.check(project, config=Config(select=("semgrep",)))
    assert split.scanner("semgrep").details["semgrep_runs"] >= 2
    assert _keys(split.findings) == _keys(verdict.findings)
    assert {(f.rule_id, f.line, f.suppressed_by) for f in split.findings} == {
        (f.rule_id, f.line, f.suppressed_by) for f in verdict.findings
    }


@pytest.mark.slow
@needs_semgrep
def test_semgrep_never_writes_to_the_home_folder_nor_reads_semgrep_variables(
    verdict: Verdict, fake_home: Path
) -> None:
    # The scan ran with HOME=fake_home and SEMGREP_RULES naming a missing file.
    assert verdict.scanner("semgrep").status is ScanStatus.OK
    assert list(fake_home.iterdir()) == []


@pytest.mark.slow
@needs_semgrep
def test_cached_results_keep_nosemgrep_suppressions_and_skipped_files(
    project: Path, verdict: Verdict, result_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(result_cache))
    again = secgate.check(project, config=Config(select=("semgrep",)))
    result = again.scanner("semgrep")
    assert result.details["cache_misses"] == 0
    assert result.details["cache_hits"] == verdict.scanner("semgrep").details["candidates"]
    assert "semgrep_runs" not in result.details  # semgrep was not started
    assert {(f.rule_id, f.path, f.line, f.suppressed_by, f.blocking) for f in again.findings} == {
        (f.rule_id, f.path, f.line, f.suppressed_by, f.blocking) for f in verdict.findings
    }
    assert result.coverage == verdict.scanner("semgrep").coverage
