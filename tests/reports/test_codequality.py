"""GitLab Code Quality report (issue 17 §1): findings on the merge request's diff lines.

One real scan of a copy of examples/insecure-app (with a fake secret and a copied line
added) serves the module. GitLab publishes no schema for this report; the one in
tests/schemas/gitlab/ is written from GitLab's documented fields (see its README). That a
merge of shards gives the same report as one run is tested in test_gitlab.py, on the scan
the security reports use.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

import jsonschema
import pytest

from secgate.models import Severity, Verdict
from secgate.reports.codequality import CodeQualityReporter
from secgate.reports.gitlab import listed
from secgate.reports.json_report import load_report
from tests.conftest import REPO, TESTS, run_cli, write

APP = REPO / "examples" / "insecure-app"
SCHEMA = TESTS / "schemas" / "gitlab" / "codequality-report.schema.json"
RUN = "import subprocess\n\n\ndef go(cmd):\n    subprocess.call(cmd, shell=True)\n"


def fake_token() -> str:
    return "gh" + "p_" + "Zq8Rt2Lm4Np6Vb8Xc0" + "Df2Gh4Jk6Lm8Pq0Rs2"


def validated(text: str) -> list[dict[str, Any]]:
    issues = json.loads(text)
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(issues)
    assert isinstance(issues, list)
    return issues


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Verdict, str]:
    """The verdict of a real scan and its Code Quality report, written by ``--report``."""
    work = tmp_path_factory.mktemp("codequality")
    tree = work / "app"
    shutil.copytree(APP, tree)
    write(
        tree,
        {
            "insecure_app/token.py": f'TOKEN = "{fake_token()}"\n',
            # The same flagged line twice: two findings sharing one content fingerprint.
            "insecure_app/twice.py": RUN + RUN.split("\n\n\n", 1)[1],
        },
    )
    report = work / "gl-code-quality-report.json"
    whole = work / "whole.json"
    result = run_cli(
        "check", str(tree), "--no-cache", "--format", "json", "--output", str(whole),
        "--report", f"gitlab-codequality={report}",
    )  # fmt: skip
    assert result.code == 1, result.err
    return load_report(whole), report.read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_report_validates_and_lists_every_kind_of_finding(
    scanned: tuple[Verdict, str],
) -> None:
    verdict, text = scanned
    issues = validated(text)
    assert len(issues) == sum(1 for f in verdict.findings if listed(f))
    scanners = {i["check_name"].split("/", 1)[0] for i in issues}
    assert scanners == {"bandit", "semgrep", "secrets", "pip-audit"}
    deps = [i for i in issues if i["check_name"].startswith("pip-audit/")]
    assert {i["location"]["path"] for i in deps} == {"requirements.txt"}
    assert all(i["location"]["lines"]["begin"] >= 1 for i in issues)


@pytest.mark.slow
def test_fingerprints_are_unique_and_stable(scanned: tuple[Verdict, str]) -> None:
    verdict, text = scanned
    issues = validated(text)
    prints = [i["fingerprint"] for i in issues]
    assert len(prints) == len(set(prints))  # GitLab shows one issue per fingerprint
    twice = [i for i in issues if i["location"]["path"] == "insecure_app/twice.py"]
    shared = {
        f.fingerprint for f in verdict.findings if f.path == "insecure_app/twice.py" and listed(f)
    }
    assert len(twice) > len(shared)  # findings sharing a content fingerprint, told apart
    reordered = verdict.model_copy(update={"findings": tuple(reversed(verdict.findings))})
    assert CodeQualityReporter().render(reordered) == CodeQualityReporter().render(verdict)
    assert CodeQualityReporter().render(verdict) == text  # the same as the run wrote


@pytest.mark.slow
def test_severity_mapping_and_blocking_mark(scanned: tuple[Verdict, str]) -> None:
    verdict, _ = scanned
    expected = {
        Severity.CRITICAL: "blocker",
        Severity.HIGH: "critical",
        Severity.MEDIUM: "major",
        Severity.LOW: "minor",
        Severity.INFO: "info",
    }
    for severity, name in expected.items():
        finding = next(f for f in verdict.findings if listed(f)).model_copy(
            update={"severity": severity}
        )
        (issue,) = validated(
            CodeQualityReporter().render(verdict.model_copy(update={"findings": (finding,)}))
        )
        assert issue["severity"] == name
        assert issue["description"].startswith("[blocking] ") == finding.blocking


@pytest.mark.slow
def test_no_secret_value_and_hostile_text_stays_data(scanned: tuple[Verdict, str]) -> None:
    verdict, text = scanned
    assert fake_token() not in text and fake_token()[4:20] not in text
    assert any(i["check_name"] == "secrets/github-pat-classic" for i in validated(text))
    name = 'a"b\n::error::x <i>\u202e.py'
    evil = '"}] ::error file=x::owned\r\n\u202e'
    finding = next(f for f in verdict.findings if listed(f)).model_copy(
        update={"path": name, "message": evil, "rule_id": 'R"1\n'}
    )
    out = CodeQualityReporter().render(verdict.model_copy(update={"findings": (finding,)}))
    (issue,) = validated(out)
    assert issue["location"]["path"] == name  # exactly the file's name: GitLab links it
    assert "\n" not in issue["description"] and "\r" not in issue["description"]
    assert "\u202e" not in issue["description"] and "\\u202e" in issue["description"]
    assert "\n" not in issue["check_name"]


def test_the_reporter_is_registered() -> None:
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    assert make_plugin_host().reporters()["gitlab-codequality"] is CodeQualityReporter
