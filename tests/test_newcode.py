"""--new-since REF: only what the change introduced blocks."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from secgate.models import Finding, PackageInfo, Severity
from secgate.newcode import NEWLY_DISCLOSED, PREEXISTING, Previous
from tests.conftest import run_cli, write


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(project: Path) -> Path:
    git(project, "init", "-q", "-b", "main")
    write(
        project,
        {
            "app.py": "old()  # FAKE-ISSUE(high)\n",
            "lib.py": "x = 1\n",
            "same.py": "kept()  # FAKE-ISSUE(high)\n",
        },
    )
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "first")
    return project


def _report(root: Path, *args: str) -> tuple[int, dict[str, object]]:
    result = run_cli("check", str(root), "--scanner", "fake-marker", "--format", "json", *args)
    assert result.out.startswith("{"), result.err
    return result.code, json.loads(result.out)


def test_only_the_finding_added_in_the_second_commit_blocks(fake_plugin: Path, repo: Path) -> None:
    write(
        repo,
        {
            "lib.py": "x = 1\nnew()  # FAKE-ISSUE(high)\n",
            "app.py": "import os\nold()  # FAKE-ISSUE(high)\n",
        },
    )  # shifted, not new
    git(repo, "commit", "-q", "-am", "second")
    code, report = _report(repo, "--new-since", "HEAD~1")
    assert code == 1
    states = {
        (f["path"], f["line"]): (f["blocking"], f["suppressed_by"]) for f in report["findings"]
    }
    assert states == {
        ("app.py", 2): (False, "preexisting"),
        ("lib.py", 2): (True, None),
        ("same.py", 1): (False, "preexisting"),
    }
    assert report["new_since"] == "HEAD~1"
    assert report["reasons"][0].startswith("1 blocking new finding")
    # Without --new-since every finding at or above the threshold blocks.
    assert sum(f["blocking"] for f in _report(repo)[1]["findings"]) == 3
    # The temporary worktree is gone.
    assert "secgate-new-since" not in git(repo, "worktree", "list")


def test_uncommitted_and_untracked_changes_count_as_new(fake_plugin: Path, repo: Path) -> None:
    write(repo, {"untracked.py": "u()  # FAKE-ISSUE(high)\n"})
    code, report = _report(repo, "--new-since", "HEAD")
    assert code == 1
    assert [f["path"] for f in report["findings"] if f["blocking"]] == ["untracked.py"]


def test_a_copy_of_an_old_line_in_a_changed_file_is_new(fake_plugin: Path, repo: Path) -> None:
    write(repo, {"app.py": "old()  # FAKE-ISSUE(high)\nold()  # FAKE-ISSUE(high)\n"})
    code, report = _report(repo, "--new-since", "HEAD")
    assert code == 1
    assert [(f["line"], f["blocking"]) for f in report["findings"] if f["path"] == "app.py"] == [
        (1, False),
        (2, True),
    ]


def test_scanning_a_subfolder_keeps_paths_aligned(fake_plugin: Path, repo: Path) -> None:
    write(repo, {"pyproject.toml": "[tool.secgate]\n", "pkg/mod.py": "m()  # FAKE-ISSUE(high)\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pkg")
    write(repo, {"pkg/mod.py": "m()  # FAKE-ISSUE(high)\nn()  # FAKE-ISSUE(high)\n"})
    code, report = _report(repo / "pkg", "--new-since", "HEAD")
    assert code == 1
    assert [(f["path"], f["line"], f["blocking"]) for f in report["findings"]] == [
        ("pkg/mod.py", 1, False),
        ("pkg/mod.py", 2, True),
    ]


def test_unknown_ref_and_non_repository_are_usage_errors(
    fake_plugin: Path, repo: Path, tmp_path: Path
) -> None:
    result = run_cli("check", str(repo), "--scanner", "fake-marker", "--new-since", "nope")
    assert result.code == 2
    assert "--new-since nope: no such commit here; check the name" in result.err
    plain = tmp_path / "plain"
    plain.mkdir()
    result = run_cli("check", str(plain), "--scanner", "fake-marker", "--new-since", "HEAD")
    assert result.code == 2 and result.err.startswith("secgate: error: git")


def _dep_finding(version: str, advisory: str, published: str | None) -> Finding:
    return Finding(
        scanner="pip-audit",
        rule_id=advisory,
        severity=Severity.HIGH,
        message="vulnerable",
        path="requirements.txt",
        line=3,
        fingerprint=advisory,
        package=PackageInfo(name="Django", version=version, advisory_id=advisory),
        properties={"published": published} if published else {},
    )


def test_dependency_findings_on_unchanged_dependencies_do_not_block() -> None:
    previous = Previous(
        ref="main",
        commit="abc",
        committed_at=datetime(2026, 1, 1, tzinfo=UTC),
        unchanged_files=frozenset(),
        per_file_scanners=frozenset(),
        fingerprints=Counter(),
        dependencies=frozenset({("pip-audit", "requirements.txt", "django", "4.2.0")}),
    )
    findings = [
        _dep_finding("4.2.0", "PYSEC-NEW", "2026-03-01T00:00:00Z"),  # disclosed after REF
        _dep_finding("4.2.0", "PYSEC-OLD", "2025-06-01T00:00:00Z"),  # known before REF
        _dep_finding("4.2.1", "PYSEC-UPG", "2025-06-01T00:00:00Z"),  # the change's version
    ]
    judged = previous.classify(findings)
    assert [f.suppressed_by for f in judged] == [NEWLY_DISCLOSED, PREEXISTING, None]
