"""File collection on hostile trees: nothing followed that should not be, nothing lost."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import secgate
from secgate.errors import ConfigError
from secgate.plugins import FileDigests
from tests.conftest import run_cli, write


def test_odd_files_are_scanned_or_accounted_for(
    fake_plugin: Path, project: Path, tmp_path: Path
) -> None:
    write(
        project,
        {
            "-rf.py": "# FAKE-ISSUE(high)\n",
            "name with spaces.py": "# FAKE-ISSUE(high)\n",
            "new\nline.py": "# FAKE-ISSUE(high)\n",
            "ünïcødé.py": "# FAKE-ISSUE(high)\n",
            "a/" * 60 + "deep.py": "# FAKE-ISSUE(high)\n",
        },
    )
    (project / "nul.py").write_bytes(b"x = 1\x00\x00# FAKE-ISSUE(high)\n")
    (project / "latin1.py").write_bytes(b"# caf\xe9 FAKE-ISSUE(high)\n")
    os.mkfifo(project / "fifo")
    (project / "loop").symlink_to(project / "loop")
    (project / "escape").symlink_to(tmp_path)
    with (project / "huge.bin").open("wb") as handle:  # 1 GB, sparse: costs no disk
        handle.truncate(1 << 30)
    (project / os.fsdecode(b"bad\xffname.py")).write_text("# FAKE-ISSUE(high)\n")

    result = run_cli("check", str(project), "--scanner", "fake-marker", "--format", "json")
    assert result.code == 1, result.err
    report = json.loads(result.out)
    found = {f["path"] for f in report["findings"]}
    assert found == {
        "-rf.py",
        "name with spaces.py",
        "new\nline.py",
        "ünïcødé.py",
        "a/" * 60 + "deep.py",
        "nul.py",
        "latin1.py",
    }
    skipped = {s["path"]: s["reason"] for s in report["collection"]["skipped"]}
    assert skipped["fifo"] == "not a regular file"
    assert skipped["loop"] == skipped["escape"] == "symbolic link, not followed"
    assert skipped["huge.bin"].startswith("larger than max-file-mb (1074 MB > 10 MB)")
    assert skipped["bad\\xffname.py"] == "file name is not valid UTF-8; not scanned"
    text = run_cli("check", str(project), "--scanner", "fake-marker").out
    assert "Not scanned (5):" in text and "Traceback" not in text


def test_unreadable_file_is_never_handed_to_a_scanner(
    fake_plugin: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root, for whom permission bits do not stop a read: inject the failure.
    write(project, {"ok.py": "# FAKE-ISSUE(high)\n", "locked.py": "# FAKE-ISSUE(high)\n"})
    real = FileDigests._hash

    def failing(self: FileDigests, relative: str) -> str:
        if relative == "locked.py":
            raise PermissionError(13, "Permission denied")
        return real(self, relative)

    monkeypatch.setattr(FileDigests, "_hash", failing)
    verdict = secgate.check(project, scanners=["fake-marker"])
    assert [f.path for f in verdict.findings] == ["ok.py"]
    assert {s.path: s.reason for s in verdict.collection.skipped} == {"locked.py": "cannot be read"}


def test_an_explicit_path_ignored_by_an_enclosing_gitignore_is_still_scanned(
    fake_plugin: Path, project: Path
) -> None:
    (project / ".git").mkdir()  # the project is a repository whose .gitignore ignores vendor/
    write(
        project,
        {
            ".gitignore": "vendor/\n*.log\n",
            "vendor/lib/a.py": "# FAKE-ISSUE(high)\n",
            "vendor/lib/.gitignore": "generated/\n",
            "vendor/lib/generated/b.py": "# FAKE-ISSUE(high)\n",
            "main.py": "# FAKE-ISSUE(high)\n",
        },
    )
    whole = secgate.check(project, scanners=["fake-marker"])
    assert [f.path for f in whole.findings] == ["main.py"]  # vendor/ stays ignored
    explicit = secgate.check(
        project / "vendor" / "lib", scanners=["fake-marker"], config=secgate.Config()
    )
    assert [f.path for f in explicit.findings] == ["a.py"]  # its own .gitignore still applies


def test_nothing_to_scan_in_an_empty_tree_is_warned_about(fake_plugin: Path, project: Path) -> None:
    verdict = secgate.check(project, scanners=["fake-marker"])
    assert any(w.startswith("no files to scan") for w in verdict.warnings)


def test_nothing_checked_in_a_non_empty_tree_is_an_error(
    fake_plugin: Path, project: Path, tmp_path: Path
) -> None:
    write(project, {"secgate.toml": "include = ['src/']\n", "app.py": "x\n"})
    with pytest.raises(ConfigError, match=r"nothing was checked.*include = \['src/'\]"):
        secgate.check(project, scanners=["fake-marker"])
    result = run_cli("check", str(project), "--scanner", "fake-marker")
    assert result.code == 2
    assert "nothing was checked" in result.err
    # The owner may allow it; the repository may not.
    policy = tmp_path / "policy.toml"
    policy.write_text("allow-empty = true\n")
    verdict = secgate.check(project, scanners=["fake-marker"], policy=policy)
    assert any(w.startswith("no files to scan") for w in verdict.warnings)
    write(project, {"secgate.toml": "include = ['src/']\nallow-empty = true\n"})
    with pytest.raises(ConfigError, match="allow-empty: only the pipeline owner"):
        secgate.check(project, scanners=["fake-marker"])


@pytest.mark.parametrize("config", ["extend-exclude = ['**']\n", "include = ['docs/**']\n"])
def test_excluding_everything_from_the_tree_config_does_not_pass(
    project: Path, config: str
) -> None:
    write(project, {"secgate.toml": config, "app.py": "import os\nos.system(input())\n"})
    result = run_cli("check", str(project), "--scanner", "bandit")
    assert result.code == 2
    assert "nothing was checked" in result.err
