"""The result cache: hits, misses on every kind of change, concurrent use, bounded size."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import pytest

import secgate
from secgate.cache import CACHE_FILE, ResultCache
from secgate.config import ScannerOptions
from secgate.models import Finding, GapKind, Severity, SkippedFile
from secgate.plugins import ScanContext, Scanner, ScanOutput, hookimpl
from tests.conftest import write


class WordOptions(ScannerOptions):
    """Where the banned words live."""

    rules_file: str = "words.txt"
    severity: Severity = Severity.HIGH


class WordScanner(Scanner):
    """Flags lines holding a banned word; records which files it was handed."""

    name: ClassVar[str] = "words"
    Options: ClassVar[type[ScannerOptions]] = WordOptions
    per_file: ClassVar[bool] = True
    tool_version: ClassVar[str] = "1.0"
    handed: ClassVar[list[tuple[str, ...]]] = []

    def version(self) -> str:
        return self.tool_version

    def handles(self, path: str) -> bool:
        return path.endswith(".py")

    def _rules(self, options: WordOptions, root: Path) -> list[str]:
        return (root / options.rules_file).read_text().split()

    def cache_token(self, options: ScannerOptions) -> str:
        assert isinstance(options, WordOptions)
        rules = (
            Path(options.rules_file).read_bytes() if Path(options.rules_file).is_absolute() else b""
        )
        return f"{super().cache_token(options)}|{hashlib.sha256(rules).hexdigest()}"

    def scan(self, context: ScanContext) -> ScanOutput:
        assert isinstance(context.options, WordOptions)
        files = tuple(f for f in context.files if self.handles(f))
        WordScanner.handed.append(files)
        words = self._rules(context.options, context.root)
        findings = []
        gaps = []
        for rel in files:
            text = context.path(rel).read_text()
            if text.startswith("GAP"):
                # A kind its reason would not give away: the cache must keep it.
                gaps.append(SkippedFile(path=rel, reason="odd bytes", kind=GapKind.BINARY))
                continue
            for number, line in enumerate(text.splitlines(), 1):
                if any(word in line for word in words):
                    findings.append(
                        Finding(
                            scanner=self.name,
                            rule_id="W1",
                            message="banned",
                            severity=context.options.severity,
                            path=rel,
                            line=number,
                        )
                    )
        return ScanOutput(findings=findings, files_scanned=len(files) - len(gaps), skipped=gaps)


class Plugin:
    @hookimpl
    def secgate_register_scanners(self) -> list[type[Scanner]]:
        return [WordScanner]


@pytest.fixture
def tree(project: Path, tmp_path: Path) -> Path:
    rules = tmp_path / "words.txt"
    rules.write_text("eval\n")
    write(
        project,
        {
            "secgate.toml": f"[scanners.words]\nrules-file = '{rules}'\n",
            "a.py": "eval(x)\n",
            "b.py": "print(1)\n",
            "c.py": "eval(y)\n",
            "notes.txt": "eval\n",
        },
    )
    WordScanner.handed.clear()
    WordScanner.tool_version = "1.0"
    return project


def _run(tree: Path) -> secgate.Verdict:
    return secgate.check(tree, scanners=["words"], plugins=[Plugin()])


def _details(verdict: secgate.Verdict) -> tuple[object, object]:
    result = verdict.scanner("words")
    return result.details.get("cache_hits"), result.details.get("cache_misses")


def test_second_run_is_answered_from_the_cache(tree: Path) -> None:
    first = _run(tree)
    second = _run(tree)
    assert _details(first) == (0, 3) and _details(second) == (3, 0)
    assert WordScanner.handed == [("a.py", "b.py", "c.py")]  # never called the second time
    assert second.findings == first.findings
    assert second.scanner("words").coverage.files_scanned == 3


def test_changing_a_file_rescans_only_that_file(tree: Path) -> None:
    _run(tree)
    write(tree, {"b.py": "eval(z)\n"})
    verdict = _run(tree)
    assert _details(verdict) == (2, 1)
    assert WordScanner.handed[-1] == ("b.py",)
    assert sorted(f.path for f in verdict.findings) == ["a.py", "b.py", "c.py"]


def test_rules_config_and_version_changes_are_misses(tree: Path, tmp_path: Path) -> None:
    _run(tree)
    (tmp_path / "words.txt").write_text("eval\nprint\n")  # the rule set changed
    assert _details(_run(tree)) == (0, 3)
    write(tree, {"secgate.toml": (tree / "secgate.toml").read_text() + "severity = 'low'\n"})
    assert _details(_run(tree)) == (0, 3)  # the scanner's config changed
    WordScanner.tool_version = "2.0"
    assert _details(_run(tree)) == (0, 3)  # the tool was upgraded
    assert _details(_run(tree)) == (3, 0)


def test_no_cache_scans_everything(tree: Path) -> None:
    _run(tree)
    verdict = secgate.check(
        tree, scanners=["words"], plugins=[Plugin()], overrides={"cache": False}
    )
    assert "cache_hits" not in verdict.scanner("words").details
    assert WordScanner.handed[-1] == ("a.py", "b.py", "c.py")


def test_unwritable_cache_folder_does_not_fail_the_scan(tree: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    # The owner's policy names the cache (the scanned tree's own config may not).
    policy = tmp_path / "policy.toml"
    policy.write_text(f"[stages.x]\ncache-dir = '{blocker / 'sub'}'\n")
    verdict = secgate.check(tree, scanners=["words"], plugins=[Plugin()], stage="x", policy=policy)
    assert verdict.scanner("words").status is secgate.ScanStatus.OK
    assert "unavailable" in str(verdict.scanner("words").details["cache"])


def test_size_is_bounded_by_evicting_least_recently_used(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, max_bytes=10_000)
    for i in range(40):
        cache.put_many({f"key{i:03d}": b"x" * 1000})
    db = sqlite3.connect(tmp_path / CACHE_FILE)
    total = db.execute("SELECT SUM(size) FROM results").fetchone()[0]
    assert total <= 10_000
    kept = {k for (k,) in db.execute("SELECT key FROM results")}
    assert "key039" in kept and "key000" not in kept


def test_damaged_cache_file_is_set_aside(tmp_path: Path) -> None:
    (tmp_path / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    cache = ResultCache(tmp_path, max_bytes=10_000)
    cache.put_many({"k": b"v"})
    assert cache.get_many(["k"]) == {"k": b"v"}
    assert list(tmp_path.glob("results.corrupt-*"))


CONCURRENT = """
import sys
sys.path.insert(0, {tests!r})
import secgate
from tests.test_cache import Plugin
verdict = secgate.check({tree!r}, scanners=["words"], plugins=[Plugin()])
assert verdict.scanner("words").status.value == "ok", verdict.scanner("words").error
print(len(verdict.findings))
"""


@pytest.mark.slow
def test_two_concurrent_runs_share_one_cache(project: Path, tmp_path: Path) -> None:
    rules = tmp_path / "words.txt"
    rules.write_text("eval\n")
    files = {
        f"pkg{i % 20}/m{i}.py": ("eval(x)\n" if i % 3 == 0 else "ok()\n") * 5 for i in range(1500)
    }
    write(project, {"secgate.toml": f"[scanners.words]\nrules-file = '{rules}'\n", **files})
    cache_dir = tmp_path / "shared-cache"
    code = CONCURRENT.format(tests=str(Path(__file__).resolve().parents[1]), tree=str(project))
    env = {
        "SECGATE_CACHE_DIR": str(cache_dir),
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert {out.strip() for out, _ in outputs} == {str(5 * 500)}
    db = sqlite3.connect(cache_dir / CACHE_FILE)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # One row per file, and one for what the scanner read from the tree's settings.
    assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (1501,)
    db.close()
    verdict = secgate.check(
        project, scanners=["words"], plugins=[Plugin()], overrides={"cache_dir": str(cache_dir)}
    )
    assert verdict.scanner("words").details["cache_hits"] == 1500


OPEN_AT_ONCE = """
import os, sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
from secgate.cache import ResultCache
start_at = float(sys.argv[1])
while time.time() < start_at:
    pass
cache = ResultCache(Path({folder!r}), 10**9)
cache.put_many({{f"{{os.getpid()}}-{{i}}": b"x" for i in range(200)}})
cache.close()
"""


@pytest.mark.slow
def test_runs_creating_one_new_cache_at_once_both_keep_it(tmp_path: Path) -> None:
    # Two runs opening a cache that does not exist yet race to switch it to WAL; the loser
    # got "database is locked" and used to take that for damage and move the file away
    # from under the winner (about one race in ten here).
    repo = str(Path(__file__).resolve().parents[1])
    for attempt in range(20):
        folder = tmp_path / f"cache-{attempt}"
        start_at = f"{time.time() + 0.4:.3f}"
        code = OPEN_AT_ONCE.format(repo=repo, folder=str(folder))
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", code, start_at],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], (attempt, outputs)
        assert not list(folder.glob("results.corrupt-*")), attempt
        db = sqlite3.connect(folder / CACHE_FILE)
        assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (400,)
        db.close()


def test_a_gap_keeps_its_kind_through_the_cache(tree: Path) -> None:
    write(tree, {"d.py": "GAP\n"})
    first = _run(tree)
    second = _run(tree)
    assert _details(second) == (4, 0)
    for verdict in (first, second):
        (gap,) = verdict.scanner("words").coverage.skipped
        assert (gap.path, gap.reason, gap.kind) == ("d.py", "odd bytes", GapKind.BINARY)
    assert second.scanner("words").coverage.files_scanned == 3


def test_a_warm_cache_judges_evidence_as_the_cold_run_did(project: Path) -> None:
    # The taint families semgrep looked for decide which pattern findings are unconfirmed
    # (secgate.evidence). An all-hit run used to lose them with the rest of the scan's
    # details, so the second run blocked findings the first had set aside.
    write(
        project,
        {
            "run.py": (
                "import subprocess\n\n\n"
                "def listing() -> bytes:\n"
                '    return subprocess.check_output("ls -l /var/log", shell=True)\n'
            ),
        },
    )
    cold = secgate.check(project, scanners=["bandit", "semgrep"])
    warm = secgate.check(project, scanners=["bandit", "semgrep"])
    assert warm.scanner("semgrep").details.get("cache_misses") == 0
    judged = [(f.rule_id, f.suppressed_by) for f in cold.findings]
    assert ("B602", "unconfirmed") in judged, judged
    assert [(f.rule_id, f.suppressed_by) for f in warm.findings] == judged
    families = cold.scanner("semgrep").details["taint_families"]
    assert warm.scanner("semgrep").details["taint_families"] == families
    assert warm.status == cold.status
