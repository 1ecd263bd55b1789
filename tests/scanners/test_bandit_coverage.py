"""What bandit looks at: no file silently skipped, tree settings that switch detection off
shown, newer syntax told from broken syntax, every gap with its kind, declared codings."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import secgate
from secgate.cli import main
from secgate.config import Config
from secgate.models import GapKind, VerdictStatus, classify_gap
from secgate.scanners.bandit import BanditScanner, unparsable_gap

#: Each line a B605 (os.system) with a value from the user.
SHELL = "import os\nos.system(input())\n"
NO_CACHE = Config(cache=False)


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def b605_paths(verdict: secgate.Verdict) -> set[str]:
    return {f.path for f in verdict.findings if f.rule_id == "B605"}


def check_json(root: Path, *extra: str) -> dict[str, Any]:
    out = io.StringIO()
    main(["check", str(root), "--scanner", "bandit", "--format", "json", *extra], stdout=out)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def bandit_result(data: dict[str, Any]) -> dict[str, Any]:
    scanners = data["scanners"]
    found: dict[str, Any] = next(s for s in scanners if s["name"] == "bandit")
    return found


# --------------------------------------------------------------------------- point 1


def test_files_bandits_default_excludes_match_as_substrings_are_scanned(tmp_path: Path) -> None:
    # bandit -r would drop both: "CVS" and ".git" are substring matches of its excludes.
    for rel in ("app/CVSReader.py", ".github/scripts/deploy.py", "tools/.hgrc_tool.py"):
        write(tmp_path, rel, SHELL)
    write(tmp_path, "app/main.py", "print('hello')\n")
    verdict = secgate.check(tmp_path, scanners=["bandit"], config=NO_CACHE)
    assert b605_paths(verdict) == {
        "app/CVSReader.py",
        ".github/scripts/deploy.py",
        "tools/.hgrc_tool.py",
    }
    result = verdict.scanner("bandit")
    assert result.coverage.files_scanned == 4
    assert result.coverage.skipped == ()
    assert verdict.status is VerdictStatus.FAIL


def test_the_cli_reports_the_findings_bandit_would_have_skipped(tmp_path: Path) -> None:
    write(tmp_path, "app/CVSReader.py", SHELL)
    write(tmp_path, ".github/scripts/deploy.py", SHELL)
    data = check_json(tmp_path, "--no-cache")
    assert data["status"] == "fail"
    found = {(f["rule_id"], f["path"]) for f in data["findings"]}
    assert found == {("B605", "app/CVSReader.py"), ("B605", ".github/scripts/deploy.py")}


def test_every_collected_python_file_is_scanned_or_listed(tmp_path: Path) -> None:
    # With [tool.bandit] present, bandit -r takes *.py only; secgate takes *.pyw too.
    write(tmp_path, "pyproject.toml", '[tool.bandit]\nskips = ["B101"]\n')
    write(tmp_path, "gui.pyw", SHELL)
    write(tmp_path, "CVS/old.py", SHELL)
    write(tmp_path, "bad.py", "def (:\n")
    verdict = secgate.check(tmp_path, scanners=["bandit"], config=NO_CACHE)
    result = verdict.scanner("bandit")
    assert b605_paths(verdict) == {"gui.pyw", "CVS/old.py"}
    assert result.coverage.files_scanned == 2
    assert [(s.path, s.kind) for s in result.coverage.skipped] == [("bad.py", GapKind.UNPARSABLE)]


# --------------------------------------------------------------------------- point 2


WEAKENING_TABLES = [
    (
        'exclude_dirs = ["/"]\n',
        "[tool.bandit] in pyproject.toml: exclude_dirs = ['/'] (not applied: secgate's own "
        "exclude settings decide which files bandit scans)",
    ),
    ('skips = ["B605"]\n', "[tool.bandit] in pyproject.toml: skips = ['B605']"),
    (
        'tests = ["B101"]\n',
        "[tool.bandit] in pyproject.toml: tests = ['B101'] (only these bandit tests run)",
    ),
    (
        "[tool.bandit.shell_injection]\nshell = []\n",
        "[tool.bandit] in pyproject.toml: shell_injection.shell = []",
    ),
    (
        'include = ["*.txt"]\n',
        "[tool.bandit] in pyproject.toml: include = ['*.txt'] (not applied: secgate's own "
        "exclude settings decide which files bandit scans)",
    ),
]


@pytest.mark.parametrize(("table", "line"), WEAKENING_TABLES)
def test_tree_settings_that_switch_detection_off_are_in_the_policy_summary(
    tmp_path: Path, table: str, line: str
) -> None:
    write(tmp_path, "pyproject.toml", "[tool.bandit]\n" + table)
    write(tmp_path, "app/run.py", SHELL)
    data = check_json(tmp_path, "--no-cache")
    assert f"bandit: {line}" in data["policy_summary"]
    assert line in bandit_result(data)["weakenings"]


def test_exclude_dirs_slash_does_not_hide_any_file(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.bandit]\nexclude_dirs = ["/", "app"]\n')
    write(tmp_path, "app/run.py", SHELL)
    verdict = secgate.check(tmp_path, scanners=["bandit"], config=NO_CACHE)
    assert b605_paths(verdict) == {"app/run.py"}
    assert verdict.status is VerdictStatus.FAIL
    assert verdict.scanner("bandit").coverage.files_scanned == 1


def test_plugin_settings_that_drop_defaults_are_each_listed(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        "[tool.bandit.shell_injection]\n"
        'subprocess = ["subprocess.Popen"]\n'
        "[tool.bandit.assert_used]\n"
        "[tool.bandit.try_except_pass]\n"
        "check_typed_exception = false\n",  # bandit's default: not listed
    )
    write(tmp_path, "app/run.py", SHELL)
    verdict = secgate.check(tmp_path, scanners=["bandit"], config=NO_CACHE)
    lines = verdict.scanner("bandit").weakenings
    label = "[tool.bandit] in pyproject.toml"
    assert lines[0] == f"{label}: assert_used = {{}} (every default setting of these tests dropped)"
    assert lines[1] == (
        f"{label}: shell_injection.no_shell not set (bandit's default list of 17 dropped)"
    )
    assert lines[2] == (
        f"{label}: shell_injection.shell not set (bandit's default list of 14 dropped)"
    )
    assert lines[3] == f"{label}: shell_injection.subprocess = ['subprocess.Popen']"
    assert len(lines) == 4
    # what the lines warn about is real: bandit's shell tests no longer see os.system
    assert b605_paths(verdict) == set()


def test_no_weakenings_without_tool_bandit_or_with_use_pyproject_off(tmp_path: Path) -> None:
    write(tmp_path, "app/run.py", SHELL)
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
    verdict = secgate.check(tmp_path, scanners=["bandit"], config=NO_CACHE)
    assert verdict.scanner("bandit").weakenings == ()
    assert verdict.policy_summary == ()
    write(tmp_path, "pyproject.toml", '[tool.bandit]\nskips = ["B605"]\n')
    ignored = secgate.check(
        tmp_path,
        scanners=["bandit"],
        config=NO_CACHE,
        overrides={"scanners": {"bandit": {"use-pyproject": False}}},
    )
    assert ignored.scanner("bandit").weakenings == ()
    assert b605_paths(ignored) == {"app/run.py"}


def test_a_bandit_ini_or_yaml_file_in_the_tree_is_not_read(tmp_path: Path) -> None:
    # `bandit -r .` reads ./.bandit itself; secgate reads [tool.bandit] only.
    write(tmp_path, ".bandit", "[bandit]\nskips = B605\nexclude = app\n")
    write(tmp_path, "bandit.yaml", "skips: ['B605']\n")
    write(tmp_path, "app/run.py", SHELL)
    verdict = secgate.check(tmp_path, scanners=["bandit"], config=NO_CACHE)
    assert b605_paths(verdict) == {"app/run.py"}
    assert verdict.scanner("bandit").weakenings == ()


def test_scan_of_no_files_still_reports_the_weakenings(tmp_path: Path) -> None:
    # A result cache that answers every file can still ask for the tree's settings.
    from secgate.plugins import ScanContext  # noqa: PLC0415
    from secgate.scanners.bandit import BanditOptions  # noqa: PLC0415

    write(tmp_path, "pyproject.toml", '[tool.bandit]\nskips = ["B605"]\n')
    context = ScanContext(root=tmp_path, files=(), options=BanditOptions(), config=NO_CACHE)
    output = BanditScanner().scan(context)
    assert output.files_scanned == 0
    assert output.weakenings == ["[tool.bandit] in pyproject.toml: skips = ['B605']"]


def test_weakenings_survive_the_result_cache(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.bandit]\nskips = ["B605"]\n')
    write(tmp_path, "app/run.py", SHELL)
    line = "bandit: [tool.bandit] in pyproject.toml: skips = ['B605']"
    assert line in check_json(tmp_path)["policy_summary"]  # cache miss
    again = check_json(tmp_path)
    assert bandit_result(again)["details"]["cache_hits"] == 1  # every file from the cache
    assert line in again["policy_summary"]


# --------------------------------------------------------------------------- point 3


NEWER = {
    "fstring_nested_quotes.py": 'd = {"k": 1}\nx = f"{d["k"]}"\n',
    "fstring_backslash.py": "a = ['x']\nx = f\"{'\\n'.join(a)}\"\n",
    "type_alias.py": "type Vector = list[float]\n",
    "generic_def.py": "def first[T](xs: list[T]) -> T:\n    return xs[0]\n",
    "generic_class.py": "class Box[T]:\n    item: T\n",
}


def test_newer_syntax_is_a_newer_python_gap_and_a_real_error_stays_unparsable(
    tmp_path: Path,
) -> None:
    if sys.version_info >= (3, 12):
        pytest.skip("this Python parses 3.12 syntax")
    for name, text in NEWER.items():
        write(tmp_path, name, text)
    write(tmp_path, "typo.py", "def f(:\n    pass\n")
    write(tmp_path, "fstring_typo.py", 'x = f"{d["k"] +}"\n')
    write(tmp_path, "ok.py", SHELL)
    verdict = secgate.check(tmp_path, scanners=["bandit"], config=NO_CACHE)
    result = verdict.scanner("bandit")
    gaps = {s.path: s for s in result.coverage.skipped}
    for name in NEWER:
        assert gaps[name].kind is GapKind.NEWER_PYTHON, name
        assert "run secgate on a newer Python" in gaps[name].reason
        assert "this Python 3.11 cannot parse" in gaps[name].reason
    assert gaps["fstring_nested_quotes.py"].reason == (
        "line 2: uses Python 3.12+ syntax (PEP 701 f-string) this Python 3.11 cannot "
        "parse: run secgate on a newer Python"
    )
    assert "PEP 695 type alias" in gaps["type_alias.py"].reason
    assert gaps["typo.py"].kind is GapKind.UNPARSABLE
    assert gaps["typo.py"].reason.startswith("syntax error while parsing AST from file: line 1")
    assert gaps["fstring_typo.py"].kind is GapKind.UNPARSABLE
    assert result.coverage.files_scanned == 1
    # The kind survives a result cache, which keeps reasons only.
    for gap in result.coverage.skipped:
        assert classify_gap(gap.reason) is gap.kind, gap.path


def test_newer_python_gaps_show_in_the_json_report(tmp_path: Path) -> None:
    if sys.version_info >= (3, 12):
        pytest.skip("this Python parses 3.12 syntax")
    write(tmp_path, "new.py", NEWER["type_alias.py"])
    write(tmp_path, "ok.py", SHELL)
    data = check_json(tmp_path, "--no-cache")
    skipped = bandit_result(data)["coverage"]["skipped"]
    assert [(s["path"], s["kind"]) for s in skipped] == [("new.py", "newer-python")]


# --------------------------------------------------------------------------- point 4


def test_every_gap_bandit_makes_names_its_kind(tmp_path: Path) -> None:
    write(tmp_path, "binary.py", b"x = 1\x00\n")
    write(tmp_path, "latin1.py", "s = 'caf\u00e9'\n".encode("latin-1"))
    write(tmp_path, "bogus_coding.py", b"# coding: no-such-codec\nx = 1\n")
    write(tmp_path, "typo.py", "def f(:\n")
    write(tmp_path, "ok.py", SHELL)
    write(tmp_path, "ok2.py", SHELL)
    write(tmp_path, "ok3.py", SHELL)
    write(tmp_path, "ok4.py", SHELL)
    verdict = secgate.check(tmp_path, scanners=["bandit"], config=NO_CACHE)
    kinds = {s.path: s.kind for s in verdict.scanner("bandit").coverage.skipped}
    assert kinds == {
        "binary.py": GapKind.BINARY,
        "latin1.py": GapKind.ENCODING,
        "bogus_coding.py": GapKind.ENCODING,
        "typo.py": GapKind.UNPARSABLE,
    }
    for gap in verdict.scanner("bandit").coverage.skipped:
        assert classify_gap(gap.reason) is gap.kind, gap.reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_file_that_cannot_be_read_is_a_gap_of_its_kind(tmp_path: Path) -> None:
    from secgate.plugins import ScanContext  # noqa: PLC0415
    from secgate.scanners.bandit import BanditOptions  # noqa: PLC0415

    write(tmp_path, "ok.py", SHELL)
    os.mkfifo(tmp_path / "pipe.py")
    context = ScanContext(
        root=tmp_path,
        files=("gone.py", "ok.py", "pipe.py"),  # gone.py vanished after collection
        options=BanditOptions(),
        config=NO_CACHE,
    )
    output = BanditScanner().scan(context)
    assert {s.path: s.kind for s in output.skipped} == {
        "gone.py": GapKind.VANISHED,
        "pipe.py": GapKind.NOT_REGULAR,
    }
    assert output.files_scanned == 1


def test_unparsable_gap_kinds() -> None:
    assert unparsable_gap(b"x = 1\n") is None
    assert unparsable_gap(b"\x00") == (
        GapKind.BINARY,
        "binary content (null bytes), not Python source",
    )
    gap = unparsable_gap(b"print 'x'\n")
    assert gap is not None
    assert gap[0] is GapKind.UNPARSABLE
    assert gap[1].endswith("(Python 2 code?)")


# --------------------------------------------------------------------------- point 5


def _utf7_block(text: str) -> str:
    """*text* as one utf-7 base64 block (Python's codec writes letters as themselves)."""
    encoded = base64.b64encode(text.encode("utf-16-be")).decode("ascii").rstrip("=")
    block = f"+{encoded}-"
    assert block.encode("ascii").decode("utf-7") == text
    return block


def _utf7(text: str, *hidden: str) -> bytes:
    """*text* with each *hidden* piece spelled in base64, so its letters are not in the bytes."""
    for piece in hidden:
        text = text.replace(piece, _utf7_block(piece))
    return text.encode("ascii")


def test_code_hidden_in_a_utf7_file_is_found(tmp_path: Path) -> None:
    data = _utf7("# coding: utf-7\nimport os\nos.system(input())\n", "os.system(input())")
    assert b"system" not in data
    write(tmp_path, "hidden.py", data)
    verdict = secgate.check(tmp_path, scanners=["bandit"], config=NO_CACHE)
    found = [f for f in verdict.findings if f.rule_id == "B605"]
    assert [(f.path, f.line) for f in found] == [("hidden.py", 3)]
    # the snippet is the code Python runs, not its utf-7 spelling
    assert found[0].snippet == "os.system(input())"
    assert verdict.status is VerdictStatus.FAIL


def test_a_nosec_hidden_in_utf7_is_bandits_decision_as_for_any_file(tmp_path: Path) -> None:
    data = _utf7(
        "# coding: utf-7\nimport os\nos.system(input())  # nosec\n", "os.system", "# nosec"
    )
    assert b"nosec" not in data
    write(tmp_path, "hidden.py", data)
    verdict = secgate.check(tmp_path, scanners=["bandit"], config=NO_CACHE)
    found = [f for f in verdict.findings if f.rule_id == "B605"]
    assert len(found) == 1
    # bandit drops it (`bandit -r` does too); secgate keeps it, marked, as for any nosec
    assert found[0].suppressed_by == "inline:nosec"
    proc = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-f", "json", "hidden.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(proc.stdout)["results"] == []
