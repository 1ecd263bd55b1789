"""Error messages a user can act on: one line, what is wrong and how to fix it (issue 15)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import secgate
from secgate.errors import ConfigError, UsageError
from tests.conftest import run_cli, write


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text and "pydantic" not in text and "http" not in text
    return lines[0]


def test_jobs_zero_names_the_option(project: Path) -> None:
    write(project, {"a.py": "x = 1\n"})
    result = run_cli("check", str(project), "--scanner", "secrets", "--jobs", "0")
    assert result.code == 2
    line = _one_line(result.err)
    assert "jobs (--jobs): 0 is not a number of worker processes" in line


def test_a_misspelt_severity_from_the_api_names_the_choices(project: Path) -> None:
    write(project, {"a.py": "x = 1\n"})
    with pytest.raises(UsageError) as caught:
        secgate.check(project, fail_on="hihg", scanners=["secrets"])
    message = _one_line(str(caught.value))
    assert message == (
        "fail_on (--fail-on): 'hihg' is not a severity (one of: info, low, medium, high, critical)"
    )


def test_a_waiver_missing_keys_names_every_missing_key(project: Path) -> None:
    write(project, {"secgate.toml": '[[waivers]]\nrule = "B101"\n', "a.py": "x = 1\n"})
    result = run_cli("check", str(project), "--scanner", "secrets")
    assert result.code == 2
    assert _one_line(result.err).endswith("waivers[0]: missing required keys id, reason, expires")
    write(project, {"secgate.toml": '[[waivers]]\nid = "w"\nrule = "B1"\nreason = "ok ok"\n'})
    result = run_cli("check", str(project), "--scanner", "secrets")
    assert _one_line(result.err).endswith("waivers[0].expires: missing required key")


def test_a_bad_timeout_shows_the_value_once(project: Path) -> None:
    write(project, {"secgate.toml": 'timeout = "10 minutes"\n', "a.py": "x = 1\n"})
    result = run_cli("check", str(project), "--scanner", "secrets")
    line = _one_line(result.err)
    assert line.count("'10 minutes'") == 1
    assert "such as 600, '90s', '10m'" in line


def test_a_secgate_toml_wrapping_its_keys_in_tool_secgate_says_so(project: Path) -> None:
    write(project, {"secgate.toml": '[tool.secgate]\nfail-on = "low"\n', "a.py": "x = 1\n"})
    with pytest.raises(ConfigError, match=r"takes the same keys at its top level"):
        secgate.check(project, scanners=["secrets"])


@pytest.mark.parametrize("table", ["secgat", "secgates", "segate", "SecGate"])
def test_a_near_miss_tool_table_is_a_warning(project: Path, table: str) -> None:
    write(project, {"pyproject.toml": f'[tool.{table}]\nfail-on = "low"\n', "a.py": "x = 1\n"})
    verdict = secgate.check(project, scanners=["secrets"])
    assert any(f"[tool.{table}] is not read (did you mean [tool.secgate]?)" in w
               for w in verdict.warnings)  # fmt: skip


def test_an_unrelated_tool_table_is_not_flagged(project: Path) -> None:
    write(project, {"pyproject.toml": "[tool.ruff]\nline-length = 100\n", "a.py": "x = 1\n"})
    assert secgate.check(project, scanners=["secrets"]).warnings == ()


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


def test_new_since_in_a_shallow_clone_says_how_to_fetch(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    _git(origin, "init", "-q", "-b", "main")
    for n in range(3):
        write(origin, {"a.py": f"x = {n}\n"})
        _git(origin, "add", "-A")
        _git(origin, "commit", "-q", "-m", f"c{n}")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    result = run_cli("check", str(clone), "--scanner", "secrets", "--new-since", "HEAD~2")
    assert result.code == 2
    line = _one_line(result.err)
    assert "--new-since HEAD~2: no such commit here; this is a shallow clone" in line
    assert "fetch-depth: 0" in line


def test_new_since_a_remote_branch_not_fetched_names_the_fetch(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    write(repo, {"a.py": "x = 1\n"})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "c")
    result = run_cli("check", str(repo), "--scanner", "secrets", "--new-since", "origin/main")
    assert "fetch it first (git fetch origin main)" in _one_line(result.err)
