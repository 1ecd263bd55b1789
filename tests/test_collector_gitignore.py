"""The collector and .gitignore: tracked files are never hidden, left-out files are counted,
and no .gitignore line git accepts can crash or stall a run (issue 13 §2)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from secgate.config import Config
from secgate.files import BELOW_ROOT, GITIGNORE, INCLUDE, FileSet, collect_files, spec_of
from tests.conftest import run_cli, write

VULNERABLE = "import os\nos.system(input())\n"


def git(root: Path, *args: str) -> str:
    """Run git in *root* (a test's own repository), failing the test on an error."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    return proc.stdout


def repository(root: Path, files: dict[str, str]) -> Path:
    write(root, files)
    git(root, "init", "-q")
    return root


def collect(root: Path, config: Config | None = None) -> FileSet:
    return collect_files(root, [root], config or Config())


def test_tracked_files_a_gitignore_covers_are_scanned_and_reported(project: Path) -> None:
    repository(
        project,
        {
            ".gitignore": "app/keys.py\nbuild-output/\n",
            "app/keys.py": VULNERABLE,
            "app/main.py": "print('hello')\n",
            "lib/old.py": VULNERABLE,
            "build-output/a.txt": "",
            "build-output/deep/b.txt": "",
        },
    )
    git(project, "add", ".")
    git(project, "add", "-f", "app/keys.py")
    git(project, "commit", "-qm", "first")
    # lib/old.py was tracked before a nested .gitignore started to cover it.
    write(project, {"lib/.gitignore": "*.py\n", "lib/local.py": "x = 1\n"})

    fileset = collect(project)
    assert fileset.git
    assert "app/keys.py" in fileset.files and "lib/old.py" in fileset.files
    assert "lib/local.py" not in fileset.files  # untracked and ignored
    assert fileset.excluded == {GITIGNORE: 3}  # lib/local.py and build-output's two files

    result = run_cli("check", str(project), "--scanner", "bandit", "--no-cache")
    assert result.code == 1, result.out + result.err
    assert "app/keys.py:2" in result.out and "lib/old.py:2" in result.out
    report = json.loads(
        run_cli("check", str(project), "--scanner", "bandit", "--no-cache", "--format", "json").out
    )
    assert {f["path"] for f in report["findings"]} == {"app/keys.py", "lib/old.py"}
    assert report["collection"]["excluded"] == {".gitignore": 3}


def test_without_git_the_gitignore_files_are_read_and_counted(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    repository(project, {".gitignore": "app/keys.py\n", "app/keys.py": VULNERABLE, "a.py": ""})
    git(project, "add", ".")
    git(project, "add", "-f", "app/keys.py")
    git(project, "commit", "-qm", "first")
    assert "app/keys.py" in collect(project).files
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # git cannot be found: no crash, the old rules
    fileset = collect(project)
    assert not fileset.git
    assert fileset.files == (".gitignore", "a.py")
    assert fileset.excluded == {GITIGNORE: 1}


def test_git_runs_without_the_scanned_repositorys_hooks_or_fsmonitor(
    project: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "fsmonitor.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    repository(project, {"a.py": "", ".gitignore": "b.py\n", "b.py": ""})
    git(project, "config", "core.fsmonitor", str(script))
    # Plain git runs the repository's fsmonitor for this very command (the test's premise).
    git(project, "ls-files", "--others", "--exclude-standard")
    assert marker.exists()
    marker.unlink()
    fileset = collect(project)
    assert fileset.git and fileset.files == (".gitignore", "a.py")
    assert not marker.exists()


def test_nested_repository_and_explicit_ignored_folder(project: Path) -> None:
    repository(
        project,
        {
            ".gitignore": "vendor/\n",
            "vendor/lib/a.py": "",
            "vendor/lib/.gitignore": "generated/\n",
            "vendor/lib/generated/b.py": "",
            "inner/.gitignore": "*.py\n",
            "inner/tracked.py": "",
            "inner/untracked.py": "",
        },
    )
    git(project / "inner", "init", "-q")
    git(project / "inner", "add", "-f", "tracked.py", ".gitignore")
    fileset = collect(project)
    assert fileset.files == (".gitignore", "inner/.gitignore", "inner/tracked.py")
    assert fileset.excluded == {GITIGNORE: 4}  # vendor/'s three files, inner/untracked.py
    # A folder given explicitly is scanned although the .gitignore above ignores it; its
    # own .gitignore still applies.
    lib = project / "vendor" / "lib"
    inside = collect_files(lib, [lib], Config())
    assert inside.files == (".gitignore", "a.py")
    assert inside.excluded == {GITIGNORE: 1}


def test_exclude_and_include_globs_count_the_files_they_leave_out(project: Path) -> None:
    write(
        project,
        {
            "src/app.py": "",
            "src/gen/a.py": "",
            "src/gen/deep/b.py": "",
            "docs/readme.md": "",
            "app/venv/lib/x.py": "",
            "app/venv/y.py": "",
            ".venv/lib/z.py": "",
            "node_modules/m/index.js": "",
            "build/out.py": "",
            "app/build/steps.py": "",
        },
    )
    (project / ".git").mkdir()
    write(project, {".git/objects/1": "", ".git/objects/2": ""})
    config = Config(extend_exclude=("src/gen/",), include=("**/*.py",))
    fileset = collect(project, config)
    assert fileset.files == ("app/build/steps.py", "src/app.py")  # /build/ is root-only
    assert fileset.excluded == {
        "src/gen/": 2,
        "venv/" + BELOW_ROOT: 2,
        ".venv/": 1,
        "node_modules/": 1,
        "/build/": 1,
        INCLUDE: 1,  # docs/readme.md
    }  # .git/ is never counted


@pytest.mark.parametrize(
    "line",
    [
        "!",
        "a\\",
        "[z-a]",
        "[",
        "\\",
        "[!]",
        "a[",
        "**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/x",
        "x" * 100_000,
        "*" * 5_000,
        "*a" * 40 + "b",
        "\\!important",
        "!/",
        "/",
    ],
    ids=lambda line: repr(line[:24]),
)
@pytest.mark.parametrize("with_git", [True, False], ids=["git", "no-git"])
def test_every_gitignore_line_git_accepts_is_accepted(
    project: Path, line: str, with_git: bool
) -> None:
    files = {".gitignore": f"{line}\n", "app.py": VULNERABLE, "a" * 200: ""}
    if with_git:
        repository(project, files)
    else:
        write(project, files)
    result = run_cli("check", str(project), "--scanner", "bandit", "--no-cache")
    assert "internal error" not in result.out + result.err
    fileset = collect(project)
    if "app.py" in fileset.files:
        assert result.code == 1, result.out + result.err
        assert "app.py:2" in result.out
    else:  # the line ignores everything: an error naming the .gitignore, not a pass
        assert result.code == 2, result.out + result.err
        assert "nothing was checked" in result.err
    if with_git:  # whatever the line does, the collector agrees with git on these names
        ignored = git(project, "ls-files", "--others", "--ignored", "--exclude-standard")
        names = {"app.py", "a" * 200}
        assert names & set(ignored.split()) == names - set(fileset.files)


@pytest.mark.parametrize(
    ("lines", "path", "ignored"),
    [
        (["*.log", "!keep.log"], "keep.log", False),
        (["*.log", "!keep.log"], "debug.log", True),
        (["[z-a]", "*.py"], "a.py", True),  # the bad line is skipped, the others apply
        (["a\\", "b"], "b", True),
        (["build/"], "build/", True),
        (["build/"], "build", False),
        (["\\#hash"], "#hash", True),
    ],
)
def test_globs_skip_lines_they_cannot_compile(lines: list[str], path: str, ignored: bool) -> None:
    assert spec_of(lines).match_file(path) is ignored


def test_a_pathological_or_huge_gitignore_does_not_stall_collection(project: Path) -> None:
    pytest.importorskip("re2")  # without google-re2 the pure-Python matcher backtracks
    lines = [f"generated-{i}/*.tmp" for i in range(10_000)]
    lines += ["*a" * 30 + "b", "/".join(["**"] * 200) + "/never", "file-7.py"]
    write(project, {".gitignore": "\n".join(lines) + "\n"})
    write(project, {f"pkg{i % 20}/{'a' * 150}-{i}.py": "" for i in range(500)})
    write(project, {"file-7.py": ""})
    started = time.monotonic()
    fileset = collect(project)
    assert time.monotonic() - started < 60  # measured: well under a second
    assert len(fileset.files) == 501  # the 500 files and .gitignore
    assert fileset.excluded == {GITIGNORE: 1}
