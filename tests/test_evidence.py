"""One issue, one finding; blocking on evidence (issue 16 §2, §3).

Real bandit and semgrep run here. A small taint rule of the test's own (fixtures/evidence)
stands for the pack's taint rules, so the tests do not change when the pack does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import secgate
from secgate.api import RunContext
from secgate.config import Config
from secgate.deadcode import mark_unreachable
from secgate.evidence import judge_evidence, mark_disproved, merge_doubles
from secgate.models import Confidence, Coverage, Finding, ScanResult, ScanStatus, Severity
from secgate.scanners.semgrep import find_binary
from tests.conftest import run_cli, write

TAINT_RULE = Path(__file__).parent / "fixtures" / "evidence" / "command-taint.yaml"
FLOW = "import os\n\n\ndef run():\n    os.system(input())\n"
DEAD_FLOW = "import os\n\n\ndef run():\n    if 5 * 3 < 10:\n        os.system(input())\n"
NO_FLOW = 'import os\n\nCMD = "ls -l"\n\n\ndef run(cmd=CMD):\n    os.system(cmd)\n'
needs_semgrep = pytest.mark.skipif(find_binary() is None, reason="semgrep is not installed")


def _config(**extra: Any) -> Config:
    table: dict[str, Any] = {
        "cache": False,
        "exclude": [],
        "respect-gitignore": False,
        "scanners": {"semgrep": {"rules": [str(TAINT_RULE)]}},
    }
    for key, value in extra.items():
        if key == "scanners":
            for name, options in value.items():
                table["scanners"].setdefault(name, {}).update(options)
        else:
            table[key] = value
    return Config.model_validate(table)


def _at(verdict: secgate.Verdict, path: str, line: int) -> list[Finding]:
    return [f for f in verdict.findings if f.path == path and f.line == line]


# --- unit: the merge ------------------------------------------------------------------


def _finding(scanner: str, rule: str, line: int, cwe: int = 78, **kw: Any) -> Finding:
    return Finding(
        scanner=scanner, rule_id=rule, severity=kw.pop("severity", Severity.HIGH),
        confidence=Confidence.MEDIUM, message=f"{scanner} {rule}", path="a.py", line=line,
        cwe=(cwe,), fingerprint=f"{scanner}-{rule}-{line}", **kw,
    )  # fmt: skip


def test_doubles_merge_into_the_most_precise_and_others_stay() -> None:
    findings = [
        _finding("bandit", "B605", 5),
        _finding("semgrep", "pattern-rule", 5, properties={"evidence": "pattern"}),
        _finding("semgrep", "taint-rule", 5, properties={"evidence": "taint"}),
        _finding("semgrep", "sql-rule", 5, cwe=89, properties={"evidence": "pattern"}),
        _finding("bandit", "B605", 9),  # another line: another issue
        _finding("bandit", "B602", 5, suppressed_by="inline:nosec"),  # waived in code
    ]
    merged = merge_doubles(findings)
    assert [(f.rule_id, f.line) for f in merged] == [
        ("taint-rule", 5),
        ("sql-rule", 5),
        ("B605", 9),
        ("B602", 5),
    ]
    assert [(r.scanner, r.rule_id) for r in merged[0].related] == [
        ("bandit", "B605"),
        ("semgrep", "pattern-rule"),
    ]
    assert merge_doubles(merged) == merged  # idempotent (secgate evaluate re-applies it)


def test_overlapping_ranges_merge_and_bandit_yields_to_semgrep() -> None:
    wide = _finding("semgrep", "p", 4, end_line=6, properties={"evidence": "pattern"})
    merged = merge_doubles([_finding("bandit", "B605", 5), wide])
    assert [f.rule_id for f in merged] == ["p"]


def _run_context(details: dict[str, Any], **config: Any) -> RunContext:
    result = ScanResult(name="semgrep", status=ScanStatus.OK, details=details,
                        coverage=Coverage(files_scanned=1))  # fmt: skip
    return RunContext(root=Path(), config=Config(**config), results=(result,))


def test_a_pattern_finding_is_unconfirmed_only_where_a_taint_rule_looked() -> None:
    details = {"taint_families": "command-injection", "taint_suffixes": ".py"}
    pattern = _finding("bandit", "B605", 5)
    (judged,) = judge_evidence([pattern], _run_context(details))
    assert judged.suppressed_by == "unconfirmed"
    assert "found no flow" in str(judged.properties["unconfirmed"])
    # Another family: the taint rules did not look for it.
    (sql,) = judge_evidence([_finding("bandit", "B608", 5, cwe=89)], _run_context(details))
    assert sql.suppressed_by is None
    # No taint rule ran at all (semgrep errored, not installed): no evidence, no relief.
    (alone,) = judge_evidence([pattern], _run_context({}))
    assert alone.suppressed_by is None
    # block-unconfirmed: still marked, but blocking is left to the threshold.
    (kept,) = judge_evidence([pattern], _run_context(details, block_unconfirmed=True))
    assert kept.suppressed_by is None and kept.properties["evidence_status"] == "unconfirmed"


# --- real scans -----------------------------------------------------------------------


@needs_semgrep
def test_a_double_is_one_finding_in_every_report(project: Path) -> None:
    write(project, {"app.py": FLOW})
    verdict = secgate.check(project, scanners=["bandit", "semgrep"], config=_config())
    at_line = _at(verdict, "app.py", 5)
    # Only taint findings are left on the line (the test's rule, and the pack's own taint
    # rule if it has one); bandit's B605 and the pattern rule are folded into them.
    assert "test-command-injection-taint" in {f.rule_id for f in at_line}
    assert all(f.properties.get("evidence") == "taint" for f in at_line)
    related = {r.rule_id for f in at_line for r in f.related}
    assert {"B605", "python-os-command-injection"} <= related
    assert all(f.blocking for f in at_line)
    assert verdict.summary.merged == sum(len(f.related) for f in at_line)
    for fmt in ("json", "sarif", "junit", "markdown", "text"):
        out = run_cli("check", str(project), "--scanner", "bandit", "--scanner", "semgrep",
                      "--no-cache", "--format", fmt, "--config", str(_toml(project)))  # fmt: skip
        assert out.code == 1, (fmt, out.err)
        # The partners' rule ids appear only inside the merged finding, never as findings.
        taint_ids = {f.rule_id for f in at_line}
        if fmt == "json":
            report = json.loads(out.out)
            assert {f["rule_id"] for f in report["findings"] if f["line"] == 5} == taint_ids
        elif fmt == "sarif":
            results = [r for run in json.loads(out.out)["runs"] for r in run["results"]]
            assert {r["ruleId"] for r in results} == taint_ids
        elif fmt == "text":
            assert "doubles merged" in out.out
            assert out.out.count("app.py:5") <= 1 or "B605" not in out.out.split("Verdict")[0]
        else:
            assert out.out.count("B605") == 0, fmt


def _toml(project: Path) -> Path:
    path = project.parent / "owner.toml"
    path.write_text(
        "cache = false\nexclude = []\nrespect-gitignore = false\n"
        f"[scanners.semgrep]\nrules = ['{TAINT_RULE}']\n"
    )
    return path


@needs_semgrep
def test_a_pattern_finding_with_no_flow_is_unconfirmed_and_can_block_again(
    project: Path,
) -> None:
    write(project, {"app.py": NO_FLOW})
    verdict = secgate.check(project, scanners=["bandit", "semgrep"], config=_config())
    (finding,) = _at(verdict, "app.py", 7)
    assert finding.suppressed_by == "unconfirmed" and not finding.blocking
    assert verdict.passed
    strict = secgate.check(project, scanners=["bandit", "semgrep"],
                           config=_config(**{"block-unconfirmed": True}))  # fmt: skip
    (again,) = _at(strict, "app.py", 7)
    assert again.blocking and strict.status is secgate.VerdictStatus.FAIL


@needs_semgrep
def test_a_file_the_taint_rules_did_not_analyse_keeps_its_pattern_findings_blocking(
    project: Path,
) -> None:
    write(project, {"legacy/app.py": NO_FLOW})
    config = _config(scanners={"semgrep": {"exclude": ["legacy/"]}})
    verdict = secgate.check(project, scanners=["bandit", "semgrep"], config=config)
    (finding,) = _at(verdict, "legacy/app.py", 7)
    assert finding.rule_id == "B605" and finding.blocking


@needs_semgrep
def test_a_baseline_or_waiver_for_either_partner_matches_the_merged_finding(
    project: Path, tmp_path: Path
) -> None:
    write(project, {"app.py": FLOW})
    # A baseline written with bandit alone (before the merge existed, say).
    baseline = tmp_path / "bandit-only.json"
    assert run_cli("baseline", str(project), "--scanner", "bandit", "-o", str(baseline)).code == 0
    verdict = secgate.check(project, scanners=["bandit", "semgrep"], config=_config(),
                            baseline=baseline)  # fmt: skip
    (holder,) = [f for f in _at(verdict, "app.py", 5) if "B605" in {r.rule_id for r in f.related}]
    assert holder.suppressed_by == "baseline"
    assert verdict.baseline is not None and verdict.baseline.fixed == ()
    # And one written with the merge in place matches on the next run.
    both = tmp_path / "merged.json"
    owner = _toml(project)
    made = run_cli("baseline", str(project), "--scanner", "bandit", "--scanner", "semgrep",
                   "--config", str(owner), "-o", str(both))  # fmt: skip
    assert made.code == 0, made.err
    again = secgate.check(project, scanners=["bandit", "semgrep"], config=_config(),
                          baseline=both)  # fmt: skip
    assert {f.suppressed_by for f in _at(again, "app.py", 5)} == {"baseline"}
    # A waiver naming the bandit test covers the merged finding too.
    waived = secgate.check(
        project,
        scanners=["bandit", "semgrep"],
        config=_config(waivers=[{"id": "w", "rule": "B605", "reason": "tracked in ops",
                                 "expires": "2999-01-01"}]),
    )  # fmt: skip
    holder = [f for f in _at(waived, "app.py", 5) if "B605" in {r.rule_id for r in f.related}]
    assert holder and holder[0].suppressed_by == "waiver:w"


def _saved_report(project: Path, tmp_path: Path) -> tuple[Path, Path, str]:
    """The owner's config, and the JSON report of a passing check with it (path and text)."""
    owner = _toml(project)
    saved = run_cli("check", str(project), "--scanner", "bandit", "--scanner", "semgrep",
                    "--config", str(owner), "--format", "json")  # fmt: skip
    assert saved.code == 0, saved.err
    report = tmp_path / "r.json"
    report.write_text(saved.out)
    return owner, report, saved.out


@needs_semgrep
def test_evaluate_reapplies_the_evidence_policy(project: Path, tmp_path: Path) -> None:
    write(project, {"app.py": NO_FLOW})
    owner, report, _ = _saved_report(project, tmp_path)
    strict = tmp_path / "strict.toml"
    strict.write_text(
        owner.read_text().replace("cache = false\n", "cache = false\nblock-unconfirmed = true\n")
    )
    assert run_cli("evaluate", str(report), "--config", str(strict)).code == 1
    assert run_cli("evaluate", str(report), "--config", str(owner)).code == 0


def test_a_disproved_taint_finding_is_no_flow_for_the_pattern_on_its_line() -> None:
    details = {"taint_families": "command-injection", "taint_suffixes": ".py"}
    reason = "line 5 is on a branch that cannot run: `False` is always False"
    taint = _finding("semgrep", "t", 5, properties={"evidence": "taint",
                     "trace_check": "disproved", "trace_reason": reason})  # fmt: skip
    pattern = _finding("bandit", "B605", 5)
    judged = judge_evidence(merge_doubles(mark_disproved([taint, pattern])), _run_context(details))
    assert [(f.rule_id, f.suppressed_by) for f in judged] == [
        ("t", "disproved"),
        ("B605", "unconfirmed"),
    ]
    assert reason in str(judged[0].decided_by) and judged[1].related == ()
    # A kept trace is still a flow: the pattern merges into it and nothing is set aside.
    kept = taint.model_copy(update={"properties": {"evidence": "taint", "trace_check": "kept"}})
    (one,) = judge_evidence(merge_doubles(mark_disproved([kept, pattern])), _run_context(details))
    assert one.rule_id == "t" and one.suppressed_by is None


@needs_semgrep
def test_a_dead_branch_flow_is_disproved_and_evaluate_reapplies_it(
    project: Path, tmp_path: Path
) -> None:
    write(project, {"app.py": DEAD_FLOW})
    verdict = secgate.check(project, scanners=["bandit", "semgrep"], config=_config())
    on_line = _at(verdict, "app.py", 6)
    taint = [f for f in on_line if f.properties.get("evidence") == "taint"]
    assert taint and all(f.suppressed_by == "disproved" for f in taint)
    assert all("`5 * 3 < 10` is always False" in str(f.decided_by) for f in taint)
    # bandit's B605 and the pack's pattern rule on that line cannot run either: disproved
    # by the same proof, whatever their evidence, and not merged into anything.
    patterns = [f for f in on_line if f not in taint]
    assert "B605" in {f.rule_id for f in patterns}
    assert all(f.suppressed_by == "disproved" for f in patterns)
    assert all("`5 * 3 < 10` is always False" in str(f.decided_by) for f in patterns)
    assert verdict.passed
    owner, report, saved = _saved_report(project, tmp_path)
    findings = json.loads(saved)["findings"]
    checks = {f["properties"].get("trace_check") for f in findings if f["scanner"] == "semgrep"}
    assert "disproved" in checks
    assert run_cli("evaluate", str(report), "--config", str(owner)).code == 0
    # Without the trace check's verdict the same report blocks: evaluate re-judges from it.
    data = json.loads(saved)
    for finding in data["findings"]:
        finding["properties"].pop("trace_check", None)
        finding["suppressed_by"] = None
        finding["blocking"] = False
    report.write_text(json.dumps(data))
    # (with the tree still there, evaluate would check the lines that cannot run again)
    (project / "app.py").unlink()
    assert run_cli("evaluate", str(report), "--config", str(owner)).code == 1


def test_two_secrets_on_one_line_stay_two_findings() -> None:
    """Two rules of one scanner with the same evidence report two issues, not one."""
    first = _finding("secrets", "aws-access-key-id", 1, cwe=798, column=9)
    second = _finding("secrets", "github-pat-classic", 1, cwe=798, column=30)
    assert merge_doubles([first, second]) == [first, second]
    # One scanner's own tests on one call stay as that scanner reports them.
    b602, b604 = _finding("bandit", "B602", 5), _finding("bandit", "B604", 5)
    assert merge_doubles([b602, b604]) == [b602, b604]
    # The same scanner's taint and pattern rules on one sink are one issue.
    taint = _finding("semgrep", "t", 3, properties={"evidence": "taint"})
    pattern = _finding("semgrep", "p", 3, properties={"evidence": "pattern"})
    assert [f.rule_id for f in merge_doubles([pattern, taint])] == ["t"]


def test_a_pattern_finding_on_a_line_that_cannot_run_is_disproved(tmp_path: Path) -> None:
    # hashlib.sha1() under `if DEBUG and False:` is no weakness, whatever found it.
    (tmp_path / "a.py").write_text(
        "import hashlib\nDEBUG = True\n\n\ndef digest(data):\n"
        "    if DEBUG and False:\n        return hashlib.sha1(data)\n"
        "    return hashlib.sha1(data)\n"
    )
    dead, live = _finding("bandit", "B324", 7, cwe=327), _finding("bandit", "B324", 8, cwe=327)
    checked = mark_disproved(mark_unreachable([dead, live], tmp_path))
    assert [(f.line, f.suppressed_by) for f in checked] == [(7, "disproved"), (8, None)]
    assert "`DEBUG and False` is always False" in str(checked[0].decided_by)
    # A path that leaves the root, or a symlink, is never read: the finding stays.
    (tmp_path / "inside").mkdir()
    (tmp_path / "inside" / "link.py").symlink_to(tmp_path / "a.py")
    linked = dead.model_copy(update={"path": "link.py"})
    escaped = dead.model_copy(update={"path": "../a.py"})
    for finding in mark_unreachable([linked, escaped], tmp_path / "inside"):
        assert "trace_check" not in finding.properties
