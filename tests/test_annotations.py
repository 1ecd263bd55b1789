"""GitHub annotations and the job summary: well formed against a hostile tree, capped, bounded.

One real scan (bandit) of a git repository whose file names hold ``%0A``, ``::``, commas,
colons, ``%`` and a real newline; its JSON report is then re-judged with ``secgate
evaluate`` (no scan) to try each switch: on by default under ``GITHUB_ACTIONS=true``, off
elsewhere and with ``--no-annotations``, on stderr when stdout carries a JSON report.
Hostile messages and rule ids, and the caps, use synthetic verdicts made of the real
models. Every line is read back with the runner's own parsing rules (:func:`parse`).
"""

from __future__ import annotations

import io
import json
import random
import string
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from secgate.cli import main
from secgate.escape import escape_text
from secgate.models import Finding, Severity, Verdict, VerdictStatus
from secgate.reports import summary
from secgate.reports.annotations import (
    MAX_PER_KIND,
    escape_data,
    escape_property,
    workflow_commands,
)
from secgate.reports.markdown import MARKER
from tests.conftest import CliResult, write

#: File names a hostile repository can commit (Linux takes all of them).
HOSTILE_NAMES = {
    "x%0A::add-mask::y,title=z:w.py": "import subprocess\nsubprocess.call(cmd, shell=True)\n",
    "evil\n::error file=pwn.py::forged.py": "import subprocess\nsubprocess.call(c, shell=True)\n",
    "dir,a:b/%25 %0D.py": "result = eval(data)\n",
}
PROPERTIES = {"file", "line", "endLine", "title"}


# --- the runner's side ------------------------------------------------------------------


def _unescape_property(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ",")):
        text = text.replace(code, char)
    return text.replace("%25", "%")


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command as the Actions runner reads it: command, properties, message.

    The runner takes the text between the leading ``::`` and the next ``::`` as the
    command and its properties (split at the first space, then at commas, then at the
    first ``=``); the rest of the line is the message.
    """
    assert line.startswith("::"), line
    end = line.index("::", 2)
    head, data = line[2:end], line[end + 2 :]
    kind, _, props = head.partition(" ")
    properties: dict[str, str] = {}
    for pair in filter(None, props.split(",")):
        key, sep, value = pair.partition("=")
        assert sep, f"a property without '=': {pair!r} in {line!r}"
        assert key not in properties, f"property {key} twice in {line!r}"
        properties[key] = _unescape_property(value)
    return kind, properties, _unescape_data(data)


def assert_well_formed(lines: list[str]) -> list[tuple[str, dict[str, str], str]]:
    parsed = []
    for line in lines:
        assert "\n" not in line and "\r" not in line
        kind, properties, message = parse(line)
        assert kind in {"error", "warning", "notice"}, line
        assert set(properties) <= PROPERTIES, line
        assert properties.get("title", "").startswith("secgate"), line
        for key in ("line", "endLine"):
            assert properties.get(key, "1").isdigit(), line
        parsed.append((kind, properties, message))
    return parsed


def commands_in(text: str) -> list[str]:
    """Every line the runner would take for a command (``::`` after leading blanks)."""
    return [line for line in text.splitlines() if line.lstrip().startswith("::")]


# --- a real scan of a hostile tree ------------------------------------------------------


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _cli(*args: str) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err)
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, CliResult, Path]]:
    """A git repository with the hostile names, scanned once (under GITHUB_ACTIONS=true).

    The scanned folder is ``app/`` inside the repository, so the annotations' paths must
    start with ``app/`` (GitHub resolves them from the repository root).
    """
    repo = tmp_path_factory.mktemp("hostile-repo")
    write(repo / "app", {**HOSTILE_NAMES, "ok.py": "x = 1\n"})
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "hostile names")
    saved = repo.parent / "hostile-report.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GITHUB_ACTIONS", "true")
        mp.delenv("GITHUB_STEP_SUMMARY", raising=False)
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        result = _cli(
            "check",
            str(repo / "app"),
            "--scanner",
            "bandit",
            "--fail-on",
            "high",
            "--report",
            f"json={saved}",
        )
    yield repo, result, saved


def test_a_real_scan_of_hostile_names_gives_well_formed_annotations(
    hostile: tuple[Path, CliResult, Path],
) -> None:
    _, result, _ = hostile
    assert result.code == 1, result.out + result.err
    lines = commands_in(result.out)
    parsed = assert_well_formed(lines)
    # Nothing else on stdout reads as a command: the text report escaped the names.
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    kinds: dict[str, set[str]] = {}
    for kind, props, _ in parsed:
        kinds.setdefault(props["file"], set()).add(kind)
    # A printable hostile name comes back exactly; the newline one shows as an escape.
    assert "error" in kinds["app/x%0A::add-mask::y,title=z:w.py"]
    assert "error" in kinds["app/" + escape_text("evil\n::error file=pwn.py::forged.py")]
    # B307 eval is medium: below --fail-on high, still reported: a warning
    assert kinds["app/dir,a:b/%25 %0D.py"] == {"warning"}
    (props,) = [p for _, p, _ in parsed if p["file"] == "app/dir,a:b/%25 %0D.py"]
    assert props["line"] == props["endLine"] == "1"
    assert "not blocking: below-threshold" in props["title"]
    assert not any(props["file"].endswith("ok.py") for _, props, _ in parsed)
    assert not any(line.startswith(("::add-mask", "::stop-commands")) for line in lines)


def _evaluate(saved: Path, *args: str) -> CliResult:
    return _cli("evaluate", str(saved), "--fail-on", "high", *args)


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({"GITHUB_ACTIONS": "true"}, (), True),
        ({}, (), False),
        ({"GITHUB_ACTIONS": "false"}, (), False),
        ({"GITHUB_ACTIONS": "true"}, ("--no-annotations",), False),
        ({}, ("--annotations", "github"), True),
        ({"GITHUB_ACTIONS": "true"}, ("--quiet",), True),
    ],
)
def test_annotations_default_on_under_github_actions_only(
    hostile: tuple[Path, CliResult, Path],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: tuple[str, ...],
    expected: bool,
) -> None:
    _, _, saved = hostile
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = _evaluate(saved, *args)
    assert result.code == 1
    lines = commands_in(result.out)
    assert bool(lines) is expected, result.out
    if expected:
        assert_well_formed(lines)
    else:  # stdout is the plain report, byte for byte what it was before annotations
        monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
        assert result.out == _evaluate(saved, *args).out


def test_annotations_go_to_stderr_when_stdout_is_a_json_report(
    hostile: tuple[Path, CliResult, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, _, saved = hostile
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = _evaluate(saved, "--format", "json")
    report = json.loads(result.out)  # stdout is the JSON report and nothing else
    assert report["status"] == "fail"
    errors = commands_in(capsys.readouterr().err)
    blocking = [f for f in report["findings"] if f["blocking"]]
    assert len([line for line in errors if line.startswith("::error ")]) == len(blocking)
    assert_well_formed(errors)


def test_a_shard_run_annotates_only_when_asked(
    hostile: tuple[Path, CliResult, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each shard of a matrix would annotate its files and the merge again: the merge does."""
    repo, _, _ = hostile
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    summary_file = repo.parent / "shard-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    scan = ("check", str(repo / "app"), "--scanner", "bandit", "--shard", "1/1")
    assert not commands_in(_cli(*scan).out)
    assert not summary_file.exists()
    assert commands_in(_cli(*scan, "--annotations", "github").out)


# --- hostile text, synthetic ------------------------------------------------------------


def _verdict(root: Path, findings: list[Finding]) -> Verdict:
    return Verdict(
        tool_version="0.0.0",
        status=VerdictStatus.FAIL if any(f.blocking for f in findings) else VerdictStatus.PASS,
        reasons=("test",),
        decided_by="test",
        root=str(root),
        findings=tuple(findings),
    )


def _finding(severity: str, n: int = 0, **extra: object) -> Finding:
    values: dict[str, object] = {
        "scanner": "bandit",
        "rule_id": f"B{n:03d}",
        "severity": severity,
        "message": f"finding {n}",
        "path": f"f{n:03d}.py",
        "line": n + 1,
        "blocking": True,
    }
    values.update(extra)
    return Finding.model_validate(values)


BREAKOUTS = [
    "a\n::add-mask::tok",
    "b\r::stop-commands::x",
    "c%0A::error::forged",
    "d%0D%0A::warning::x",
    "e,title=forged,line=9",
    "f:g::h",
    "i\u2028::error::j",
    "k\x85::error::l",
    "%25%3A%2C",
]


def test_hostile_messages_rule_ids_and_paths_cannot_break_out(tmp_path: Path) -> None:
    findings = [
        _finding(
            "critical",
            n,
            message=text,
            rule_id=text,
            scanner=text,
            path=f"p/{text}.py",
            help_text=text,
            end_line=n + 3,
        )
        for n, text in enumerate(BREAKOUTS)
    ]
    lines = workflow_commands(_verdict(tmp_path, findings))
    assert len(lines) == len(BREAKOUTS)
    text = "".join(line + "\n" for line in lines)
    assert len(text.splitlines()) == len(lines)  # no line separator of any kind inside
    for kind, props, message in assert_well_formed(lines):
        hostile = BREAKOUTS[int(props["line"]) - 1]
        # A path shows its line breaks as escapes; text is put on one line (white space,
        # line separators included, made one space), other controls shown as escapes.
        shown = escape_text(" ".join(hostile.split()))
        assert kind == "error"
        assert props["file"] == f"p/{escape_text(hostile)}.py"
        assert shown in props["title"]
        assert message == f"{shown}\n\nFix: {shown}"
        assert int(props["endLine"]) == int(props["line"]) + 2


def test_github_escaping_of_data_and_properties() -> None:
    assert escape_data("50% a\r\nb: c, d") == "50%25 a%0D%0Ab: c, d"
    assert escape_property("50% a\r\nb: c, d") == "50%25 a%0D%0Ab%3A c%2C d"
    assert escape_property("%0A") == "%250A"  # not read back as a newline


def test_no_secret_value_reaches_an_annotation(tmp_path: Path) -> None:
    token = "ghp_" + "Z" * 36
    finding = _finding(
        "high",
        1,
        scanner="secrets",
        message="github-pat-classic: a GitHub token (ghp_…ZZZZ)",
        snippet=f'TOKEN = "{token}"',
        properties={"preview": token},
    )
    text = "\n".join(workflow_commands(_verdict(tmp_path, [finding])))
    assert token not in text and "ghp_…ZZZZ" in text


# --- which findings, how many, in what order --------------------------------------------


def test_at_most_50_of_each_kind_the_most_severe_first(tmp_path: Path) -> None:
    order = ["low", "critical", "medium", "high"]
    blocking = [_finding(order[n % 4], n) for n in range(60)]
    warnings = [
        _finding(order[n % 4], 100 + n, blocking=False, suppressed_by="below-threshold")
        for n in range(55)
    ]
    lines = workflow_commands(_verdict(tmp_path, blocking + warnings))
    parsed = assert_well_formed(lines)
    errors = [p for p in parsed if p[0] == "error"]
    warns = [p for p in parsed if p[0] == "warning"]
    assert len(errors) == len(warns) == MAX_PER_KIND
    rank = {s.value: s.rank for s in Severity}

    def severities(items: list[tuple[str, dict[str, str], str]]) -> list[int]:
        return [
            rank[props["title"].split("(")[1].split(",")[0].rstrip(")")] for _, props, _ in items
        ]

    for items in (errors, warns):
        seen = severities(items)
        assert seen == sorted(seen, reverse=True)
    # 15 blocking of each severity: the 50 shown are every critical, high and medium and
    # 5 lows; the warnings are 14 critical, 13 high, 14 medium, 14 low: 9 lows are shown.
    assert severities(errors).count(rank["low"]) == 5
    assert severities(warns).count(rank["low"]) == 9
    (notice,) = [p for p in parsed if p[0] == "notice"]
    assert notice[2].startswith("10 blocking findings and 5 warnings not annotated")
    assert lines[-1].startswith("::notice ")


def test_no_notice_when_nothing_is_left_out(tmp_path: Path) -> None:
    lines = workflow_commands(_verdict(tmp_path, [_finding("high", n) for n in range(50)]))
    assert len(lines) == 50 and not any(line.startswith("::notice") for line in lines)


def test_warnings_only_for_reported_findings_at_or_above_low(tmp_path: Path) -> None:
    def quiet(n: int, severity: str, reason: str | None) -> Finding:
        return _finding(severity, n, blocking=False, suppressed_by=reason)

    reasons: list[tuple[str, str | None, bool]] = [
        ("medium", "below-threshold", True),
        ("low", "preexisting", True),
        ("high", "newly-disclosed", True),
        ("high", "unconfirmed", True),
        ("info", "below-threshold", False),
        ("high", "inline", False),
        ("high", "baseline", False),
        ("high", "waiver:W-1", False),
        ("high", "path-policy:tests", False),
        ("high", "duplicate", False),
        ("high", "disproved", False),
    ]
    findings = [quiet(n, sev, why) for n, (sev, why, _) in enumerate(reasons)]
    warned = {
        props["file"]
        for _, props, _ in assert_well_formed(workflow_commands(_verdict(tmp_path, findings)))
    }
    assert warned == {f.path for f, (_, _, w) in zip(findings, reasons, strict=True) if w}


def test_an_error_verdict_gets_one_error_without_a_file(tmp_path: Path) -> None:
    verdict = Verdict(
        tool_version="0.0.0",
        status=VerdictStatus.ERROR,
        reasons=("semgrep crashed:\n::add-mask::x",),
        decided_by="error",
        root=str(tmp_path),
    )
    ((kind, props, message),) = assert_well_formed(workflow_commands(verdict))
    assert kind == "error" and "file" not in props
    assert message == "semgrep crashed: ::add-mask::x"


# --- the job summary --------------------------------------------------------------------


def test_job_summary_is_appended_after_what_the_step_wrote(
    hostile: tuple[Path, CliResult, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _, _, saved = hostile
    target = tmp_path / "step-summary.md"
    target.write_text("# an earlier command's summary\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert _evaluate(saved).code == 1
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# an earlier command's summary\n\n" + MARKER)
    assert "## secgate: FAIL" in text
    assert not commands_in(text)
    assert _evaluate(saved, "--no-job-summary").code == 1
    assert target.read_text(encoding="utf-8") == text


def test_job_summary_stays_within_githubs_limit_cut_at_a_line(
    hostile: tuple[Path, CliResult, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The step already wrote all but 600 bytes of its 1 MiB: the report is cut."""
    _, _, saved = hostile
    target = tmp_path / "step-summary.md"
    earlier = ("x" * 99 + "\n") * ((summary.MAX_BYTES - 600) // 100)
    target.write_text(earlier, encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    sarif = tmp_path / "secgate.sarif"
    assert _evaluate(saved, "--report", f"sarif={sarif}").code == 1
    data = target.read_bytes()
    assert len(data) <= summary.MAX_BYTES
    lines = data[len(earlier) :].decode("utf-8").splitlines()
    # a blank line after the step's text, whole lines of the report from its top, a blank
    # line, the pointer naming the report file
    assert lines[0] == "" and lines[-2] == ""
    body, pointer = lines[1:-2], lines[-1]
    full = _evaluate(saved, "--format", "markdown", "--no-job-summary").out.splitlines()
    assert body and len(body) < len(full) and full[: len(body)] == body
    assert "1024 KiB step-summary limit" in pointer and str(sarif) in pointer


def test_bounded_cuts_at_a_line_and_counts_bytes() -> None:
    text = "".join(f"line {n} é\n" for n in range(100))
    cut = summary.bounded(text, 400, [])
    assert len(cut.encode("utf-8")) <= 400
    lines = cut.splitlines()
    assert lines[-2] == "" and summary.ARTIFACTS in lines[-1]
    assert text.startswith("\n".join(lines[:-2]) + "\n") and len(lines) > 3
    assert summary.bounded(text, 10_000, []) == text
    assert summary.bounded(text, 20, []) == ""


def test_an_unwritable_summary_warns_and_keeps_the_verdict(
    hostile: tuple[Path, CliResult, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _, _, saved = hostile
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a folder: open() fails
    result = _evaluate(saved)
    assert result.code == 1
    err = capsys.readouterr().err
    assert "secgate: warning: could not write the job summary" in err


def test_a_run_that_cannot_start_annotates_and_summarises_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    target = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    project = tmp_path / "project"
    project.mkdir()
    missing = tmp_path / "missing,config:%0A.toml"
    result = _cli("check", str(project), "--config", str(missing))
    assert result.code == 2
    assert "secgate: error:" in result.err
    ((kind, props, message),) = assert_well_formed(commands_in(result.out))
    assert kind == "error" and "file" not in props
    assert message.startswith("secgate could not run:") and str(missing) in message
    assert "## secgate: ERROR" in target.read_text(encoding="utf-8")


def test_a_staged_run_annotates_its_files_but_writes_no_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pre-commit may call ``check --staged`` once per batch of files: one summary each."""
    rng = random.Random(17)  # noqa: S311 - a test value, not a secret
    alphabet = string.ascii_letters + string.digits
    token = (
        "github_pat_"
        + "".join(rng.choice(alphabet) for _ in range(22))
        + "_"
        + "".join(rng.choice(alphabet) for _ in range(59))
    )
    write(tmp_path / "repo", {"settings.py": f'TOKEN = "{token}"\n'})
    _git(tmp_path / "repo", "init", "-q")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    monkeypatch.chdir(tmp_path / "repo")
    result = _cli("check", "--staged", "--scanner", "secrets", "settings.py")
    assert result.code == 1, result.out + result.err
    ((kind, props, _),) = assert_well_formed(commands_in(result.out))
    assert kind == "error" and props["file"] == "settings.py" and props["line"] == "1"
    assert token not in result.out
    assert not (tmp_path / "summary.md").exists()
