"""--changed-only: per-file scanners see only the changed files, same verdict (issue 19)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import secgate
from secgate.changed import base_files, parse_name_status
from secgate.jobs import LineCache, fill_fingerprint
from secgate.models import Finding, Severity
from secgate.newcode import RefCheckout
from secgate.scanners.bandit import BanditScanner
from tests.conftest import run_cli, write

VULN = "import os\nos.system(input())\n"
OSV = Path(__file__).resolve().parents[1] / "examples" / "insecure-app" / "osv"
SCANNERS = ["bandit", "secrets", "pip-audit"]


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root, check=True, capture_output=True, text=True,
    )  # fmt: skip


@pytest.fixture
def repo(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SECGATE_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(OSV, project / "osv")
    write(project, {
        "app.py": VULN, "lib.py": "x = 1\n", "other.py": VULN, "docs/guide.md": "# Guide\n",
        "requirements.txt": "flask==0.12\n",
        "secgate.toml": 'extend-exclude = ["osv/"]\n[scanners.pip-audit]\nvuln-db = "osv"\n',
    })  # fmt: skip
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "base")
    return project


def _secret(root: Path) -> None:
    key = "AKIA" + "Q3XV7TZ2MKW5RJ4N"
    write(root, {"creds.py": f'aws = "{key}"\n'})


EDITS: dict[str, Callable[[Path], None]] = {
    "added": lambda r: write(r, {"lib.py": "import os\nx = 1\nos.system(input())\n"}) and None,
    "removed": lambda r: write(r, {"app.py": "x = 2\n"}) and None,
    "moved-within": lambda r: write(r, {"app.py": "a = 1\nb = 2\n" + VULN}) and None,
    "moved-between": lambda r: write(r, {"app.py": "x = 2\n", "lib.py": "x = 1\n" + VULN}) and None,
    "renamed": lambda r: _git(r, "mv", "app.py", "app2.py"),
    "deleted": lambda r: _git(r, "rm", "-q", "other.py"),
    "dependency": lambda r: write(r, {"requirements.txt": "flask==0.12\njinja2==2.10\n"}) and None,
    "secret-new-file": _secret,
    "docs-only": lambda r: write(r, {"docs/guide.md": "# Guide\nMore.\n"}) and None,
}


def _key(verdict: secgate.Verdict) -> tuple[object, ...]:
    blocking = sorted((f.rule_id, f.path, f.line, f.fingerprint) for f in verdict.blocking)
    return verdict.status, blocking


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_changed_only_verdict_equals_the_full_new_since_one(repo: Path, edit: str) -> None:
    EDITS[edit](repo)
    full = secgate.check(repo, scanners=SCANNERS, new_since="main", overrides={"cache": False})
    fast = secgate.check(
        repo, scanners=SCANNERS, new_since="main", changed_only=True, overrides={"cache": False}
    )
    assert _key(fast) == _key(full)
    scanned = {f.path for f in fast.findings}
    pre = {(f.path, f.fingerprint) for f in full.findings if f.suppressed_by == "preexisting"}
    fast_pre = {(f.path, f.fingerprint) for f in fast.findings if f.suppressed_by == "preexisting"}
    assert fast_pre == {p for p in pre if p[0] in scanned}
    assert full.scope is None
    assert fast.scope is not None and fast.scope.startswith("changed files since ")
    # Unchanged files are neither scanned nor gaps.
    assert all(f.path != "other.py" for f in fast.findings if f.scanner == "bandit")
    assert not fast.collection.skipped


def test_cli_scope_line_and_only_changed_files(repo: Path) -> None:
    EDITS["added"](repo)
    result = run_cli("check", str(repo), "--scanner", "bandit", "--new-since", "main",
                     "--changed-only", "--no-cache")  # fmt: skip
    assert result.code == 1, result.err
    assert "scope: changed files since " in result.out
    assert "(1 file)" in result.out
    assert "lib.py" in result.out and "other.py" not in result.out


def test_changed_only_without_a_ref_is_a_usage_error(repo: Path) -> None:
    result = run_cli("check", str(repo), "--scanner", "bandit", "--changed-only")
    assert result.code == 2
    assert "--changed-only" in result.err and "--new-since" in result.err
    assert "Traceback" not in result.err


def test_name_status_z_parsing_keeps_both_sides_of_a_rename() -> None:
    changes = parse_name_status("M\0a b.py\0R087\0old.py\0new\nname.py\0D\0gone.py\0")
    assert [(c.status, c.path, c.old_path) for c in changes] == [
        ("M", "a b.py", None),
        ("R", "new\nname.py", "old.py"),
        ("D", "gone.py", None),
    ]


def test_shards_of_a_changed_only_run_merge_into_the_unsharded_one(
    repo: Path, tmp_path: Path
) -> None:
    write(repo, {f"m{i}.py": VULN for i in range(6)})  # untracked, not ignored: changed
    EDITS["added"](repo)
    args = ["--scanner", "bandit", "--new-since", "main", "--changed-only", "--no-cache"]
    whole = run_cli("check", str(repo), *args, "--format", "json")
    assert whole.code == 1, whole.err
    outs = []
    for k in (1, 2):
        out = tmp_path / f"s{k}.json"
        run_cli("check", str(repo), *args, "--shard", f"{k}/2", "--format", "json",
                "--output", str(out))  # fmt: skip
        outs.append(str(out))
    merged = run_cli("merge", *outs, "--format", "json")
    one, joined = json.loads(whole.out), json.loads(merged.out)
    assert joined["verdict"] == one["verdict"] == "fail"
    assert joined["scope"] == one["scope"] and "(7 files)" in one["scope"]

    def key(report: dict[str, Any]) -> list[tuple[object, ...]]:
        found = report["findings"]
        return sorted((f["path"], f["line"], f["fingerprint"], f["blocking"]) for f in found)

    assert key(joined) == key(one)
    assert {f["path"] for f in one["findings"]} == {"lib.py"} | {f"m{i}.py" for i in range(6)}


# REF moved on after the branch point: the change is what the branch did since its merge base.
LIB = "".join(f"v{i} = {i}\n" for i in range(12))


@pytest.fixture
def branched(repo: Path) -> Path:
    """main: a commit; feature cut from it; then main gains three commits the feature lacks."""
    write(repo, {"lib.py": LIB})
    _git(repo, "commit", "-q", "-am", "lib")
    _git(repo, "branch", "feature")
    # main, after the branch point: a finding in a file the feature does not touch, a fix of
    # one (other.py), and a finding at the end of a file the feature also changes (lib.py).
    write(repo, {"mainonly.py": VULN, "other.py": "x = 3\n"})
    write(repo, {"lib.py": LIB + "import subprocess\nsubprocess.call(input(), shell=True)\n"})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "main moves on")
    _git(repo, "checkout", "-q", "feature")
    # The feature: a finding at the top of lib.py, a new file with one, and a fix in app.py.
    write(repo, {"lib.py": "import os\nos.system(input())\n" + LIB, "added.py": VULN})
    write(repo, {"app.py": "x = 2\n"})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "feature")
    return repo


def _rev(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.mark.parametrize("head", ["feature-head", "merged-with-main"])
def test_a_ref_that_moved_on_after_the_branch_point(branched: Path, head: str) -> None:
    """Compared with the merge base: main's commits are neither the change nor its cost."""
    if head == "merged-with-main":  # what a CI checkout of the pull request's merge ref holds
        _git(branched, "merge", "-q", "--no-edit", "main")
    base = _rev(branched, "merge-base", "main", "HEAD")
    # The branch point, or main's tip once it is merged in.
    assert base == _rev(branched, "rev-parse", "main" if head != "feature-head" else "main~1")
    full = secgate.check(branched, scanners=SCANNERS, new_since="main", overrides={"cache": False})
    fast = secgate.check(
        branched, scanners=SCANNERS, new_since="main", changed_only=True, overrides={"cache": False}
    )
    assert _key(fast) == _key(full)
    assert full.status is secgate.VerdictStatus.FAIL
    blocking = sorted((f.path, f.line) for f in full.blocking if f.scanner == "bandit")
    # Only the feature's own findings block: lib.py's first lines and the new file.
    assert {p for p, _ in blocking} == {"lib.py", "added.py"}
    assert all((line or 0) <= 2 for p, line in blocking if p == "lib.py")
    # other.py's finding, fixed on main only, is older than the branch: not the change's.
    if head == "feature-head":
        other = [f for f in full.findings if f.path == "other.py" and f.scanner == "bandit"]
        assert other and all(f.suppressed_by == "preexisting" for f in other)
    # The changed set is the branch's diff: main's files are not scanned again.
    assert fast.scope == f"changed files since {base[:12]} (3 files)"
    scanned = {f.path for f in fast.findings if f.scanner == "bandit"}
    assert scanned == {"lib.py", "added.py"}


def test_no_merge_base_is_a_usage_error(repo: Path) -> None:
    _git(repo, "checkout", "-q", "--orphan", "unrelated")
    _git(repo, "commit", "-q", "-m", "unrelated history")
    result = run_cli("check", str(repo), "--scanner", "bandit", "--new-since", "main",
                     "--changed-only", "--no-cache")  # fmt: skip
    assert result.code == 2, result.err
    assert "--new-since main: no merge base of main and HEAD" in result.err
    assert "share no commit" in result.err and "Traceback" not in result.err


def test_a_shallow_clone_without_the_branch_point_says_to_fetch_it(
    branched: Path, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    url = branched.as_uri()
    _git(tmp_path, "clone", "-q", "--depth=1", "--branch", "feature", url, str(clone))
    _git(clone, "fetch", "-q", "--depth=1", "origin", "main:refs/remotes/origin/main")
    result = run_cli("check", str(clone), "--scanner", "bandit", "--new-since", "origin/main",
                     "--no-cache")  # fmt: skip
    assert result.code == 2, result.err
    assert "no merge base of origin/main and HEAD" in result.err
    assert "shallow clone" in result.err and "fetch-depth: 0" in result.err


# The base is scanned only for what the working tree's findings could match there.


def _base_scans(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Record the files bandit is given in each scan of the base (a temporary worktree)."""
    asked: list[tuple[str, ...]] = []
    real_scan = BanditScanner.scan

    def recording(self: BanditScanner, context: secgate.ScanContext) -> secgate.ScanOutput:
        if "secgate-new-since-" in str(context.root):
            asked.append(tuple(sorted(context.files)))
        return real_scan(self, context)

    monkeypatch.setattr(BanditScanner, "scan", recording)
    return asked


def test_a_finding_on_new_lines_needs_no_scan_of_the_base(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _base_scans(monkeypatch)
    EDITS["added"](repo)  # lib.py gains os.system(input()): that line is not at the base
    fast = secgate.check(repo, scanners=["bandit"], new_since="main", changed_only=True)
    assert [f.path for f in fast.blocking] == ["lib.py"]
    assert all("lib.py" not in files for files in asked)
    # The full run scans the base's lib.py, and comes to the same verdict.
    asked.clear()
    full = secgate.check(repo, scanners=["bandit"], new_since="main", overrides={"cache": False})
    assert asked == [("lib.py",)]
    assert _key(full) == _key(fast)


def test_a_finding_whose_text_is_at_the_base_is_looked_up_there(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _base_scans(monkeypatch)
    EDITS["moved-within"](repo)  # app.py's finding two lines lower: the same text
    fast = secgate.check(repo, scanners=["bandit"], new_since="main", changed_only=True)
    assert asked == [("app.py",)]
    assert fast.status is secgate.VerdictStatus.PASS
    assert {f.suppressed_by for f in fast.findings if f.path == "app.py"} == {"preexisting"}


def _finding(path: str, line: int | None, fingerprint: str = "") -> Finding:
    return Finding(
        scanner="bandit", rule_id="R1", severity=Severity.HIGH, message="m", path=path,
        line=line, fingerprint=fingerprint,
    )  # fmt: skip


def test_base_files_keeps_every_path_whose_base_text_could_match(tmp_path: Path) -> None:
    now, then = tmp_path / "now", tmp_path / "then"
    write(now, {"sub/a.py": "call(x,\n     y)\n", "sub/b.py": "new()\n", "sub/c.py": "  \n"})
    # At the base: a.py's call on one line (the same words), b.py without the line, c.py.
    write(then, {"sub/a.py": "first()\ncall(x, y)\n", "sub/b.py": "old()\n", "sub/c.py": "z\n"})
    lines = LineCache(now / "sub")
    found = [
        fill_fingerprint(_finding(p, n), lines) for p, n in (("a.py", 1), ("b.py", 1), ("c.py", 1))
    ]
    changed = frozenset({"sub/a.py", "sub/b.py", "sub/c.py", "sub/gone.py"})
    base = RefCheckout(
        ref="main", commit="0" * 40, committed_at=datetime.now(UTC), changed=changed,
        unchanged=frozenset(), prefix="sub/", root=then / "sub", targets=(then / "sub",),
    )  # fmt: skip
    # a.py's text split over two lines now: the words match the base's one line; c.py flags
    # a blank line (any base version may); b.py's line is new; semgrep found nothing.
    plan = base_files(found, frozenset({"bandit", "semgrep"}), lines, base)
    assert plan == {"bandit": frozenset({"sub/a.py", "sub/c.py"}), "semgrep": frozenset()}
    # A fingerprint the scanner made itself, or no line to read: every changed file.
    own = [_finding("b.py", 1, fingerprint="own")]
    assert base_files(own, frozenset({"bandit"}), lines, base) == {"bandit": changed}
    no_line = [fill_fingerprint(_finding("b.py", None), lines)]
    assert base_files(no_line, frozenset({"bandit"}), lines, base) == {"bandit": changed}
