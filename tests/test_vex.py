"""VEX in (issue 18 §2): OpenVEX and CycloneDX VEX documents set matching dependency
findings aside, with the justification in every report format.

The project audited is real (an offline OSV database made with the dependency-audit
tests' helpers, one record per package); the VEX documents are the fixtures in
tests/fixtures/vex/ (see its README), which also validate against the OpenVEX JSON schema
committed in tests/schemas/openvex/ and cyclonedx-python-lib's CycloneDX 1.6 schema.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import TESTS, run_cli, run_cli_process
from tests.deps.helpers import isolate_cache, osv_record, write_records

FIXTURES = TESTS / "fixtures" / "vex"
OPENVEX_SCHEMA = TESTS / "schemas" / "openvex" / "openvex_json_schema.json"
DOC_ID = "https://example.com/vex/secgate-test-1"
SERIAL = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
CVSS = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
IMPACT = "the app never calls requests.get with a URL it was given"
DETAIL = "templates are compiled at build time from files in the repository"
REQUIREMENTS = "requests==2.0.0\nurllib3==1.26.0\nsix==1.16.0\nflask==2.0.0\njinja2==3.0.0\n"


def _record(record_id: str, package: str, fixed: str, *aliases: str) -> dict[str, Any]:
    return osv_record(
        record_id,
        package,
        events=[{"introduced": "0"}, {"fixed": fixed}],
        aliases=list(aliases),
        summary=f"a test advisory in {package}",
        severity=[{"type": "CVSS_V3", "score": CVSS}],
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Five pinned requirements, each with one advisory; the VEX fixtures in security/."""
    isolate_cache(tmp_path, monkeypatch)
    root = tmp_path / "project"
    (root / "security").mkdir(parents=True)
    (root / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
    for name in ("openvex.json", "cyclonedx-vex.json"):
        shutil.copy(FIXTURES / name, root / "security" / name)
    db = write_records(
        tmp_path / "db",
        _record("PYSEC-2024-1", "requests", "2.1.0", "CVE-2024-1"),
        _record("GHSA-9wx4-h78v-vm56", "urllib3", "1.26.5", "CVE-2024-2"),
        _record("PYSEC-2024-3", "six", "1.17.0"),
        _record("PYSEC-2024-4", "flask", "2.1.0"),
        _record("PYSEC-2024-5", "jinja2", "3.1.0", "CVE-2024-5"),
    )
    return root, db


def _check(root: Path, db: Path, *extra: str, fmt: str = "json") -> tuple[int, str]:
    result = run_cli(
        "check", str(root), "--scanner", "pip-audit", "--vuln-db", str(db), "--format", fmt,
        *extra,
    )  # fmt: skip
    assert result.code in (0, 1), result.err
    return result.code, result.out


def _by_rule(report: str) -> dict[str, dict[str, Any]]:
    return {f["rule_id"]: f for f in json.loads(report)["findings"]}


def test_fixtures_validate_against_the_published_schemas() -> None:
    from cyclonedx.schema import SchemaVersion  # noqa: PLC0415
    from cyclonedx.validation.json import JsonStrictValidator  # noqa: PLC0415

    schema = json.loads(OPENVEX_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(_fixture("openvex.json"))
    text = (FIXTURES / "cyclonedx-vex.json").read_text(encoding="utf-8")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    # The malformed OpenVEX documents secgate refuses, the schema refuses too.
    for name, document, _ in MALFORMED:
        if name.startswith("openvex-") and isinstance(document, dict):
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.Draft202012Validator(schema).validate(document)


def test_openvex_sets_aside_exactly_the_matching_findings(project: tuple[Path, Path]) -> None:
    root, db = project
    code, out = _check(root, db, "--vex", str(root / "security" / "openvex.json"))
    assert code == 1  # six (affected), flask (under investigation), jinja2 (no statement)
    findings = _by_rule(out)
    requests, urllib3 = findings["PYSEC-2024-1"], findings["GHSA-9wx4-h78v-vm56"]
    # Matched through an alias (CVE-2024-1) and a mixed-case subcomponent purl.
    assert requests["suppressed_by"] == f"vex:{DOC_ID}#requests"
    assert not requests["blocking"]
    assert "openvex.json" in requests["decided_by"] and DOC_ID in requests["decided_by"]
    assert requests["properties"]["vex.justification"] == "vulnerable_code_not_in_execute_path"
    assert requests["properties"]["vex.impact_statement"] == IMPACT
    # A purl without a version names every version; "fixed" sets aside too.
    assert urllib3["suppressed_by"] == f"vex:{DOC_ID}#1"
    assert urllib3["properties"]["vex.status"] == "fixed"
    # affected and under_investigation never set a finding aside.
    for rule, status in (("PYSEC-2024-3", "affected"), ("PYSEC-2024-4", "under_investigation")):
        assert findings[rule]["blocking"] and findings[rule]["suppressed_by"] is None
        assert findings[rule]["properties"]["vex.status"] == status
    assert findings["PYSEC-2024-5"]["blocking"]
    assert not any(k.startswith("vex.") for k in findings["PYSEC-2024-5"]["properties"])
    # Another version (#4) and another vulnerability of the same package (#5) match nothing.
    statuses = {s["statement"]: s for s in json.loads(out)["vex"]}
    assert [k for k, s in statuses.items() if s["unused"]] == ["4", "5"]
    assert (statuses["requests"]["matched"], statuses["requests"]["suppressed"]) == (1, 1)
    assert (statuses["2"]["matched"], statuses["2"]["suppressed"]) == (1, 0)


def test_cyclonedx_vex_sets_aside_exactly_the_matching_findings(
    project: tuple[Path, Path],
) -> None:
    root, db = project
    code, out = _check(root, db, "--vex", str(root / "security" / "cyclonedx-vex.json"))
    assert code == 1
    findings = _by_rule(out)
    jinja = findings["PYSEC-2024-5"]
    # CVE-2024-5 is the advisory's alias; "jinja" the bom-ref of pkg:pypi/jinja2@3.0.0.
    assert jinja["suppressed_by"] == f"vex:{SERIAL}#jinja-ssti"
    assert jinja["properties"]["vex.justification"] == "code_not_reachable"
    assert jinja["properties"]["vex.impact_statement"] == DETAIL
    # in_triage and exploitable do not set aside; nothing speaks of requests and urllib3.
    for rule in ("PYSEC-2024-3", "PYSEC-2024-4", "PYSEC-2024-1", "GHSA-9wx4-h78v-vm56"):
        assert findings[rule]["blocking"], rule
    assert findings["PYSEC-2024-3"]["properties"]["vex.status"] == "in_triage"
    assert findings["PYSEC-2024-4"]["properties"]["vex.status"] == "exploitable"
    unused = [s for s in json.loads(out)["vex"] if s["unused"]]
    assert [(s["statement"], s["vulnerability"]) for s in unused] == [("3", "PYSEC-2024-9")]


def test_the_latest_statement_decides_and_a_tie_does_not_set_aside(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    root, db = project
    base = _fixture("openvex.json")
    statement = base["statements"][0]

    def document(name: str, status: str, when: str) -> str:
        doc = {**copy.deepcopy(base), "@id": f"https://example.com/{name}", "timestamp": when}
        doc["statements"] = [{**statement, "status": status}]
        if status == "affected":
            doc["statements"][0] = {
                "vulnerability": statement["vulnerability"],
                "products": statement["products"],
                "status": "affected",
                "action_statement": "upgrade requests",
            }
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        return str(path)

    old_aside = document("old", "not_affected", "2026-01-01T00:00:00Z")
    new_affected = document("new", "affected", "2026-06-01T00:00:00Z")
    same_affected = document("same", "affected", "2026-01-01T00:00:00Z")
    new_aside = document("newer", "not_affected", "2026-09-01T00:00:00Z")
    for docs, aside in (
        ((old_aside, new_affected), False),
        ((old_aside, same_affected), False),
        ((old_aside, new_affected, new_aside), True),
    ):
        _, out = _check(root, db, *(a for d in docs for a in ("--vex", d)))
        requests = _by_rule(out)["PYSEC-2024-1"]
        assert (requests["suppressed_by"] is not None) is aside, docs


FORMATS = [
    "text",
    "json",
    "sarif",
    "junit",
    "markdown",
    "html",
    "gitlab-dependency-scanning",
    "cyclonedx",
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_report_format_shows_the_justification(project: tuple[Path, Path], fmt: str) -> None:
    root, db = project
    vex = ("--vex", str(root / "security" / "openvex.json"))
    _, out = _check(root, db, *vex, "--vex", str(root / "security" / "cyclonedx-vex.json"), fmt=fmt)
    if fmt == "cyclonedx":
        from cyclonedx.schema import SchemaVersion  # noqa: PLC0415
        from cyclonedx.validation.json import JsonStrictValidator  # noqa: PLC0415

        assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out) is None
        analysis = {v["id"]: v.get("analysis") for v in json.loads(out)["vulnerabilities"]}
        assert analysis["PYSEC-2024-1"] == {
            "state": "not_affected",
            "justification": "code_not_reachable",  # vulnerable_code_not_in_execute_path
            "detail": f"{IMPACT} (vex:{DOC_ID}#requests)",
        }
        assert analysis["PYSEC-2024-5"] == {
            "state": "not_affected",
            "justification": "code_not_reachable",
            "detail": f"{DETAIL} (vex:{SERIAL}#jinja-ssti)",
        }
        assert analysis["GHSA-9wx4-h78v-vm56"]["state"] == "resolved"
        # six: the CycloneDX document's in_triage is newer than the OpenVEX affected.
        assert analysis["PYSEC-2024-3"] == {"state": "in_triage"}
        assert analysis["PYSEC-2024-4"] == {"state": "exploitable", "response": ["update"]}
        return
    text = out.replace("\\", "") if fmt == "markdown" else out  # Markdown escapes _ and #
    for expected in ("vulnerable_code_not_in_execute_path", IMPACT, "code_not_reachable", DETAIL):
        assert expected in text, (fmt, expected)


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_unused_statements_are_listed(project: tuple[Path, Path], fmt: str) -> None:
    root, db = project
    _, out = _check(root, db, "--vex", str(root / "security" / "openvex.json"), fmt=fmt)
    if fmt == "json":
        report = json.loads(out)
        assert [s["statement"] for s in report["vex"] if s["unused"]] == ["4", "5"]
        (warning,) = [w for w in report["warnings"] if w.startswith("VEX ")]
    else:
        warning = out.replace("\\", "") if fmt == "markdown" else out
        assert "6 statements" in warning and "4 matched, 2 unused" in warning.replace(":", ",")
    assert "2 of 6 statements matched no finding (unused): #4 PYSEC-2024-1, #5 CVE-2099-9" in (
        warning.replace("\\", "")
    )


def test_vex_from_the_scanned_trees_own_config_is_a_visible_loosening(
    project: tuple[Path, Path],
) -> None:
    root, db = project
    (root / "secgate.toml").write_text('vex = ["security/openvex.json"]\n', encoding="utf-8")
    _, out = _check(root, db)
    report = json.loads(out)
    assert _by_rule(out)["PYSEC-2024-1"]["suppressed_by"] == f"vex:{DOC_ID}#requests"
    (line,) = [s for s in report["policy_summary"] if s.startswith("VEX ")]
    assert "4 statements set matching dependency findings aside" in line
    assert "committed in the scanned tree: security/openvex.json" in line


def test_the_trees_config_may_not_name_a_vex_document_outside_it(
    project: tuple[Path, Path],
) -> None:
    root, db = project
    shutil.copy(root / "security" / "openvex.json", root.parent / "outside.json")
    (root / "secgate.toml").write_text('vex = ["../outside.json"]\n', encoding="utf-8")
    result = run_cli("check", str(root), "--scanner", "pip-audit", "--vuln-db", str(db))
    assert result.code == 2
    assert "secgate.toml: vex: resolves outside the scanned root" in result.err


def test_evaluate_judges_with_todays_documents_only(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    root, db = project
    report = tmp_path / "report.json"
    _check(root, db, "--vex", str(root / "security" / "openvex.json"), "-o", str(report))
    again = run_cli("evaluate", str(report), "--format", "json")
    assert again.code == 1, again.err
    requests = _by_rule(again.out)["PYSEC-2024-1"]
    assert requests["blocking"] and not any(k.startswith("vex.") for k in requests["properties"])
    with_vex = run_cli(
        "evaluate", str(report), "--format", "json", "--vex", str(root / "security/openvex.json")
    )
    assert _by_rule(with_vex.out)["PYSEC-2024-1"]["suppressed_by"] == f"vex:{DOC_ID}#requests"


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def _openvex(**changes: Any) -> dict[str, Any]:
    doc = _fixture("openvex.json")
    statement = {**doc["statements"][0], **changes}
    doc["statements"] = [{k: v for k, v in statement.items() if v is not None}]
    return doc


def _without(key: str) -> dict[str, Any]:
    doc = _fixture("openvex.json")
    del doc[key]
    return doc


def _cdx_state(state: str) -> dict[str, Any]:
    doc = _fixture("cyclonedx-vex.json")
    doc["vulnerabilities"][0]["analysis"]["state"] = state
    return doc


MALFORMED: list[tuple[str, dict[str, Any] | str, str]] = [
    ("bad-json", '{"@context": "https://openvex.dev/ns/v0.2.0", ', "not valid JSON"),
    ("openvex-no-author", _without("author"), "author: missing required key"),
    (
        "openvex-no-justification",
        _openvex(justification=None, impact_statement=None),
        "statements[0].justification: a not_affected statement needs a justification or an "
        "impact_statement",
    ),
    ("openvex-unknown-status", _openvex(status="maybe"), "statements[0].status: Input should be"),
    (
        "openvex-unknown-justification",
        _openvex(justification="we_looked"),
        "statements[0].justification: 'we_looked' is not one of: component_not_present",
    ),
    (
        "openvex-unknown-key",
        _openvex(severity="high"),
        "statements[0].severity: unknown key",
    ),
    (
        "bad-purl",
        _openvex(products=[{"@id": "pkg:pypi"}]),
        "statements[0].products[0].@id: not a valid package URL",
    ),
    (
        "cyclonedx-unknown-state",
        _cdx_state("ignored"),
        "vulnerabilities[0].analysis.state: Input should be",
    ),
    ("neither", {"hello": "world"}, "(top level): neither an OpenVEX document"),
]


@pytest.mark.parametrize(("name", "document", "expected"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_document_exits_2_naming_file_and_field(
    project: tuple[Path, Path], name: str, document: dict[str, Any] | str, expected: str
) -> None:
    root, db = project
    path = root / "security" / f"{name}.json"
    text = document if isinstance(document, str) else json.dumps(document)
    path.write_text(text, encoding="utf-8")
    result = run_cli_process(
        "check", str(root), "--scanner", "pip-audit", "--vuln-db", str(db), "--vex", str(path)
    )
    assert result.code == 2, result.out + result.err
    assert f"{path}: {expected}" in result.err, result.err
    assert "Traceback" not in result.err


def test_the_owners_policy_names_documents_relative_to_itself(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    root, db = project
    owner = tmp_path / "ci"
    (owner / "vex").mkdir(parents=True)
    shutil.copy(FIXTURES / "cyclonedx-vex.json", owner / "vex" / "triage.cdx.json")
    policy = owner / "secgate-policy.toml"
    policy.write_text('vex = ["vex/triage.cdx.json"]\nlocked = ["vex"]\n', encoding="utf-8")
    _, out = _check(root, db, "--policy", str(policy))
    assert _by_rule(out)["PYSEC-2024-5"]["suppressed_by"] == f"vex:{SERIAL}#jinja-ssti"
    (line,) = [s for s in json.loads(out)["policy_summary"] if s.startswith("VEX ")]
    assert "committed in the scanned tree" not in line  # the owner's, outside the checkout
    # With `vex` locked, the repository's own config may not add documents.
    (root / "secgate.toml").write_text('vex = ["security/openvex.json"]\n', encoding="utf-8")
    refused = run_cli(
        "check", str(root), "--scanner", "pip-audit", "--vuln-db", str(db), "--policy", str(policy)
    )
    assert refused.code == 2 and "vex: locked by the owner's policy" in refused.err


def test_merge_applies_the_vex_documents_it_is_given(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    # The merge judges the shards' union afresh, so a document given to the shards on the
    # command line must be given to the merge too; without it the finding blocks again.
    root, db = project
    vex = str(root / "security" / "openvex.json")
    shards = []
    for k in (1, 2):
        shard = tmp_path / f"shard-{k}.json"
        # (the dependency audit runs on shard 1; secrets gives shard 2 a scanner to run)
        _check(
            root, db, "--scanner", "secrets", "--vex", vex, "--shard", f"{k}/2", "-o", str(shard)
        )
        shards.append(str(shard))
    plain = run_cli("merge", *shards, "--format", "json")
    assert plain.code == 1, plain.err
    assert _by_rule(plain.out)["PYSEC-2024-1"]["blocking"]
    merged = run_cli("merge", *shards, "--vex", vex, "--format", "json")
    requests = _by_rule(merged.out)["PYSEC-2024-1"]
    assert requests["suppressed_by"] == f"vex:{DOC_ID}#requests"
    assert not requests["blocking"]
