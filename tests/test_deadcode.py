"""The dead-line check at scan time (secgate.deadcode): bandit and semgrep mark their own
findings on a line that cannot run, the result cache keeps the mark, and the evidence step
checks only the findings of scanners that did not."""

from __future__ import annotations

from pathlib import Path

import pytest

import secgate
from secgate.config import Config
from secgate.deadcode import DEAD_LINES, mark_unreachable
from secgate.models import Finding, Severity
from secgate.scanners.semgrep import find_binary

SOURCE = (
    "import hashlib\nDEBUG = True\n\n\ndef digest(data):\n"
    "    if DEBUG and False:\n        return hashlib.md5(data)\n"
    "    return hashlib.md5(data)\n"
)


def _md5(verdict: secgate.Verdict, scanner: str) -> list[tuple[int | None, str | None]]:
    return sorted(
        (f.line, f.suppressed_by)
        for f in verdict.findings
        if f.scanner == scanner and f.path == "a.py" and set(f.cwe) & {327, 328}
    )


@pytest.mark.parametrize("scanner", ["bandit", "semgrep"])
def test_a_scanner_marks_its_dead_lines_and_the_cache_keeps_the_mark(
    scanner: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if scanner == "semgrep" and find_binary() is None:
        pytest.skip("semgrep is not installed")
    project = tmp_path / "project"
    project.mkdir()
    (project / "a.py").write_text(SOURCE)
    monkeypatch.setenv("SECGATE_CACHE_DIR", str(tmp_path / "cache"))
    config = Config(select=(scanner,), exclude=(), respect_gitignore=False, fail_on="low")
    cold = secgate.check(project, config=config)
    warm = secgate.check(project, config=config)
    assert warm.scanner(scanner).details["cache_misses"] == 0
    for verdict in (cold, warm):
        assert verdict.scanner(scanner).details[DEAD_LINES] == "checked"
        # The md5 under `if DEBUG and False:` is disproved; the live one blocks.
        assert _md5(verdict, scanner) == [(7, "disproved"), (8, None)]
        [dead] = [f for f in verdict.findings if f.scanner == scanner and f.line == 7]
        assert dead.properties["trace_check"] == "disproved"
        assert "`DEBUG and False` is always False" in str(dead.properties["trace_reason"])
        assert verdict.status == "fail"


def test_the_evidence_step_checks_only_scanners_that_did_not(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(SOURCE)

    def at(scanner: str) -> Finding:
        return Finding(
            scanner=scanner,
            rule_id="weak-hash",
            severity=Severity.HIGH,
            message="md5",
            path="a.py",
            line=7,
            cwe=(327,),
        )

    mine, theirs = at("bandit"), at("plugin")
    marked = mark_unreachable([mine, theirs], tmp_path, skip_scanners={"bandit"})
    assert "trace_check" not in marked[0].properties  # bandit checked it at scan time
    assert marked[1].properties["trace_check"] == "disproved"
