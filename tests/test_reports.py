"""Reports: JSON against the committed schema, SARIF against OASIS, text for CI logs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import secgate
from secgate.models import Verdict
from secgate.plugins import Reporter, hookimpl, make_plugin_host
from secgate.reports.json_report import SCHEMA_PATH, indented_json, render_schema
from tests.conftest import TESTS, run_cli, write

SARIF_SCHEMA = TESTS / "schemas" / "sarif-schema-2.1.0.json"
SOURCE = {
    "app.py": "import os\nos.system(cmd)  # FAKE-ISSUE(high)\n",
    "lib/util.py": "x = 1  # FAKE-ISSUE(medium)\ny = 2  # FAKE-ISSUE(critical) fake: ignore\n",
    "name with space.py": "z  # FAKE-ISSUE(low)\n",
}


@pytest.fixture
def verdict(fake_plugin: Path, project: Path) -> Verdict:
    write(project, SOURCE)
    return secgate.check(project, scanners=["fake-marker", "fake-crash", "fake-sleep-a"])


def test_committed_json_schema_is_the_generated_one() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), (
        "run `python -m secgate.reports.json_report` and commit the schema"
    )


def test_json_report_validates_against_the_committed_schema(verdict: Verdict) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    report = json.loads(make_plugin_host().reporters()["json"]().render(verdict))
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["schema_version"] == "1.1"
    assert report["verdict"] == report["status"] == "error"
    assert {s["name"]: s["status"] for s in report["scanners"]}["fake-crash"] == "error"
    assert report["summary"]["by_severity"] == {"critical": 1, "high": 1, "medium": 1, "low": 1}
    by_line = {(f["path"], f["line"]): f for f in report["findings"]}
    assert by_line[("lib/util.py", 2)]["suppressed_by"] == "inline"
    assert by_line[("app.py", 2)]["blocking"] is True
    assert by_line[("lib/util.py", 1)]["suppressed_by"] == "below-threshold"


def test_json_report_text_is_what_the_standard_library_would_write(verdict: Verdict) -> None:
    # The fast encoder must not change the report: same text as json.dumps(indent=2,
    # ensure_ascii=False), non-ASCII kept, and the first keys in their documented order.
    text = make_plugin_host().reporters()["json"]().render(verdict)
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    assert list(json.loads(text))[:4] == ["schema_version", "tool", "tool_version", "verdict"]
    data = {"path": "caf\u00e9/\u2028.py", "n": [1, {"x": None}], "empty": {}}
    assert indented_json(data) == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    # A lone surrogate (an undecodable file name) is refused by the fast encoder: the
    # standard library's one writes it, as before.
    odd = {"path": "bad\udcff.py"}
    assert indented_json(odd) == json.dumps(odd, indent=2, ensure_ascii=False) + "\n"


def test_json_schema_rejects_a_report_missing_its_verdict(verdict: Verdict) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    report = json.loads(verdict.model_dump_json())
    del report["status"]
    with pytest.raises(jsonschema.ValidationError, match="'status' is a required property"):
        jsonschema.Draft202012Validator(schema).validate(report)


def test_sarif_report_validates_against_the_oasis_schema(verdict: Verdict) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    sarif = json.loads(make_plugin_host().reporters()["sarif"]().render(verdict))
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert sarif["version"] == "2.1.0"


def test_sarif_has_one_run_per_scanner_each_in_its_own_category(verdict: Verdict) -> None:
    sarif = json.loads(make_plugin_host().reporters()["sarif"]().render(verdict))
    runs = {run["tool"]["driver"]["name"]: run for run in sarif["runs"]}
    # fake-crash errored: no run (an empty one would close its alerts), a note in the others.
    assert set(runs) == {"secgate/fake-marker", "secgate/fake-sleep-a"}
    categories = [run["automationDetails"]["id"] for run in sarif["runs"]]
    assert len(set(categories)) == len(categories)
    for run in runs.values():
        [note] = run["invocations"][0]["toolExecutionNotifications"]
        assert note["level"] == "error"
        assert note["message"]["text"].startswith("scanner fake-crash failed (")
        assert "boom" in note["message"]["text"]
        assert "category secgate/fake-crash/" in note["message"]["text"]

    marker = runs["secgate/fake-marker"]
    [rule] = marker["tool"]["driver"]["rules"]
    assert rule["id"] == "FAKE001" and rule["helpUri"] == "https://example.invalid/fake001"
    assert "external/cwe/cwe-20" in rule["properties"]["tags"]
    # The rule's text is the scanner's rules() entry; it declares no default severity, so
    # GitHub's badge comes from the worst finding of the run (every rule has one, issue 17).
    assert rule["shortDescription"]["text"] == "a FAKE-ISSUE marker"
    assert rule["properties"]["security-severity"] == "9.5"
    results = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        ): r
        for r in marker["results"]
    }
    high = results[("app.py", 2)]
    assert high["level"] == "error"
    assert high["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == (
        "%SRCROOT%"
    )
    assert len(high["partialFingerprints"]["secgate/v1"]) == 32
    assert results[("lib/util.py", 1)]["level"] == "warning"
    assert "suppressions" not in results[("lib/util.py", 1)]  # below threshold: still an alert
    assert results[("lib/util.py", 2)]["suppressions"][0]["kind"] == "inSource"
    assert ("name%20with%20space.py", 1) in results


def test_text_report_groups_blocking_findings_by_file(fake_plugin: Path, project: Path) -> None:
    write(project, SOURCE)
    result = run_cli("check", str(project), "--scanner", "fake-marker")
    assert result.code == 1
    lines = result.out.splitlines()
    assert any(
        line.strip().startswith("fake-marker") and "ok" in line and "4 findings" in line
        for line in lines
    )
    start = lines.index("Blocking findings (1):")
    assert lines[start + 1 : start + 3] == [
        "  app.py",
        "    app.py:2  high  FAKE001  marker of severity high",
    ]
    assert "Verdict: FAIL" in lines
    assert "\x1b[" not in result.out  # NO_COLOR is set by the test fixture


def test_several_reports_from_one_run(fake_plugin: Path, project: Path, tmp_path: Path) -> None:
    write(project, SOURCE)
    out = tmp_path / "out"
    result = run_cli(
        "check",
        str(project),
        "--scanner",
        "fake-marker",
        "--report",
        f"json={out / 'r.json'}",
        "--report",
        f"sarif={out / 'r.sarif'}",
        "--format",
        "json",
        "--output",
        str(out / "main.json"),
    )
    assert result.code == 1
    assert json.loads((out / "r.json").read_text())["status"] == "fail"
    assert json.loads((out / "r.sarif").read_text())["version"] == "2.1.0"
    assert json.loads((out / "main.json").read_text())["status"] == "fail"
    assert "Verdict: FAIL" in result.out  # the log still gets the summary


def test_unknown_report_format_is_a_usage_error(fake_plugin: Path, project: Path) -> None:
    result = run_cli("check", str(project), "--scanner", "fake-marker", "--report", "pdf=x.pdf")
    assert result.code == 2 and "unknown format 'pdf'" in result.err


def test_a_plugin_can_register_a_report_format(fake_plugin: Path, project: Path) -> None:
    class CsvReporter(Reporter):
        name = "csv"

        def render(self, verdict: Verdict, *, color: bool = False) -> str:
            return "".join(f"{f.path},{f.line},{f.rule_id}\n" for f in verdict.findings)

    class Plugin:
        @hookimpl
        def secgate_register_reporters(self) -> list[type[Reporter]]:
            return [CsvReporter]

    write(project, {"a.py": "# FAKE-ISSUE(low)\n"})
    host = make_plugin_host([Plugin()])
    verdict = secgate.check(project, scanners=["fake-marker"])
    assert host.reporters()["csv"]().render(verdict) == "a.py,1,FAKE001\n"


def test_evaluate_reapplies_a_new_policy_to_a_saved_report(
    fake_plugin: Path, project: Path, tmp_path: Path
) -> None:
    write(project, SOURCE)
    report = tmp_path / "report.json"
    first = run_cli(
        "check",
        str(project),
        "--scanner",
        "fake-marker",
        "--output",
        str(report),
        "--format",
        "json",
    )
    assert first.code == 1
    policy = tmp_path / "strict.toml"
    policy.write_text("fail-on = 'critical'\n")
    relaxed = run_cli("evaluate", str(report), "--config", str(policy), "--format", "json")
    assert relaxed.code == 0
    data = json.loads(relaxed.out)
    assert data["status"] == "pass"
    # The inline suppression came from the scanner and stays; the threshold was re-decided.
    by_line = {(f["path"], f["line"]): f["suppressed_by"] for f in data["findings"]}
    assert by_line[("lib/util.py", 2)] == "inline"
    assert by_line[("app.py", 2)] == "below-threshold"
    stricter = run_cli("evaluate", str(report), "--fail-on", "medium")
    assert stricter.code == 1 and "2 blocking findings" in stricter.out


def test_evaluate_rejects_something_that_is_not_a_report(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"hello": 1}')
    result = run_cli("evaluate", str(bogus))
    assert result.code == 2 and "not a secgate JSON report" in result.err
    bogus.write_text("{")
    assert "not JSON" in run_cli("evaluate", str(bogus)).err
