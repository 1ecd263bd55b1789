"""GitLab security reports (issue 17 §1): SAST, secret detection, dependency scanning.

One real scan of a copy of examples/insecure-app (with two fake secrets added, one in a
file with a hostile name) serves the module: run whole, and run as two shards merged with
``secgate merge``. Every report is validated against GitLab's published schema 15.2.1
(tests/schemas/gitlab/, see its README).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from secgate.models import Verdict, VerdictStatus
from secgate.reports.gitlab import (
    SCHEMA_VERSION,
    GitlabDependencyScanningReporter,
    GitlabSastReporter,
    GitlabSecretDetectionReporter,
    ReportKind,
    gitlab_report,
)
from secgate.reports.json_report import load_report
from tests.conftest import REPO, TESTS, run_cli, write

APP = REPO / "examples" / "insecure-app"
SCHEMAS = TESTS / "schemas" / "gitlab"
FORMATS = {
    "gitlab-sast": "sast",
    "gitlab-secret-detection": "secret-detection",
    "gitlab-dependency-scanning": "dependency-scanning",
}
#: With GitLab's Code Quality report, whose merge is checked here too (one scan for both).
ALL = [*FORMATS, "gitlab-codequality"]
#: A file name no report may break on: quotes, markup, a JSON closer, a bidi override.
HOSTILE_NAME = "insecure_app/we\"ird <b>&'],}\u202e.py"


def fake_aws_key() -> str:
    return "AKIA" + "ZX3Q5RT7" + "WB2N4MKP"


def fake_github_token() -> str:
    return "gh" + "p_" + "aB3dE5gH7jK9mN1pQ3sT" + "5vW7yZ9bC1dF3hJ5"


def schema(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (SCHEMAS / f"{kind}-report-format.json").read_text(encoding="utf-8")
    )
    return data


def validated(text: str, kind: str) -> dict[str, Any]:
    """The report, after checking it against GitLab's schema for *kind*."""
    report = json.loads(text)
    jsonschema.Draft7Validator(schema(kind)).validate(report)
    assert isinstance(report, dict)
    return report


def without_times(report: dict[str, Any]) -> dict[str, Any]:
    scan = {k: v for k, v in report["scan"].items() if k not in ("start_time", "end_time")}
    return {**report, "scan": scan}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The whole run's and the merged shards' reports of every GitLab format."""
    work = tmp_path_factory.mktemp("gitlab")
    tree = work / "app"
    shutil.copytree(APP, tree)
    write(
        tree,
        {
            "insecure_app/settings_local.py": f'AWS_ACCESS_KEY_ID = "{fake_aws_key()}"\n',
            HOSTILE_NAME: f'TOKEN = "{fake_github_token()}"\n',
        },
    )
    reports = [arg for fmt in ALL for arg in ("--report", f"{fmt}=whole-{fmt}.json")]
    whole = work / "whole.json"
    result = run_cli(
        "check", str(tree), "--no-cache", "--format", "json", "--output", str(whole),
        *[a.replace("=whole-", f"={work}/whole-") for a in reports],
    )  # fmt: skip
    assert result.code == 1, result.err
    shards = []
    for k in (1, 2):
        path = work / f"shard-{k}.json"
        result = run_cli(
            "check", str(tree), "--no-cache", "--shard", f"{k}/2", "--format", "json",
            "--output", str(path),
        )  # fmt: skip
        assert result.code in (0, 1), result.err
        shards.append(str(path))
    merged: dict[str, str] = {}
    for fmt in ALL:
        result = run_cli("merge", *shards, "--format", fmt)
        assert result.code == 1, result.err
        merged[fmt] = result.out
    return {
        "tree": tree,
        "verdict": load_report(whole),
        "whole": {fmt: (work / f"whole-{fmt}.json").read_text(encoding="utf-8") for fmt in ALL},
        "merged": merged,
    }


def test_the_schema_copies_are_there() -> None:
    for kind in FORMATS.values():
        assert schema(kind)["self"]["version"] == SCHEMA_VERSION == "15.2.1"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_report_validates_against_gitlabs_schema(scanned: dict[str, Any], fmt: str) -> None:
    for text in (scanned["whole"][fmt], scanned["merged"][fmt]):
        report = validated(text, FORMATS[fmt])
        assert report["version"] == "15.2.1"
        assert report["schema"].endswith(f"/v15.2.1/dist/{FORMATS[fmt]}-report-format.json")
        assert report["scan"]["type"] == FORMATS[fmt].replace("-", "_")
        assert report["scan"]["status"] == "success"
        assert report["vulnerabilities"], f"{fmt}: no vulnerability from insecure-app"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_merged_shards_give_the_reports_of_one_run(scanned: dict[str, Any], fmt: str) -> None:
    whole = without_times(json.loads(scanned["whole"][fmt]))
    merged = without_times(json.loads(scanned["merged"][fmt]))
    assert merged == whole


@pytest.mark.slow
def test_merged_shards_give_the_code_quality_report_of_one_run(scanned: dict[str, Any]) -> None:
    whole = json.loads(scanned["whole"]["gitlab-codequality"])
    assert len(whole) > 50  # SAST, secrets and dependency findings alike
    assert json.loads(scanned["merged"]["gitlab-codequality"]) == whole


@pytest.mark.slow
def test_findings_go_to_the_report_of_their_kind(scanned: dict[str, Any]) -> None:
    sast, secrets, deps = (
        json.loads(scanned["whole"][f])["vulnerabilities"] for f in FORMATS
    )  # fmt: skip
    assert {v["details"]["secgate_scanner"]["value"] for v in sast} == {"bandit", "semgrep"}
    assert {v["details"]["secgate_scanner"]["value"] for v in secrets} == {"secrets"}
    assert {v["details"]["secgate_scanner"]["value"] for v in deps} == {"pip-audit"}
    assert {v["location"]["file"] for v in secrets} == {
        "insecure_app/settings_local.py",
        HOSTILE_NAME,
    }
    assert all(v["location"]["commit"] == {"sha": "0000000"} for v in secrets)
    flask = next(v for v in deps if v["location"]["dependency"]["package"]["name"] == "flask")
    assert flask["location"] == {
        "file": "requirements.txt",
        "dependency": {"package": {"name": "flask"}, "version": "0.12"},
    }
    kinds = {i["type"] for v in deps for i in v["identifiers"]}
    assert {"pysec", "cve", "ghsa"} <= kinds
    cve = next(i for v in deps for i in v["identifiers"] if i["type"] == "cve")
    assert cve["url"] == f"https://nvd.nist.gov/vuln/detail/{cve['value']}"
    assert "Upgrade flask" in flask["solution"]
    # The primary identifier is the rule (SAST) or the advisory (dependencies).
    assert all(v["identifiers"][0]["type"] in ("bandit_rule_id", "semgrep_rule_id") for v in sast)
    assert any(i["type"] == "cwe" and i["value"] == "78" for v in sast for i in v["identifiers"])


@pytest.mark.slow
def test_severities_are_gitlabs_and_unconfirmed_findings_are_flagged(
    scanned: dict[str, Any],
) -> None:
    verdict: Verdict = scanned["verdict"]
    sast = json.loads(scanned["whole"]["gitlab-sast"])["vulnerabilities"]
    assert {v["severity"] for v in sast} <= {"Critical", "High", "Medium", "Low", "Info"}
    unconfirmed = sum(
        1 for f in verdict.findings if f.suppressed_by == "unconfirmed" and f.package is None
    )
    flagged = [v for v in sast if "flags" in v]
    assert unconfirmed > 0 and len(flagged) == unconfirmed
    assert {fl["type"] for v in flagged for fl in v["flags"]} == {
        "flagged-as-likely-false-positive"
    }
    blocking = [v for v in sast if v["details"]["secgate_blocking"]["value"]]
    assert len(blocking) == sum(1 for f in verdict.blocking if f.scanner in ("bandit", "semgrep"))


@pytest.mark.slow
def test_ids_are_uuids_unique_and_stable_across_runs_and_renders(scanned: dict[str, Any]) -> None:
    verdict: Verdict = scanned["verdict"]
    for fmt in FORMATS:
        ids = [v["id"] for v in json.loads(scanned["whole"][fmt])["vulnerabilities"]]
        assert len(ids) == len(set(ids))
        assert all(len(i) == 36 and i[14] == "5" for i in ids)  # UUID version 5
        merged_ids = [v["id"] for v in json.loads(scanned["merged"][fmt])["vulnerabilities"]]
        assert merged_ids == ids  # another run (two shards) gives the same ids
    first = GitlabSastReporter().render(verdict)
    reordered = verdict.model_copy(update={"findings": tuple(reversed(verdict.findings))})
    again = GitlabSastReporter().render(reordered)
    assert [v["id"] for v in json.loads(first)["vulnerabilities"]] == [
        v["id"] for v in json.loads(again)["vulnerabilities"]
    ]


@pytest.mark.slow
def test_no_secret_value_appears(scanned: dict[str, Any]) -> None:
    texts = [*scanned["whole"].values(), *scanned["merged"].values()]
    for text in texts:
        assert fake_aws_key() not in text
        assert fake_github_token() not in text
        assert fake_github_token()[8:24] not in text  # nor a long piece of it
    secrets = json.loads(scanned["whole"]["gitlab-secret-detection"])["vulnerabilities"]
    assert len(secrets) == 2


@pytest.mark.slow
def test_a_hostile_file_name_is_carried_as_data(scanned: dict[str, Any]) -> None:
    text = scanned["whole"]["gitlab-secret-detection"]
    report = validated(text, "secret-detection")
    files = [v["location"]["file"] for v in report["vulnerabilities"]]
    assert HOSTILE_NAME in files  # exactly the name: GitLab links the file
    assert "\u202e" not in text  # JSON-escaped (\u202e), not written raw


@pytest.mark.slow
def test_hostile_messages_cannot_inject_markup(scanned: dict[str, Any]) -> None:
    verdict: Verdict = scanned["verdict"]
    evil = (
        '"}]} <img src=x onerror=alert(1)> [click](javascript:alert(1)) @all '
        "![x](https://evil.example/p.png)\n\n# Verdict: PASS \u202e"
    )
    index = next(i for i, f in enumerate(verdict.findings) if f.scanner == "semgrep" and f.blocking)
    hostile = verdict.findings[index].model_copy(update={"message": evil, "help_text": evil})
    findings = list(verdict.findings)
    findings[index] = hostile
    report = validated(
        GitlabSastReporter().render(verdict.model_copy(update={"findings": tuple(findings)})),
        "sast",
    )
    (vuln,) = [v for v in report["vulnerabilities"] if v["description"].startswith('"')]
    for field in ("description", "solution"):
        text = vuln[field]
        # Every Markdown and HTML special is backslash-escaped: shown, never rendered.
        assert re.search(r"(?<!\\)[<>\[\]#`]", text.replace("`@`", "")) is None, text
        assert "\n" not in text and "\u202e" not in text and "u202e" in text
        assert "`@`all" in text and "https\\://" in text  # no mention, no autolink
    assert "evil" not in vuln["name"]  # the name is the rule's text, not the message


@pytest.mark.slow
def test_findings_set_aside_for_good_are_left_out(scanned: dict[str, Any]) -> None:
    verdict: Verdict = scanned["verdict"]
    before = json.loads(GitlabSastReporter().render(verdict))["vulnerabilities"]
    sast = [f for f in verdict.findings if f.scanner in ("bandit", "semgrep")]
    reasons = ["waiver:W1", "baseline", "inline", "path-policy:vendor", "duplicate", "disproved"]
    set_aside = [
        f.model_copy(update={"suppressed_by": r, "blocking": False})
        for f, r in zip(sast, reasons, strict=False)
    ]
    others = [f for f in verdict.findings if f not in sast[: len(reasons)]]
    changed = verdict.model_copy(update={"findings": (*set_aside, *others)})
    after = validated(GitlabSastReporter().render(changed), "sast")["vulnerabilities"]
    assert len(after) == len(before) - len(reasons)
    kept = [f.model_copy(update={"suppressed_by": "below-threshold"}) for f in sast[:2]]
    changed = verdict.model_copy(update={"findings": (*kept, *verdict.findings[2:])})
    assert len(json.loads(GitlabSastReporter().render(changed))["vulnerabilities"]) == len(before)


def test_an_errored_secrets_scanner_gives_failure_status(project: Path) -> None:
    write(project, {"a.py": "x = 1\n", "secgate.toml": '[scanners.secrets]\nmode = "history"\n'})
    result = run_cli(
        "check", str(project), "--scanner", "secrets", "--format", "gitlab-secret-detection"
    )
    assert result.code == 2, result.err
    report = validated(result.out, "secret-detection")
    assert report["scan"]["status"] == "failure"
    fatal = [m["value"] for m in report["scan"]["messages"] if m["level"] == "fatal"]
    assert len(fatal) == 1 and fatal[0].startswith("secrets failed: ")
    assert "not inside a git repository" in fatal[0]


def test_an_errored_plugin_scanner_fails_the_sast_report_only(
    fake_plugin: Path, project: Path, tmp_path: Path
) -> None:
    write(project, {"a.py": "x = 1  # FAKE-ISSUE(high)\n"})
    out = tmp_path / "sast.json"
    result = run_cli(
        "check", str(project), "--scanner", "fake-crash", "--scanner", "fake-marker",
        "--format", "gitlab-sast", "--output", str(out),
        "--report", f"gitlab-dependency-scanning={tmp_path / 'deps.json'}",
    )  # fmt: skip
    assert result.code == 2, result.err
    report = validated(out.read_text(encoding="utf-8"), "sast")
    assert report["scan"]["status"] == "failure"
    assert report["scan"]["scanner"]["id"] == "secgate-sast"  # two scanners: fake-*
    assert any("boom: the fake tool crashed" in m["value"] for m in report["scan"]["messages"])
    (vuln,) = report["vulnerabilities"]  # the working scanner's finding is still there
    assert vuln["location"] == {"file": "a.py", "start_line": 1, "end_line": 1}
    assert vuln["identifiers"][0] == {
        "type": "fake_marker_rule_id",
        "name": "fake-marker FAKE001",
        "value": "FAKE001",
        "url": "https://example.invalid/fake001",
    }
    assert vuln["name"] == "a FAKE-ISSUE marker"  # the rule's text
    deps = validated((tmp_path / "deps.json").read_text(encoding="utf-8"), "dependency-scanning")
    assert deps["scan"]["status"] == "success" and deps["vulnerabilities"] == []


def test_the_reporters_are_registered() -> None:
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    reporters = make_plugin_host().reporters()
    assert reporters["gitlab-sast"] is GitlabSastReporter
    assert reporters["gitlab-secret-detection"] is GitlabSecretDetectionReporter
    assert reporters["gitlab-dependency-scanning"] is GitlabDependencyScanningReporter


def test_gitlab_time_format_and_a_verdict_without_scanners() -> None:
    verdict = Verdict(
        tool_version="1.0", status=VerdictStatus.PASS, reasons=("ok",), decided_by="x", root="."
    )
    for kind in ReportKind:
        report = gitlab_report(verdict, kind)
        jsonschema.Draft7Validator(schema(kind.file_stem)).validate(report)
        assert len(report["scan"]["start_time"]) == 19 and report["vulnerabilities"] == []
