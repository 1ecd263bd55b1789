"""--new-since: the engine drives the scan of REF (issue 14).

newcode checks REF out and classifies; the engine scans it, through the same plugin chain
as any scan, so the result cache answers for files it has seen. git is bounded by a
timeout: a hung git ends the gate with an error, never a hang.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

import secgate
from secgate import newcode
from secgate.errors import UsageError
from secgate.scanners.bandit import BanditScanner
from tests.conftest import write

VULNERABLE = "import os\nos.system(input())\n"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root, check=True, capture_output=True, text=True,
    )  # fmt: skip


@pytest.fixture
def repo(project: Path) -> Path:
    _git(project, "init", "-q", "-b", "main")
    write(project, {"app.py": VULNERABLE, "lib.py": "x = 1\n", "same.py": "y = 2\n"})
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "first")
    write(project, {"lib.py": "x = 1\nos.system(input())\n"})
    _git(project, "commit", "-q", "-am", "second")
    write(project, {"lib.py": "import os\nx = 1\nos.system(input())\n"})  # uncommitted
    return project


def test_the_scan_of_ref_is_answered_from_the_cache(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECGATE_CACHE_DIR", str(tmp_path / "cache"))
    asked: list[tuple[str, ...]] = []
    real_scan = BanditScanner.scan

    def counting(self: BanditScanner, context: secgate.ScanContext) -> secgate.ScanOutput:
        asked.append(tuple(sorted(context.files)))
        return real_scan(self, context)

    monkeypatch.setattr(BanditScanner, "scan", counting)
    first = secgate.check(repo, scanners=["bandit"], new_since="HEAD~1")
    # At REF only the file that changed since; then the working tree whole.
    assert asked == [("lib.py",), ("app.py", "lib.py", "same.py")]
    assert first.scanner("bandit").details["cache_hits"] == 0
    asked.clear()
    second = secgate.check(repo, scanners=["bandit"], new_since="HEAD~1")
    assert asked == []  # both scans answered from the cache: bandit ran on nothing
    assert second.status is first.status
    assert [f.fingerprint for f in second.findings] == [f.fingerprint for f in first.findings]
    assert {f.suppressed_by for f in second.findings if f.path == "app.py"} == {"preexisting"}


def test_a_hung_git_ends_in_an_error_within_its_timeout(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    script = fake / "git"
    script.write_text("#!/bin/sh\nexec sleep 300\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(newcode, "GIT_TIMEOUT", 1.0)
    started = time.monotonic()
    with pytest.raises(UsageError, match=r"git rev-parse did not finish within 1 s"):
        secgate.check(repo, scanners=["bandit"], new_since="HEAD~1", config=secgate.Config(
            respect_gitignore=False))  # fmt: skip
    assert time.monotonic() - started < 150  # the 300 s sleep was cut short, not waited out


def test_git_never_waits_on_its_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """stdin is closed (and GIT_TERMINAL_PROMPT=0): a git that asks fails at once."""
    fake = tmp_path / "bin"
    fake.mkdir()
    script = fake / "git"
    script.write_text('#!/bin/sh\nread answer || exit 3\necho "$GIT_TERMINAL_PROMPT"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(UsageError, match="git rev-parse failed: exit code 3"):
        newcode.git("rev-parse", "HEAD", cwd=tmp_path, timeout=30)
