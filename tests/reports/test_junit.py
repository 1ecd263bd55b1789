"""JUnit XML, read back by ``junitparser`` (a real JUnit consumer) as a CI server would."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped, TestSuite

import secgate
from secgate.models import Verdict, VerdictStatus
from secgate.plugins import make_plugin_host
from secgate.reports.junit import JunitReporter
from tests.conftest import TESTS, run_cli, write

FIXTURE = TESTS / "fixtures" / "reports" / "verdict.json"


@pytest.fixture
def frozen() -> Verdict:
    return Verdict.model_validate_json(FIXTURE.read_text(encoding="utf-8"))


def parse(xml: str) -> TestSuite:
    document = JUnitXml.fromstring(xml)
    assert isinstance(document, JUnitXml)  # a <testsuites> root
    [suite] = list(document)
    return suite


def test_junit_report_is_registered_for_format_and_report_flags() -> None:
    reporters = make_plugin_host().reporters()
    assert reporters["junit"] is JunitReporter
    assert reporters["junit"].extension == ".xml"


def test_junit_has_a_testcase_per_scanner_and_counts_matching_the_verdict(
    frozen: Verdict,
) -> None:
    suite = parse(JunitReporter().render(frozen))
    assert suite.name == "secgate"
    cases = {case.name: case for case in suite}
    blocking_names = [
        f"{f.scanner} {f.rule_id} {f.path} [{f.fingerprint[:12]}]" for f in frozen.blocking
    ]
    assert list(cases) == [*(r.name for r in frozen.scanners), *blocking_names, "verdict"]
    assert blocking_names == [
        "fake-marker FAKE001 app.py [f1a0aa123c95]",
        "fake-marker FAKE001 lib/pay|ments.py [d8ee060ce1c5]",
    ]
    assert {c.classname for n, c in cases.items() if n != "verdict"} == {
        f"secgate.{r.name}" for r in frozen.scanners
    }
    assert cases["verdict"].classname == "secgate"

    # A testcase per blocking finding, with file and line, holding its failure; the
    # scanner's own testcase holds only its status.
    assert cases["fake-marker"].is_passed and not cases["fake-marker"].result
    assert "2 blocking (a testcase each)" in cases["fake-marker"].system_out
    failures = [r for name in blocking_names for r in cases[name].result if isinstance(r, Failure)]
    assert sorted(f.message for f in failures) == sorted(
        f"{f.location} {f.rule_id}" for f in frozen.blocking
    )
    payments = cases["fake-marker FAKE001 lib/pay|ments.py [d8ee060ce1c5]"]
    assert (payments._elem.get("file"), payments._elem.get("line")) == ("lib/pay|ments.py", "2")
    [critical] = payments.result
    assert isinstance(critical, Failure) and critical.type == "critical"
    assert critical.message == "lib/pay|ments.py:2 FAKE001"
    assert "severity: critical" in critical.text
    assert "message: token `abc` in <b>bold</b> & *stars*\nsecond line | pipe" in critical.text
    assert "help: remove the marker" in critical.text
    assert "cwe: CWE-20" in critical.text
    assert cases["fake-marker"].time == pytest.approx(0.42)

    # A scanner error is an <error>, a skipped scanner a <skipped>.
    [crash] = cases["fake-crash"].result
    assert isinstance(crash, Error) and "boom: the fake tool crashed" in crash.message
    [skipped] = cases["fake-sleep-a"].result
    assert isinstance(skipped, Skipped) and skipped.message == "not selected"

    # The verdict errored: its testcase is an error listing reasons and blocking findings.
    [verdict_result] = cases["verdict"].result
    assert isinstance(verdict_result, Error)
    assert verdict_result.message.startswith("error: scanner fake-crash failed")
    assert "app.py:2  high  FAKE001  marker of severity high" in verdict_result.text

    errors = sum(1 for r in frozen.scanners if r.status.value == "error")
    skips = sum(1 for r in frozen.scanners if r.status.value == "skipped")
    expected = {
        "tests": len(frozen.scanners) + len(frozen.blocking) + 1,
        "failures": len(frozen.blocking),
        "errors": errors + 1,
        "skipped": skips,
    }
    assert {k: getattr(suite, k) for k in expected} == expected
    recounted = copy.deepcopy(suite)
    recounted.update_statistics()  # junitparser's own count of the elements
    assert {k: getattr(recounted, k) for k in expected} == expected

    props = {p.name: p.value for p in suite.properties()}
    assert props["secgate.verdict"] == "error"
    assert props["secgate.version"] == "0.1.0"
    assert props["secgate.stage"] == "pr"
    assert props["secgate.blocking"] == "2"


def test_markup_and_control_characters_are_escaped_into_valid_xml(frozen: Verdict) -> None:
    nasty = "a <tag attr=\"x\"> & 'q' ]]> \x1b[31mred\x00 \ud800 end"
    finding = frozen.blocking[0].model_copy(
        update={"message": nasty, "rule_id": 'R"<1>&', "path": "dir/<odd> & 'name'.py"}
    )
    findings = tuple(finding if f is frozen.blocking[0] else f for f in frozen.findings)
    xml = JunitReporter().render(frozen.model_copy(update={"findings": findings}))
    assert "\x1b" not in xml and "\x00" not in xml
    xml.encode("utf-8")  # no lone surrogate left
    suite = parse(xml)
    [odd] = [c for c in suite if c.name.startswith('fake-marker R"<1>& dir/<odd>')]
    assert odd._elem.get("file") == "dir/<odd> & 'name'.py"
    [failure] = odd.result
    assert failure.message == "dir/<odd> & 'name'.py:2 R\"<1>&"
    text = failure.text
    assert "a <tag attr=\"x\"> & 'q' ]]> \ufffd[31mred\ufffd \ufffd end" in text


def test_snippets_never_reach_the_report(frozen: Verdict) -> None:
    finding = frozen.blocking[0].model_copy(
        update={"snippet": "SNIPPET-VALUE-7f3a", "properties": {"preview": "PROP-9c1e"}}
    )
    findings = (finding, *frozen.findings[1:])
    xml = JunitReporter().render(frozen.model_copy(update={"findings": findings}))
    assert "SNIPPET-VALUE-7f3a" not in xml and "PROP-9c1e" not in xml


def test_passing_run_has_no_failure_and_a_passing_verdict_testcase(
    fake_plugin: Path, project: Path
) -> None:
    write(project, {"a.py": "x = 1  # FAKE-ISSUE(low)\n"})
    verdict = secgate.check(project, scanners=["fake-marker"])
    assert verdict.status is VerdictStatus.PASS
    suite = parse(JunitReporter().render(verdict))
    cases = {c.name: c for c in suite}
    assert cases["fake-marker"].is_passed and cases["verdict"].is_passed
    assert (suite.failures, suite.errors) == (0, 0)
    assert "1 not blocking (below-threshold 1)" in cases["fake-marker"].system_out


def test_several_reports_from_one_cli_run(fake_plugin: Path, project: Path, tmp_path: Path) -> None:
    write(project, {"app.py": "os.system(c)  # FAKE-ISSUE(high)\n", "b.py": "# FAKE-ISSUE(low)\n"})
    out = tmp_path / "reports"
    result = run_cli(
        "check",
        str(project),
        "--scanner",
        "fake-marker",
        "--report",
        f"sarif={out / 'out.sarif'}",
        "--report",
        f"junit={out / 'out.xml'}",
        "--report",
        f"markdown={out / 'summary.md'}",
    )
    assert result.code == 1
    suite = parse((out / "out.xml").read_text(encoding="utf-8"))
    # fake-marker, its blocking finding and the verdict; every other registered scanner
    # is skipped (not selected)
    assert (suite.tests - suite.skipped, suite.failures, suite.errors) == (3, 2, 0)
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "## secgate: FAIL" in summary and "`app.py:1`" in summary
    assert '"version": "2.1.0"' in (out / "out.sarif").read_text(encoding="utf-8")
    assert "Verdict: FAIL" in result.out


def test_junit_as_the_main_format_goes_to_stdout(fake_plugin: Path, project: Path) -> None:
    write(project, {"app.py": "# FAKE-ISSUE(critical)\n"})
    result = run_cli("check", str(project), "--scanner", "fake-marker", "--format", "junit")
    assert result.code == 1
    assert result.out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    assert parse(result.out).failures == 2


def test_a_testcase_per_blocking_finding_with_names_stable_across_runs(
    fake_plugin: Path, project: Path
) -> None:
    """GitLab's "newly failed" view compares testcases: a finding keeps its name."""
    high = "os.system(c)  # FAKE-ISSUE(high)\n"
    write(project, {"app.py": high, "lib.py": "y = 2  # FAKE-ISSUE(critical)\n"})

    def cases() -> dict[str, tuple[str | None, str | None]]:
        verdict = secgate.check(project, scanners=["fake-marker"])
        suite = parse(JunitReporter().render(verdict))
        found = {c.name: (c._elem.get("file"), c._elem.get("line")) for c in suite}
        expected = {
            f"fake-marker FAKE001 {f.path} [{f.fingerprint[:12]}]" for f in verdict.blocking
        }
        assert expected <= set(found)
        return {name: where for name, where in found.items() if where[0] is not None}

    before = cases()
    assert sorted(before.values()) == [("app.py", "1"), ("lib.py", "1")]
    # Lines inserted above: the same names, the line attributes move.
    write(
        project, {"app.py": "import os\n\n" + high, "lib.py": "\n\ny = 2  # FAKE-ISSUE(critical)\n"}
    )
    after = cases()
    assert set(after) == set(before)
    assert sorted(after.values()) == [("app.py", "3"), ("lib.py", "3")]
    # The same flagged content twice in one file: a second testcase, numbered.
    write(project, {"app.py": high + high})
    [app, again] = sorted(n for n, where in cases().items() if where[0] == "app.py")
    assert again == app + " #2" and app in before


def test_a_new_finding_in_an_already_failing_scanner_is_a_new_testcase(
    fake_plugin: Path, project: Path
) -> None:
    write(project, {"app.py": "x  # FAKE-ISSUE(high)\n"})
    first = parse(JunitReporter().render(secgate.check(project, scanners=["fake-marker"])))
    write(project, {"new.py": "z  # FAKE-ISSUE(critical)\n"})
    second = parse(JunitReporter().render(secgate.check(project, scanners=["fake-marker"])))
    failed = [{c.name for c in suite if not c.is_passed} for suite in (first, second)]
    [new] = failed[1] - failed[0]
    assert new.startswith("fake-marker FAKE001 new.py [")
    assert failed[0] <= failed[1]
