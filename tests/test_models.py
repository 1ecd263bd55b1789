"""Data model: severity order, fingerprints, validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

import secgate
from secgate.models import (
    Confidence,
    Finding,
    ScanResult,
    ScanStatus,
    Severity,
    Verdict,
    VerdictStatus,
)
from tests.conftest import write


def test_severity_is_ordered_by_badness_not_alphabet() -> None:
    assert Severity.CRITICAL > Severity.HIGH > Severity.MEDIUM > Severity.LOW > Severity.INFO
    assert Severity.HIGH >= "high" and Severity.LOW < "medium"
    assert max(Severity.LOW, Severity.HIGH, Severity.MEDIUM) is Severity.HIGH
    assert Confidence.HIGH > Confidence.LOW
    with pytest.raises(TypeError):
        assert Severity.HIGH > 3


def _fingerprints(project: Path, text: str) -> list[str]:
    write(project, {"app.py": text})
    verdict = secgate.check(project, scanners=["fake-marker"])
    return [f.fingerprint for f in verdict.findings]


def test_fingerprint_survives_inserted_lines_and_changes_with_the_flagged_code(
    fake_plugin: Path, project: Path
) -> None:
    flagged = "eval(data)  # FAKE-ISSUE(high)\n"
    [before] = _fingerprints(project, "import os\n" + flagged)
    [shifted] = _fingerprints(project, "import os\n\n# a comment\nx = 1\n" + flagged)
    [reindented] = _fingerprints(project, "import os\n" + "    " + flagged)
    [edited] = _fingerprints(project, "import os\n" + "eval(other)  # FAKE-ISSUE(high)\n")
    assert len(before) == 32
    assert before == shifted == reindented
    assert edited != before


def test_two_copies_of_one_flagged_line_share_a_fingerprint(
    fake_plugin: Path, project: Path
) -> None:
    flagged = "eval(data)  # FAKE-ISSUE(high)\n"
    first, second = _fingerprints(project, flagged + "x = 1\n" + flagged)
    assert first == second


def test_finding_rejects_unknown_fields_and_absolute_paths() -> None:
    base = {"scanner": "s", "rule_id": "R1", "severity": "high", "message": "m", "path": "a.py"}
    assert Finding.model_validate(base).severity is Severity.HIGH
    with pytest.raises(ValidationError, match="extra"):
        Finding.model_validate({**base, "colour": "red"})
    with pytest.raises(ValidationError, match="relative"):
        Finding.model_validate({**base, "path": "/etc/passwd"})
    assert Finding.model_validate({**base, "path": "a\\b.py"}).path == "a/b.py"


def _verdict(status: str, findings: int = 2) -> Verdict:
    return Verdict(
        tool_version="0",
        status=VerdictStatus(status),
        reasons=("r",),
        decided_by="d",
        root=".",
        findings=tuple(
            Finding(
                scanner="s",
                rule_id=f"R{i}",
                message="m",
                severity=Severity.HIGH,
                path=f"f{i}.py",
                blocking=i == 0,
            )
            for i in range(findings)
        ),
        scanners=(ScanResult(name="bandit", status=ScanStatus.OK),),
    )


@pytest.mark.parametrize("status", ["pass", "fail", "error"])
def test_a_verdict_has_no_truth_value(status: str) -> None:
    """`if secgate.check("."): deploy()` must not deploy on a FAIL: it is refused."""
    verdict = _verdict(status)
    with pytest.raises(TypeError, match=r"use verdict\.passed"):
        bool(verdict)
    assert verdict.passed is (status == "pass")


def test_a_verdict_iterates_its_findings_and_reprs_on_one_line() -> None:
    verdict = _verdict("fail", findings=3)
    assert [f.rule_id for f in verdict] == ["R0", "R1", "R2"]
    assert len(verdict) == 3
    text = repr(verdict)
    assert "\n" not in text and len(text) < 200
    assert text == ("<Verdict fail: 3 findings, 1 blocking; decided by d; scanners: bandit=ok>")
    assert str(verdict) == text
    # Serialisation is unaffected.
    assert Verdict.model_validate_json(verdict.model_dump_json()) == verdict
