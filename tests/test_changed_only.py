"""--changed-only: per-file scanners see only the changed files, same verdict (issue 19)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import secgate
from secgate.changed import parse_name_status
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
