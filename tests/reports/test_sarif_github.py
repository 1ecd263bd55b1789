"""SARIF as GitHub code scanning documents it (issue 17): rule metadata, notifications, limits.

One real scan (bandit, pip-audit, secrets, semgrep) of a copy of ``examples/insecure-app``
with a hard-coded AWS key as a password (bandit's B105 and the secrets scanner on one line),
a file over ``max-file-mb``, a symbolic link and a Python file that does not parse. Every
log is validated against the OASIS SARIF 2.1.0 schema (:func:`validated`).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import secgate
from secgate.models import Confidence, Finding, ScanResult, ScanStatus, Severity, Verdict
from secgate.reports import sarif as sarif_module
from secgate.reports.sarif import SarifReporter
from secgate.reports.sarif_rules import RuleText, cut, sarif_rule, without_metavariables
from tests.reports.test_sarif import runs_by_name, validated

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "insecure-app"
KEY = "AKIA" + "Q3XV7TZ2MKW5RJ4N"  # an AWS access key id's shape, built at run time
PRECISIONS = {"very-high", "high", "medium", "low"}


@pytest.fixture(scope="module")
def isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("sarif-cache")))
        mp.delenv("SECGATE_VULN_DB", raising=False)
        yield mp


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, isolated: pytest.MonkeyPatch) -> Verdict:
    app = tmp_path_factory.mktemp("sarif") / "insecure-app"
    shutil.copytree(EXAMPLE, app)
    (app / "insecure_app" / "settings.py").write_text(f'password = "{KEY}"\n', "utf-8")
    (app / "insecure_app" / "big.py").write_text("x = 1\n" * 200_000, "utf-8")  # 1.2 MB
    (app / "insecure_app" / "broken.py").write_text("def broken(:\n    pass\n", "utf-8")
    (app / "insecure_app" / "link.py").symlink_to("settings.py")
    return secgate.check(app, overrides={"max_file_mb": 1})


@pytest.fixture(scope="module")
def log(scanned: Verdict) -> dict[str, Any]:
    return validated(SarifReporter().render(scanned))


def rules_of(log: dict[str, Any], run: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in runs_by_name(log)[f"secgate/{run}"]["tool"]["driver"]["rules"]}


def notes_of(log: dict[str, Any], run: str) -> list[dict[str, Any]]:
    notes = runs_by_name(log)[f"secgate/{run}"]["invocations"][0]["toolExecutionNotifications"]
    assert isinstance(notes, list)
    return notes


# --------------------------------------------------------------------------- every rule


def test_every_rule_has_githubs_properties(log: dict[str, Any]) -> None:
    runs = runs_by_name(log)
    assert set(runs) == {
        "secgate/bandit",
        "secgate/pip-audit",
        "secgate/secrets",
        "secgate/semgrep",
    }
    for name, run in runs.items():
        rules = run["tool"]["driver"]["rules"]
        assert rules, name
        for rule in rules:
            where = f"{name} {rule['id']}"
            props = rule["properties"]
            score = float(props["security-severity"])
            assert 0.1 <= score <= 10.0, where
            assert props["precision"] in PRECISIONS, where
            assert props["tags"][0] == "security" and len(props["tags"]) <= 20, where
            assert all(re.fullmatch(r"external/cwe/cwe-\d+", t) for t in props["tags"][1:])
            assert rule["help"]["text"] and rule["help"]["markdown"], where
            assert rule["helpUri"].startswith("https://"), where
            assert len(rule["shortDescription"]["text"]) <= 200, where
            assert len(rule["fullDescription"]["text"]) <= 1024, where
            assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
            # GitHub maps the score to its badge; the default level agrees with it.
            expected = "error" if score >= 7.0 else "warning" if score >= 4.0 else "note"
            if name != "secgate/pip-audit":  # an advisory's CVSS score may refine its level
                assert rule["defaultConfiguration"]["level"] == expected, where


def test_cwe_tags_are_githubs_form_for_each_cwe(log: dict[str, Any], scanned: Verdict) -> None:
    for run in ("bandit", "semgrep"):
        for rule_id, rule in rules_of(log, run).items():
            cwes = {c for f in scanned.findings if f.rule_id == rule_id for c in f.cwe}
            tags = {f"external/cwe/cwe-{c}" for c in cwes}
            assert tags <= set(rule["properties"]["tags"]), rule_id
    assert (
        "external/cwe/cwe-78"
        in rules_of(log, "semgrep")["python-command-injection-taint"]["properties"]["tags"]
    )
    help_md = rules_of(log, "semgrep")["python-command-injection-taint"]["help"]["markdown"]
    assert "[CWE-78](https://cwe.mitre.org/data/definitions/78.html)" in help_md


def test_security_severity_follows_the_severity_and_the_advisorys_cvss(
    log: dict[str, Any], scanned: Verdict
) -> None:
    semgrep = rules_of(log, "semgrep")
    assert semgrep["python-command-injection-taint"]["properties"]["security-severity"] == "8.0"
    assert semgrep["dockerfile-latest-tag"]["properties"]["security-severity"] == "5.5"
    # A dependency advisory with a CVSS vector: its base score, as GitHub shows CodeQL's.
    audit = rules_of(log, "pip-audit")
    scored = {
        f.rule_id: f.properties["cvss_score"]
        for f in scanned.findings
        if f.scanner == "pip-audit" and isinstance(f.properties.get("cvss_score"), float)
    }
    assert scored
    for rule_id, score in scored.items():
        assert audit[rule_id]["properties"]["security-severity"] == f"{score:.1f}"
    assert audit["PYSEC-2023-212"]["properties"]["security-severity"] == "4.2"  # medium
    # bandit's tests have no severity of their own: the highest this run reported.
    bandit = rules_of(log, "bandit")
    worst = max(f.severity for f in scanned.findings if f.rule_id == "B103")
    assert (
        bandit["B103"]["properties"]["security-severity"]
        == {
            Severity.HIGH: "8.0",
            Severity.MEDIUM: "5.5",
        }[worst]
    )


def test_precision_by_kind_of_rule(log: dict[str, Any]) -> None:
    semgrep = rules_of(log, "semgrep")
    assert semgrep["python-command-injection-taint"]["properties"]["precision"] == "high"  # taint
    assert semgrep["python-tls-verify-disabled"]["properties"]["precision"] == "medium"  # pattern
    assert rules_of(log, "secrets")["aws-access-key-id"]["properties"]["precision"] == "high"
    assert rules_of(log, "pip-audit")["PYSEC-2018-28"]["properties"]["precision"] == "very-high"


# --------------------------------------------------------------------------- general text (§5)


def test_b105_rule_is_bandits_test_not_the_duplicate_note(
    log: dict[str, Any], scanned: Verdict
) -> None:
    [b105] = [f for f in scanned.findings if f.rule_id == "B105"]
    assert b105.suppressed_by == "duplicate"  # the secrets scanner reports the same line
    rule = rules_of(log, "bandit")["B105"]
    text = json.dumps(rule)
    assert "reported by the secrets scanner" not in text and "aws-access-key-id" not in text
    assert rule["shortDescription"]["text"] == "Test for use of hard-coded password strings."
    assert "increases the possibility of password guessing" in rule["fullDescription"]["text"]
    # The finding-specific note stays in the result.
    [result] = [r for r in runs_by_name(log)["secgate/bandit"]["results"] if r["ruleId"] == "B105"]
    assert "reported by the secrets scanner as aws-access-key-id" in result["message"]["text"]


def test_secret_rules_are_general_and_link_to_the_pack(log: dict[str, Any]) -> None:
    rule = rules_of(log, "secrets")["aws-access-key-id"]
    assert rule["shortDescription"]["text"] == "AWS access key id"
    assert rule["helpUri"].endswith("/rules/secrets/cloud.toml")
    assert "Fix: " in rule["help"]["text"]
    text = json.dumps(log)
    assert KEY not in text and KEY[4:] not in text  # no secret value anywhere


def test_semgrep_rule_text_has_no_metavariable_and_is_cut_on_a_word(log: dict[str, Any]) -> None:
    for rule_id, rule in rules_of(log, "semgrep").items():
        for key in ("shortDescription", "fullDescription"):
            assert not re.search(r"\$[A-Z]", rule[key]["text"]), (rule_id, key)
    action = rules_of(log, "semgrep")["gha-action-not-pinned-to-sha"]
    assert action["shortDescription"]["text"].startswith(
        "The third-party action is referenced by a tag or branch"
    )
    cut_rules = [
        r for r in rules_of(log, "semgrep").values() if r["shortDescription"]["text"].endswith("…")
    ]
    assert cut_rules  # several messages are longer than 200 characters
    for rule in cut_rules:
        head = rule["shortDescription"]["text"][:-1]
        full = rule["fullDescription"]["text"]
        assert full.startswith(head) and full[len(head)] in " ,;:", rule["id"]


def test_advisory_rules_carry_the_advisory_not_the_pin(
    log: dict[str, Any], scanned: Verdict
) -> None:
    rules = rules_of(log, "pip-audit")
    text = json.dumps(rules)
    # The findings' "<package> <version> is affected by <id>" is not the rule's text.
    assert "flask 0.12 is affected by" not in text and "requests 2.19.0" not in text
    rule = rules["PYSEC-2018-28"]
    assert rule["shortDescription"]["text"].startswith(
        "Vulnerable dependency: PYSEC-2018-28 (CVE-2018-18074, GHSA-x84v-xcm2-53pg): The Requests"
    )
    assert rule["helpUri"] == "https://osv.dev/vulnerability/PYSEC-2018-28"
    [unpinned] = [r for r in rules.values() if r["id"] == "unpinned"] or [None]
    if unpinned is not None:
        assert unpinned["helpUri"].endswith("#dependency-audit")


# --------------------------------------------------------------------------- notifications


def test_every_gap_is_a_notification_with_its_path(log: dict[str, Any], scanned: Verdict) -> None:
    kinds = {(s.path, s.kind.value) for s in scanned.collection.skipped}
    assert ("insecure_app/big.py", "too-big") in kinds
    assert ("insecure_app/link.py", "symlink") in kinds
    for run in ("bandit", "pip-audit", "secrets", "semgrep"):
        notes = notes_of(log, run)
        gaps = {
            (
                n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                n["properties"]["kind"],
            )
            for n in notes
            if n["descriptor"]["id"].startswith("gap/")
        }
        assert ("insecure_app/big.py", "too-big") in gaps, run
        assert ("insecure_app/link.py", "symlink") in gaps, run
        for note in notes:
            assert note["level"] == "warning" and note["message"]["text"].startswith("not scanned")
    # A scanner's own gap: bandit could not parse broken.py.
    bandit = [n for n in notes_of(log, "bandit") if n["properties"]["skippedBy"] == "bandit"]
    assert {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in bandit} == {
        "insecure_app/broken.py"
    }
    assert bandit[0]["properties"]["kind"] == "unparsable"
    assert runs_by_name(log)["secgate/bandit"]["invocations"][0]["executionSuccessful"] is True


def test_an_errored_scanner_is_unsuccessful_and_named_in_every_run(
    fake_plugin: Path, project: Path
) -> None:
    (project / "app.py").write_text("x = 1  # FAKE-ISSUE(high)\n", "utf-8")
    verdict = secgate.check(project, scanners=["fake-marker", "fake-crash"])
    log = validated(SarifReporter().render(verdict))
    [invocation] = runs_by_name(log)["secgate/fake-marker"]["invocations"]
    [note] = invocation["toolExecutionNotifications"]
    assert note["descriptor"]["id"] == "scanner-error"
    assert note["properties"]["scanner"] == "fake-crash" and note["level"] == "error"


# --------------------------------------------------------------------------- limits


def _many(scanned: Verdict, count: int) -> Verdict:
    """*scanned* with *count* findings of one scanner, severities cycling, each its own line."""
    base = next(f for f in scanned.findings if f.scanner == "semgrep")
    order = [Severity.LOW, Severity.CRITICAL, Severity.MEDIUM, Severity.HIGH, Severity.INFO]
    findings = tuple(
        base.model_copy(
            update={
                "severity": order[i % len(order)],
                "line": i + 1,
                "fingerprint": f"{i:032x}",
                "blocking": order[i % len(order)] >= Severity.HIGH,
            }
        )
        for i in range(count)
    )
    scanners = tuple(r for r in scanned.scanners if r.name == "semgrep")
    return scanned.model_copy(update={"findings": findings, "scanners": scanners})


def test_a_run_over_githubs_result_limit_keeps_the_most_severe(
    scanned: Verdict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sarif_module, "MAX_RESULTS_PER_RUN", 7)
    verdict = _many(scanned, 20)  # 4 of each severity
    [run] = validated(SarifReporter().render(verdict))["runs"]
    kept = [r["properties"]["severity"] for r in run["results"]]
    assert sorted(kept) == sorted(["critical"] * 4 + ["high"] * 3)
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run["results"]]
    assert lines == sorted(lines)  # still in report order
    [note] = [
        n
        for n in run["invocations"][0]["toolExecutionNotifications"]
        if n["descriptor"]["id"] == "limit/results"
    ]
    assert note["properties"] == {"leftOut": 13, "leftOutBlocking": 1}
    assert note["message"]["text"].startswith("13 of 20 results left out (")
    assert "at most 7 results per run" in note["message"]["text"]
    # Under the limit: nothing cut, no note.
    monkeypatch.setattr(sarif_module, "MAX_RESULTS_PER_RUN", 25_000)
    [run] = validated(SarifReporter().render(verdict))["runs"]
    assert len(run["results"]) == 20
    notes = run["invocations"][0].get("toolExecutionNotifications", [])
    assert not [n for n in notes if n["descriptor"]["id"] == "limit/results"]


def test_more_scanners_than_githubs_run_limit_keeps_the_most_severe_runs(
    scanned: Verdict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sarif_module, "MAX_RUNS", 2)
    base = next(f for f in scanned.findings if f.scanner == "semgrep")
    severities = {
        "a": Severity.LOW,
        "b": Severity.CRITICAL,
        "c": Severity.MEDIUM,
        "d": Severity.HIGH,
    }
    findings = tuple(
        base.model_copy(update={"scanner": name, "severity": sev})
        for name, sev in severities.items()
    )
    scanners = tuple(ScanResult(name=name, status=ScanStatus.OK) for name in severities)
    verdict = scanned.model_copy(update={"findings": findings, "scanners": scanners})
    log = validated(SarifReporter().render(verdict))
    assert [r["tool"]["driver"]["name"] for r in log["runs"]] == ["secgate/b", "secgate/d"]
    for run in log["runs"]:
        [note] = [
            n
            for n in run["invocations"][0]["toolExecutionNotifications"]
            if n["descriptor"]["id"] == "limit/runs"
        ]
        assert "(a, c; 2 results)" in note["message"]["text"]


def test_a_rule_with_many_cwes_keeps_githubs_tag_limit(scanned: Verdict) -> None:
    finding = next(f for f in scanned.findings if f.scanner == "semgrep")
    many = finding.model_copy(update={"cwe": tuple(range(100, 130))})
    rule = sarif_rule("semgrep", many.rule_id, [many], {})
    assert len(rule["properties"]["tags"]) == 20 and rule["properties"]["tags"][0] == "security"


# --------------------------------------------------------------------------- text helpers


def test_hostile_rule_text_is_escaped_in_the_markdown_help() -> None:
    hostile = "Click [here](javascript:alert(1)) <img src=x onerror=y> @admin www.evil.test **x**"
    finding = Finding(
        scanner="semgrep",
        rule_id="tree-rule",
        severity=Severity.HIGH,
        confidence=Confidence.LOW,
        message="m",
        path="a.py",
        line=1,
        help_url="javascript:alert(1)",
    )
    rule = sarif_rule("semgrep", "tree-rule", [finding], {"tree-rule": RuleText(hostile)})
    markdown = rule["help"]["markdown"]

    def unescaped(token: str) -> bool:
        return re.search(r"(?<!\\)" + re.escape(token), markdown) is not None

    assert markdown.count("](") == 1  # only the documentation link
    assert "](javascript" not in markdown and not unescaped("<img") and "**x**" not in markdown
    assert "\\<img src=x onerror=y\\>" in markdown  # shown as text
    assert "@admin" not in markdown and "www.evil" not in markdown
    assert rule["helpUri"].endswith("#semgrep-scanner-and-rule-pack")  # not the javascript: URL
    assert rule["properties"]["precision"] == "low"  # from the finding's confidence


def test_cut_and_metavariables() -> None:
    text = "word " * 100
    assert cut(text, 50) == ("word " * 9).strip() + "…"
    assert cut("short", 50) == "short"
    assert without_metavariables("reaches a shell command ($SINK): bad") == (
        "reaches a shell command: bad"
    )
    assert without_metavariables("The action $USES is moved") == "The action is moved"
    assert without_metavariables("hashed with hashlib.$HASH; weak") == (
        "hashed with hashlib.<hash>; weak"
    )
