"""SARIF as GitHub code scanning places and keeps it (issue 15).

Paths from the repository root (a monorepo), no run for an errored scanner, full regions,
GitHub's fingerprint key, rule text and severity that do not change between runs, levels
that say what blocks. Every log is validated against the OASIS SARIF 2.1.0 schema.
"""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import secgate
from secgate.models import Finding, Severity, Verdict
from secgate.reports.junit import JunitReporter
from secgate.reports.locations import report_base
from secgate.reports.markdown import MarkdownReporter
from secgate.reports.sarif import SarifReporter, semantic_version
from tests.conftest import SHARED, TESTS, run_cli, run_cli_process, write
from tests.deps.helpers import isolate_cache, osv_record, write_records

SCHEMAS = [
    TESTS / "schemas" / "sarif-schema-2.1.0.json",
    SHARED / "schemas" / "sarif-schema-2.1.0.json",
]
RUN_PY = "import subprocess\n\n\ndef go(cmd):\n    subprocess.call(cmd, shell=True)\n"


def validated(text: str) -> dict[str, Any]:
    """The SARIF log, after checking it against every copy of the schema present."""
    log = json.loads(text)
    for path in SCHEMAS:
        if path.is_file():
            schema = json.loads(path.read_text(encoding="utf-8"))
            jsonschema.Draft4Validator(schema).validate(log)
    assert isinstance(log, dict)
    return log


def sarif(verdict: Verdict) -> dict[str, Any]:
    return validated(SarifReporter().render(verdict))


def runs_by_name(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {run["tool"]["driver"]["name"]: run for run in log["runs"]}


def uris(log: dict[str, Any]) -> set[str]:
    return {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for run in log["runs"]
        for result in run["results"]
        for loc in result["locations"]
    }


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture
def mono(tmp_path: Path) -> Path:
    """A git repository with a service below its root: ``services/api/app/run.py``."""
    repo = tmp_path / "mono"
    write(repo, {"services/api/app/run.py": RUN_PY, "services/web/x.py": RUN_PY})
    git("init", "-q", cwd=repo)
    return repo


def test_the_schema_copy_is_there() -> None:
    assert SCHEMAS[0].is_file()  # the committed copy; ../shared's is checked when present


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize("where", ["repo root", "elsewhere", "inside the service"])
def test_uris_are_relative_to_the_git_top_level_in_a_monorepo(
    mono: Path, tmp_path: Path, where: str
) -> None:
    cwd = {"repo root": mono, "elsewhere": tmp_path, "inside the service": mono / "services"}
    target = {
        "repo root": "services/api",
        "elsewhere": str(mono / "services" / "api"),
        "inside the service": "api",
    }
    out = tmp_path / "out"
    result = run_cli_process(
        "check", target[where], "--scanner", "bandit", "--no-cache", "--format", "sarif",
        "--output", str(out / "r.sarif"), "--report", f"markdown={out / 'r.md'}",
        "--report", f"junit={out / 'r.xml'}",
        cwd=cwd[where],
    )  # fmt: skip
    assert result.code == 1, result.err
    log = validated((out / "r.sarif").read_text(encoding="utf-8"))
    assert uris(log) == {"services/api/app/run.py"}
    [run] = log["runs"]
    bases = run["originalUriBaseIds"]
    assert bases["SCANROOT"] == {
        "uriBaseId": "%SRCROOT%",
        "uri": "services/api/",
        "description": {"text": "the scanned root"},
    }
    assert bases["%SRCROOT%"]["uri"] == mono.resolve().as_uri() + "/"
    for result_ in run["results"]:
        location = result_["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uriBaseId"] == "%SRCROOT%"
    # The Markdown comment and the JUnit file attribute name the same path.
    assert "`services/api/app/run.py:5`" in (out / "r.md").read_text(encoding="utf-8")
    cases = ET.fromstring((out / "r.xml").read_bytes()).iter("testcase")  # noqa: S314 - ours
    files = {(c.get("file"), c.get("line")) for c in cases if c.get("file")}
    assert files == {("services/api/app/run.py", "5")}
    xml = (out / "r.xml").read_text(encoding="utf-8")
    assert 'message="services/api/app/run.py:5 B602"' in xml
    assert "services/api/app/run.py:5  high  B602" in xml  # the verdict testcase's list


def test_a_single_file_target_keeps_its_folders(
    mono: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With no config the scanned root is the target's folder: services/web.
    monkeypatch.chdir(mono)
    result = run_cli("check", "services/web/x.py", "--scanner", "bandit", "--no-cache",
                     "--format", "sarif")  # fmt: skip
    assert result.code == 1, result.err
    assert uris(validated(result.out)) == {"services/web/x.py"}


def test_outside_git_paths_are_relative_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "plain"
    write(plain, {"pkg/app/run.py": RUN_PY})
    monkeypatch.chdir(plain)
    assert report_base(plain / "pkg").kind == "cwd"  # tmp_path is in no work tree
    result = run_cli("check", "pkg", "--scanner", "bandit", "--no-cache", "--format", "sarif")
    assert result.code == 1, result.err
    log = validated(result.out)
    assert uris(log) == {"pkg/app/run.py"}
    assert log["runs"][0]["originalUriBaseIds"]["SCANROOT"]["uri"] == "pkg/"
    # A root outside the current directory (and outside git): paths from the root itself.
    monkeypatch.chdir(tmp_path / "plain" / "pkg" / "app")
    again = run_cli("check", str(plain / "pkg"), "--scanner", "bandit", "--no-cache",
                    "--format", "sarif")  # fmt: skip
    log = validated(again.out)
    assert uris(log) == {"app/run.py"}
    assert "uri" not in log["runs"][0]["originalUriBaseIds"]["SCANROOT"]


def test_a_root_no_system_call_takes_keeps_its_paths() -> None:
    base = report_base("/no\x00where")
    assert (base.kind, base.prefix, base.path("a.py")) == ("root", "", "a.py")


def test_an_undecodable_file_name_is_its_bytes_percent_encoded() -> None:
    verdict = Verdict.model_validate_json(
        (TESTS / "fixtures" / "reports" / "verdict.json").read_text(encoding="utf-8")
    )
    odd = verdict.findings[0].model_copy(update={"path": "src/x\udcff y.py"})
    log = sarif(verdict.model_copy(update={"findings": (odd, *verdict.findings[1:])}))
    assert "src/x%FF%20y.py" in uris(log)  # the name's bytes on disk: b"x\xff y.py"


# --------------------------------------------------------------------------- errored scanners


def test_an_errored_scanner_gets_no_run_and_the_others_say_why(
    fake_plugin: Path, project: Path
) -> None:
    write(project, {"app.py": "x = 1  # FAKE-ISSUE(high)\n"})
    verdict = secgate.check(project, scanners=["fake-marker", "fake-crash"])
    runs = runs_by_name(sarif(verdict))
    # An empty run in secgate/fake-crash/ would close every open alert of that scanner.
    assert list(runs) == ["secgate/fake-marker"]
    categories = {run["automationDetails"]["id"] for run in runs.values()}
    assert "secgate/fake-crash/" not in categories
    [note] = runs["secgate/fake-marker"]["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "error"
    text = note["message"]["text"]
    assert text.startswith("scanner fake-crash failed (") and "boom" in text
    assert "left out of this file" in text and "category secgate/fake-crash/" in text


def test_when_no_scanner_finished_a_notes_only_run_says_so(
    fake_plugin: Path, project: Path
) -> None:
    write(project, {"app.py": "x = 1\n"})
    verdict = secgate.check(project, scanners=["fake-crash"])
    log = sarif(verdict)
    [run] = log["runs"]
    assert run["automationDetails"]["id"] == "secgate/notices/"
    assert run["tool"]["driver"]["name"] == "secgate" and run["results"] == []
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("scanner fake-crash failed (")


# --------------------------------------------------------------------------- results


def test_every_result_has_a_full_region_and_githubs_fingerprint_key(
    fake_plugin: Path, project: Path
) -> None:
    write(project, {"a.py": "x  # FAKE-ISSUE(high)\ny  # FAKE-ISSUE(high)\n"})
    verdict = secgate.check(project, scanners=["fake-marker"])
    first, second = verdict.findings
    # The same flagged content twice (same fingerprint), a finding with no column, one
    # spanning lines, one with no line at all (a whole file).
    extra = (
        second.model_copy(update={"fingerprint": first.fingerprint, "line": 2}),
        first.model_copy(update={"column": None, "line": 1, "fingerprint": "f" * 32}),
        first.model_copy(update={"end_line": 3, "fingerprint": "e" * 32}),
        first.model_copy(update={"line": None, "column": None, "fingerprint": "d" * 32}),
    )
    log = sarif(verdict.model_copy(update={"findings": (first, *extra)}))
    results = log["runs"][0]["results"]
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in results]
    for region in regions:
        assert {"startLine", "startColumn", "endLine", "endColumn"} <= set(region)
    at = {k: regions[0][k] for k in ("startLine", "startColumn", "endLine", "endColumn")}
    assert at == {"startLine": 1, "startColumn": 6, "endLine": 1, "endColumn": 7}
    assert regions[2]["startColumn"] == 1 and regions[2]["endColumn"] == 2  # no column
    assert (regions[3]["endLine"], regions[3]["endColumn"]) == (3, 2)  # multi-line
    assert (regions[4]["startLine"], regions[4]["startColumn"]) == (1, 1)  # whole file
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert hashes[:2] == [f"{first.fingerprint}:1", f"{first.fingerprint}:2"]
    assert len(set(hashes)) == len(hashes)
    assert all(r["partialFingerprints"]["secgate/v1"] for r in results)


def test_levels_say_what_blocks(fake_plugin: Path, project: Path) -> None:
    markers = ("critical", "high", "medium", "low")
    write(project, {"a.py": "".join(f"# FAKE-ISSUE({m})\n" for m in markers)})

    def levels(fail_on: str) -> dict[str, tuple[str, bool]]:
        verdict = secgate.check(project, scanners=["fake-marker"], fail_on=fail_on)
        results = sarif(verdict)["runs"][0]["results"]
        return {
            r["properties"]["severity"]: (r["level"], r["properties"]["blocking"]) for r in results
        }

    assert levels("critical") == {
        "critical": ("error", True),
        "high": ("warning", False),  # below the threshold: an alert, not an error
        "medium": ("warning", False),
        "low": ("note", False),
    }
    assert levels("low")["low"] == ("error", True)


def test_the_driver_has_a_semantic_version(fake_plugin: Path, project: Path) -> None:
    write(project, {"a.py": "# FAKE-ISSUE(low)\n"})
    verdict = secgate.check(project, scanners=["fake-marker"])
    driver = sarif(verdict)["runs"][0]["tool"]["driver"]
    assert (driver["version"], driver["semanticVersion"]) == ("1.2.3", "1.2.3")
    assert semantic_version("0.1.0.dev0") == "0.1.0-dev0"
    assert semantic_version("2.3") == "2.3.0"
    assert semantic_version("1.0.0rc1+local.7") == "1.0.0-rc1+local.7"
    assert semantic_version("unknown") is None


# --------------------------------------------------------------------------- rules


@pytest.fixture
def audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Verdict]:
    """Run the real pip-audit scanner on an offline OSV database, one requests pin."""
    isolate_cache(tmp_path, monkeypatch)
    db = write_records(
        tmp_path / "db",
        osv_record(
            "PYSEC-2018-28",
            "requests",
            events=[{"introduced": "0"}, {"fixed": "2.20.0"}],
            severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        ),
    )

    def run(version: str) -> Verdict:
        root = tmp_path / f"tree-{version}"
        write(root, {"requirements.txt": f"# app\nrequests=={version}\n"})
        return secgate.check(
            root,
            scanners=["pip-audit"],
            overrides={"scanners": {"pip-audit": {"vuln-db": str(db)}}},
        )

    return run


def test_rule_text_and_severity_do_not_change_between_runs(
    audit: Callable[[str], Verdict],
) -> None:
    old, new = audit("2.19.0"), audit("2.18.0")
    messages = {f.message for v in (old, new) for f in v.findings}
    assert len(messages) == 2  # the findings' messages differ (the version)...
    rules = [sarif(v)["runs"][0]["tool"]["driver"]["rules"] for v in (old, new)]
    assert rules[0] == rules[1]  # ...the rule does not
    [rule] = rules[0]
    assert rule["id"] == "PYSEC-2018-28"
    assert "2.19.0" not in json.dumps(rule) and "2.18.0" not in json.dumps(rule)
    # The advisory's own summary, not the finding's "requests 2.19.0 is affected by".
    assert rule["shortDescription"]["text"] == (
        "Vulnerable dependency: PYSEC-2018-28: PYSEC-2018-28 in requests"
    )
    assert "affected by" not in json.dumps(rule)
    # The advisory's CVSS base score (AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H is 9.8): critical.
    assert rule["properties"]["security-severity"] == "9.8"
    assert rule["properties"]["precision"] == "very-high"
    # pip-audit gives a manifest line, no column: column 1 to 2.
    [result] = sarif(old)["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert {k: region[k] for k in ("startLine", "startColumn", "endLine", "endColumn")} == {
        "startLine": 2,
        "startColumn": 1,
        "endLine": 2,
        "endColumn": 2,
    }


def test_secret_rules_take_the_rules_description_and_default_severity(project: Path) -> None:
    keys = ["AKIA" + "Q3XV7TZ2MKW5RJ4N", "AKIA" + "Z7QW3XK9MV2RT5NP"]
    write(project, {"a.py": f'key = "{keys[0]}"\n', "b.py": f'other = "{keys[1]}"\n'})
    verdict = secgate.check(project, scanners=["secrets"])
    assert {f.rule_id for f in verdict.findings} == {"aws-access-key-id"}
    # A finding below the rule's default severity must not lower the rule's.
    lowered = verdict.findings[0].model_copy(update={"severity": Severity.LOW})
    runs = [
        runs_by_name(sarif(v))["secgate/secrets"]
        for v in (verdict, verdict.model_copy(update={"findings": (lowered,)}))
    ]
    rules = [run["tool"]["driver"]["rules"] for run in runs]
    assert rules[0] == rules[1]
    [rule] = rules[0]
    assert rule["shortDescription"]["text"] == "AWS access key id"
    assert rule["properties"]["security-severity"] == "9.5"
    assert rule["defaultConfiguration"]["level"] == "error"
    text = json.dumps(runs[0])
    assert keys[0] not in text and keys[1] not in text


def test_a_rule_its_scanner_does_not_describe_gets_fixed_text(
    fake_plugin: Path, project: Path
) -> None:
    write(project, {"a.py": "# FAKE-ISSUE(high)\n"})
    verdict = secgate.check(project, scanners=["fake-marker"])
    renamed = tuple(
        f.model_copy(update={"rule_id": "FAKE999", "message": message})
        for f, message in zip(verdict.findings, ["first words"], strict=True)
    )
    other = tuple(f.model_copy(update={"message": "other words"}) for f in renamed)
    rules = [
        sarif(verdict.model_copy(update={"findings": found}))["runs"][0]["tool"]["driver"]["rules"]
        for found in (renamed, other)
    ]
    assert rules[0] == rules[1]
    assert rules[0][0]["shortDescription"]["text"] == "fake-marker rule FAKE999"
    # No rule severity known: the highest this run reported (high), for GitHub's badge too.
    assert rules[0][0]["defaultConfiguration"]["level"] == "error"
    assert rules[0][0]["properties"]["security-severity"] == "8.0"
    assert rules[0][0]["help"]["text"].startswith("fake-marker rule FAKE999")


def test_frozen_report_of_an_unknown_scanner_still_renders() -> None:
    verdict = Verdict.model_validate_json(
        (TESTS / "fixtures" / "reports" / "verdict.json").read_text(encoding="utf-8")
    )
    log = sarif(verdict)
    assert [r["tool"]["driver"]["name"] for r in log["runs"]] == ["secgate/fake-marker"]
    finding: Finding = verdict.findings[0]
    assert finding.path in uris(log)  # its root does not exist here: paths as they are
    assert MarkdownReporter().render(verdict) and JunitReporter().render(verdict)
