"""Data model: severity order, fingerprints, validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

import secgate
from secgate.models import Confidence, Finding, Severity
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
