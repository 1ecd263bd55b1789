"""The coverage policy: gaps, min-coverage and fail-on-gaps (issue 13 §2).

A scanner is an error only when it could not do its job as a whole; the files it could not
look at are gaps, and ``min-coverage`` / ``fail-on-gaps`` decide what they do to the
verdict, the same way for every scanner and for the file collector.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import secgate
from secgate.config import Config, ScannerOptions
from secgate.coverage import COLLECTOR, describe, judge_coverage
from secgate.models import Coverage, GapKind, ScanResult, ScanStatus, SkippedFile, VerdictStatus
from secgate.plugins import FileDigests
from tests.conftest import run_cli

BAD_SYNTAX = "def broken(:\n    pass\n"
APP = "import os\nos.system(input())\n"
PLAIN = Config(exclude=(), respect_gitignore=False, cache=False)


def _result(name: str, scanned: int, *gaps: SkippedFile) -> ScanResult:
    return ScanResult(
        name=name,
        status=ScanStatus.OK,
        coverage=Coverage(files_scanned=scanned, skipped=gaps),
    )


def _gap(path: str, kind: GapKind, line: int | None = None) -> SkippedFile:
    return SkippedFile(path=path, reason=f"{kind.value} here", kind=kind, line=line)


# --- the sentences and the arithmetic -----------------------------------------------------


def test_the_coverage_sentence_counts_files_by_kind_and_names_the_first() -> None:
    coverage = Coverage(
        files_scanned=782,
        skipped=(
            *(_gap(f"new{i}.py", GapKind.NEWER_PYTHON) for i in range(459)),
            _gap("a.py", GapKind.UNREADABLE),
            _gap("b.py", GapKind.UNREADABLE),
            _gap("link.py", GapKind.SYMLINK),  # not a file it should have analysed
        ),
    )
    assert coverage.candidates == 1243
    sentence = describe("bandit", coverage)
    assert sentence == (
        "bandit analysed 782 of 1,243 files (62%): 459 need a newer Python to parse "
        "(first: new0.py), 2 are unreadable (first: a.py)"
    )


def test_share_is_rounded_down_so_a_near_miss_never_reads_as_the_minimum() -> None:
    coverage = Coverage(files_scanned=99, skipped=tuple(_gap(f"{i}.py", GapKind.UNPARSABLE)
                                                        for i in range(101)))  # fmt: skip
    assert coverage.share < 0.5
    judgement = judge_coverage([_result("semgrep", 99, *coverage.skipped)], None, Config(), {})
    assert judgement.errors
    assert (
        "analysed only 49% of its 200 candidate files, below min-coverage = 0.5"
        in (judgement.errors[0])
    )
    assert judgement.decided_by == "min-coverage"


def test_two_errors_for_one_file_count_it_once() -> None:
    coverage = Coverage(files_scanned=1, skipped=(_gap("x.py", GapKind.UNPARSABLE),
                                                  _gap("x.py", GapKind.TIMED_OUT)))  # fmt: skip
    assert coverage.candidates == 2
    assert coverage.share == 0.5


def test_manifest_line_gaps_do_not_lower_coverage_but_are_listed() -> None:
    result = _result("pip-audit", 3, _gap("requirements/dev.txt", GapKind.INVALID_REQUIREMENT, 1),
                     _gap("requirements/dev.txt", GapKind.VCS, 2))  # fmt: skip
    assert result.coverage.share == 1.0
    judgement = judge_coverage([result], None, Config(), {})
    assert judgement.errors == []
    (note,) = judgement.notes
    assert note.startswith("pip-audit: 2 manifest lines not audited:")
    assert "1 invalid requirement (first: requirements/dev.txt:1)" in note


def test_fail_on_gaps_names_kinds_and_unparsable_covers_its_family() -> None:
    result = _result("pip-audit", 3, _gap("req.txt", GapKind.INVALID_REQUIREMENT, 4))
    config = Config(fail_on_gaps=(GapKind.UNPARSABLE,))
    judgement = judge_coverage([result], None, config, {})
    assert judgement.decided_by == "fail-on-gaps"
    assert "pip-audit has 1 gap of a kind fail-on-gaps names" in judgement.errors[0]
    assert "req.txt:4" in judgement.errors[0]
    # A kind outside the named family does not count.
    vcs_only = _result("pip-audit", 3, _gap("req.txt", GapKind.VCS, 4))
    assert judge_coverage([vcs_only], None, config, {}).errors == []


def test_per_scanner_settings_override_the_global_ones() -> None:
    low = _result("bandit", 1, _gap("a.py", GapKind.UNPARSABLE), _gap("b.py", GapKind.UNPARSABLE))
    options = {"bandit": ScannerOptions(min_coverage=0.3, fail_on_gaps=(GapKind.BINARY,))}
    config = Config(fail_on_gaps=(GapKind.UNPARSABLE,))
    assert judge_coverage([low], None, config, options).errors == []
    strict = {"bandit": ScannerOptions(min_coverage=0.9)}
    (error,) = judge_coverage([low], None, Config(), strict).errors
    assert "below scanners.bandit.min-coverage = 0.9" in error


def test_a_failed_scanner_is_judged_by_the_policy_not_by_its_coverage() -> None:
    failed = ScanResult(
        name="semgrep",
        status=ScanStatus.ERROR,
        error="crashed",
        coverage=Coverage(files_scanned=0, skipped=(_gap("a.py", GapKind.UNPARSABLE),)),
    )
    assert judge_coverage([failed], None, Config(), {}).errors == []


def test_old_reports_without_a_kind_get_one_from_the_reason() -> None:
    assert SkippedFile(path="a.py", reason="cannot be read").kind is GapKind.UNREADABLE
    assert SkippedFile(path="a", reason="symbolic link, not followed").kind is GapKind.SYMLINK
    assert SkippedFile(path="a", reason="not a regular file; not scanned").kind is (
        GapKind.NOT_REGULAR
    )
    assert SkippedFile(path="a", reason="something odd").kind is GapKind.OTHER
    explicit = SkippedFile(path="a", reason="cannot be read", kind=GapKind.BINARY)
    assert explicit.kind is GapKind.BINARY


# --- real runs ----------------------------------------------------------------------------


@pytest.fixture
def broken_tree(tmp_path: Path) -> Path:
    """One Python file bandit analyses, two it cannot parse: 33% coverage."""
    root = tmp_path / "tree"
    root.mkdir()
    (root / "app.py").write_text(APP)
    (root / "bad1.py").write_text(BAD_SYNTAX)
    (root / "bad2.py").write_text(BAD_SYNTAX)
    return root


def test_bandit_below_min_coverage_makes_the_verdict_error(broken_tree: Path) -> None:
    verdict = secgate.check(broken_tree, config=PLAIN, scanners=["bandit"])
    bandit = verdict.scanner("bandit")
    assert bandit.status is ScanStatus.OK  # the scanner did its job on what it could parse
    assert {s.path: s.kind for s in bandit.coverage.skipped} == {
        "bad1.py": GapKind.UNPARSABLE,
        "bad2.py": GapKind.UNPARSABLE,
    }
    assert verdict.status is VerdictStatus.ERROR
    assert verdict.decided_by == "min-coverage"
    assert verdict.reasons[0].startswith("bandit analysed only 33% of its 3 candidate files")
    # The blocking finding is still reported, and named among the reasons.
    assert "B605" in {f.rule_id for f in verdict.blocking}
    assert any("blocking" in r for r in verdict.reasons)
    assert any(r.startswith("bandit analysed 1 of 3 files (33%): 2 could not be parsed")
               for r in verdict.reasons)  # fmt: skip


@pytest.mark.parametrize(
    ("settings", "status"),
    [
        ({"min-coverage": 0.3}, VerdictStatus.FAIL),
        ({"scanners": {"bandit": {"min-coverage": 0.3}}}, VerdictStatus.FAIL),
        ({"stages": {"pr": {"min-coverage": 0.3}}}, VerdictStatus.FAIL),
        ({"min-coverage": 0.3, "fail-on-gaps": ["unparsable"]}, VerdictStatus.ERROR),
    ],
)
def test_min_coverage_top_level_per_scanner_and_per_stage(
    broken_tree: Path, settings: dict[str, object], status: VerdictStatus
) -> None:
    config = Config.model_validate({**PLAIN.model_dump(by_alias=True), **settings})
    stage = "pr" if "stages" in settings else None
    verdict = secgate.check(broken_tree, config=config, scanners=["bandit"], stage=stage)
    assert verdict.status is status, verdict.reasons


def test_an_unreadable_file_injected_as_root_is_a_collector_gap_and_min_coverage_decides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root reads a mode-000 file, so the read failure is injected where secgate reads."""
    root = tmp_path / "tree"
    root.mkdir()
    for name in ("app.py", "lib.py", "locked.py"):
        (root / name).write_text("x = 1\n")
    real_get = FileDigests.get

    def failing(self: FileDigests, rel: str) -> str | None:
        return None if rel == "locked.py" else real_get(self, rel)

    monkeypatch.setattr(FileDigests, "get", failing)
    verdict = secgate.check(root, config=PLAIN, scanners=["secrets"])
    gaps = {s.path: s.kind for s in verdict.collection.skipped}
    assert gaps == {"locked.py": GapKind.UNREADABLE}
    assert verdict.status is VerdictStatus.PASS  # 2 of 3 read: above the default 0.5
    assert f"{COLLECTOR} analysed 2 of 3 files (66%): 1 is unreadable (first: locked.py)" in (
        verdict.reasons
    )
    strict = secgate.check(root, config=PLAIN.model_copy(update={"min_coverage": 0.9}),
                           scanners=["secrets"])  # fmt: skip
    assert strict.status is VerdictStatus.ERROR
    assert strict.decided_by == "min-coverage"
    assert strict.reasons[0].startswith(f"{COLLECTOR} analysed only 66% of its 3 candidate")


def test_evaluate_reapplies_the_coverage_policy_from_a_saved_report(
    broken_tree: Path, tmp_path: Path
) -> None:
    lenient = tmp_path / "lenient.toml"
    lenient.write_text("min-coverage = 0.3\nexclude = []\nrespect-gitignore = false\n")
    saved = run_cli("check", str(broken_tree), "--scanner", "bandit", "--no-cache",
                    "--config", str(lenient), "--format", "json")  # fmt: skip
    assert saved.code == 1, saved.err
    report = tmp_path / "report.json"
    report.write_text(saved.out)
    kinds = {s["kind"] for s in json.loads(saved.out)["scanners"][0]["coverage"]["skipped"]}
    assert kinds == {"unparsable"}
    strict = tmp_path / "strict.toml"
    strict.write_text('fail-on-gaps = ["unparsable"]\nmin-coverage = 0.3\n')
    again = run_cli("evaluate", str(report), "--config", str(strict))
    assert again.code == 2, again.out
    assert "fail-on-gaps" in again.out
    same = run_cli("evaluate", str(report), "--config", str(lenient))
    assert same.code == 1, same.out


def test_the_verdict_text_report_names_the_coverage(broken_tree: Path) -> None:
    result = run_cli("check", str(broken_tree), "--scanner", "bandit", "--no-cache")
    assert result.code == 2
    assert "bandit analysed only 33% of its 3 candidate files" in result.out
    assert "bandit analysed 1 of 3 files (33%): 2 could not be parsed" in result.out


@pytest.mark.parametrize("fmt", ["markdown", "junit", "json"])
def test_every_report_format_names_the_coverage(broken_tree: Path, fmt: str) -> None:
    result = run_cli("check", str(broken_tree), "--scanner", "bandit", "--no-cache",
                     "--format", fmt)  # fmt: skip
    assert result.code == 2
    assert "bandit analysed only 33% of its 3 candidate files" in result.out
    assert "bandit analysed 1 of 3 files (33%): 2 could not be parsed" in result.out
