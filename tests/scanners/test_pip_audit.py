"""The ``pip-audit`` scanner through ``secgate.check()`` and the command line."""

from __future__ import annotations

import io
import itertools
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import packaging
import pytest

import secgate
from secgate.cli import main
from secgate.deps import sources
from secgate.deps.osv import update_database
from secgate.errors import ConfigError
from secgate.models import GapKind, ScanStatus, Severity, Verdict, VerdictStatus
from secgate.plugins import make_plugin_host
from tests.deps.helpers import (
    FIXTURES,
    FakePipAudit,
    isolate_cache,
    osv_record,
    write_records,
)

REPO = Path(__file__).resolve().parents[2]
RECORDED = FIXTURES / "pip-audit"
CVSS_CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
CVSS_MEDIUM = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """secgate's cache under the test's folder; SECGATE_VULN_DB unset."""
    return isolate_cache(tmp_path, monkeypatch)


@pytest.fixture
def write_db(tmp_path: Path) -> Callable[..., Path]:
    """Write records into a fresh database folder."""
    counter = itertools.count()
    return lambda *records: write_records(tmp_path / f"db{next(counter)}", *records)


@pytest.fixture
def fake_pip_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakePipAudit:
    """A fake ``pip-audit`` first on PATH, replaying recorded output."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    return FakePipAudit(folder, monkeypatch)


def _records() -> list[dict[str, Any]]:
    return [
        osv_record(
            "PYSEC-2019-217",
            "jinja2",
            events=[{"introduced": "0"}, {"fixed": "2.10.1"}],
            aliases=["CVE-2019-10906", "GHSA-462w-v97r-4m45"],
            summary="Sandbox escape through str.format_map",
        ),
        # The GitHub record of the same vulnerability: reported once, with PYSEC's id.
        osv_record(
            "GHSA-462w-v97r-4m45",
            "Jinja2",
            events=[{"introduced": "0"}, {"fixed": "2.10.1"}],
            aliases=["CVE-2019-10906"],
            severity=[{"type": "CVSS_V3", "score": CVSS_CRITICAL}],
            database_specific={"cwe_ids": ["CWE-693"], "severity": "CRITICAL"},
        ),
        osv_record(
            "PYSEC-2021-66",
            "jinja2",
            events=[{"introduced": "0"}, {"fixed": "2.11.3"}],
            severity=[{"type": "CVSS_V3", "score": CVSS_MEDIUM}],
        ),
        osv_record("PYSEC-2018-28", "requests", events=[{"introduced": "0"}, {"fixed": "2.20.0"}]),
        osv_record("PYSEC-2020-96", "pyyaml", versions=["5.3"], modified="2024-06-01T00:00:00Z"),
    ]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "requirements.txt").write_text(
        "# app\njinja2==2.10\nrequests==2.19.0\nflask>=1.0\n-e ./lib\nsix==1.16.0\n", "utf-8"
    )
    return root


@pytest.fixture
def db(write_db: Callable[..., Path]) -> Path:
    return write_db(*_records())


def _check(root: Path, **options: Any) -> Verdict:
    return secgate.check(
        root, scanners=["pip-audit"], overrides={"scanners": {"pip-audit": options}}
    )


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_findings_point_at_the_declaring_line_with_severity_fix_and_package(
    project: Path, db: Path
) -> None:
    verdict = _check(project, **{"vuln-db": str(db)})
    result = verdict.scanner("pip-audit")
    assert result.status is ScanStatus.OK, result.error
    by_rule = {f.rule_id: f for f in verdict.findings}
    assert sorted(by_rule) == ["PYSEC-2018-28", "PYSEC-2019-217", "PYSEC-2021-66", "unpinned"]

    sandbox = by_rule["PYSEC-2019-217"]  # two records of one vulnerability, reported once
    assert (sandbox.path, sandbox.line) == ("requirements.txt", 2)
    assert sandbox.severity is Severity.CRITICAL  # the GHSA record's CVSS vector
    assert sandbox.package is not None
    assert sandbox.package.aliases == ("GHSA-462w-v97r-4m45", "CVE-2019-10906")
    assert (sandbox.package.name, sandbox.package.version) == ("jinja2", "2.10")
    assert sandbox.package.fixed_versions == ("2.10.1",)
    assert sandbox.cwe == (693,)
    assert sandbox.help_url == "https://osv.dev/vulnerability/PYSEC-2019-217"
    assert sandbox.message.startswith("jinja2 2.10 is affected by PYSEC-2019-217")
    # Fix advice: the lowest version fixing both advisories that affect jinja2 2.10.
    assert sandbox.help_text is not None
    assert sandbox.help_text.startswith("Upgrade jinja2 to 2.11.3 or later")

    redos = by_rule["PYSEC-2021-66"]
    assert (redos.severity, redos.properties["cvss_score"]) == (Severity.MEDIUM, 6.1)
    requests = by_rule["PYSEC-2018-28"]
    assert requests.severity is Severity.HIGH  # no severity in the record: the default
    assert requests.properties["severity_source"] == "unknown-severity"
    assert requests.line == 3

    unpinned = by_rule["unpinned"]
    assert (unpinned.line, unpinned.severity) == (4, Severity.LOW)
    assert "flask>=1.0 is not pinned" in unpinned.message

    skipped = [(s.path, s.reason) for s in result.coverage.skipped]
    assert skipped == [
        (
            "requirements.txt",
            "line 5: -e ./lib: editable requirement, not auditable (no version to look up)",
        )
    ]
    details = result.details
    assert (details["audited"], details["unpinned"], details["not_auditable"]) == (3, 1, 1)
    assert (details["vuln_source"], details["db_source"]) == ("osv-db", str(db))
    assert details["db_records"] == 5
    assert str(details["db_export_date"]).startswith("2024-06-01")
    assert verdict.status is VerdictStatus.FAIL


def test_severity_defaults_are_configurable(project: Path, db: Path) -> None:
    verdict = _check(
        project,
        **{"vuln-db": str(db), "unknown-severity": "medium", "unpinned-severity": "high"},
    )
    by_rule = {f.rule_id: f for f in verdict.findings}
    assert by_rule["PYSEC-2018-28"].severity is Severity.MEDIUM
    assert by_rule["unpinned"].severity is Severity.HIGH


def test_lock_file_is_audited_instead_of_the_manifest_ranges(
    tmp_path: Path, write_db: Callable[..., Path]
) -> None:
    root = tmp_path / "uv-project"
    shutil.copytree(FIXTURES / "uv-project", root)
    db = write_db(
        osv_record("PYSEC-2018-28", "requests", events=[{"introduced": "0"}, {"fixed": "2.20.0"}]),
        osv_record("PYSEC-2021-142", "pyyaml", events=[{"introduced": "0"}, {"fixed": "5.4"}]),
    )
    verdict = _check(root, **{"vuln-db": str(db)})
    findings = sorted((f.rule_id, f.path) for f in verdict.findings)
    # pyproject.toml pins requests==2.19.0 and ranges jinja2/pyyaml: the lock covers all of
    # them, so nothing is reported twice and nothing as unpinned.
    assert findings == [("PYSEC-2018-28", "uv.lock"), ("PYSEC-2021-142", "uv.lock")]
    lock_lines = (root / "uv.lock").read_text("utf-8").splitlines()
    for finding in verdict.findings:
        assert finding.line is not None
        assert lock_lines[finding.line - 1] == f'name = "{finding.package.name}"'  # type: ignore[union-attr]
    skipped = [s.reason for s in verdict.scanner("pip-audit").coverage.skipped]
    assert skipped == [
        "line 23: demo: local project or path, not auditable (no version to look up)"
    ]


def test_an_invalid_requirement_line_is_a_gap_and_the_rest_is_audited(
    project: Path, db: Path
) -> None:
    """A line no packaging release parses is listed with its line; it is not an error."""
    (project / "requirements-dev.txt").write_text("pytest==7\nnot valid!\n", "utf-8")
    verdict = _check(project, **{"vuln-db": str(db)})
    result = verdict.scanner("pip-audit")
    assert result.status is ScanStatus.OK, result.error
    (gap,) = [s for s in result.coverage.skipped if s.path == "requirements-dev.txt"]
    assert gap.reason.startswith("line 2: invalid requirement")
    assert (gap.kind, gap.line) == (GapKind.INVALID_REQUIREMENT, 2)
    assert "PYSEC-2019-217" in {f.rule_id for f in verdict.findings}
    assert verdict.status is not VerdictStatus.ERROR
    assert any("manifest lines not audited" in r and "requirements-dev.txt:2" in r
               for r in verdict.reasons), verdict.reasons  # fmt: skip


def test_an_unparsable_manifest_is_a_file_gap_judged_by_min_coverage(
    project: Path, db: Path
) -> None:
    (project / "Pipfile.lock").write_text("{not json", "utf-8")
    verdict = _check(project, **{"vuln-db": str(db)})
    result = verdict.scanner("pip-audit")
    assert result.status is ScanStatus.OK, result.error
    (gap,) = [s for s in result.coverage.skipped if s.path == "Pipfile.lock"]
    assert gap.kind is GapKind.UNPARSABLE
    assert result.coverage.files_scanned == result.coverage.candidates - 1
    assert "PYSEC-2019-217" in {f.rule_id for f in verdict.findings}


def test_missing_database_path_is_a_scanner_error(project: Path, tmp_path: Path) -> None:
    verdict = _check(project, **{"vuln-db": str(tmp_path / "gone")})
    result = verdict.scanner("pip-audit")
    assert result.status is ScanStatus.ERROR
    assert result.error is not None and "no such file or folder" in result.error
    assert verdict.exit_code == 2


def test_corrupt_record_is_skipped_with_a_warning_and_the_rest_used(
    project: Path, db: Path
) -> None:
    (db / "PYSEC-BROKEN.json").write_text('{"id": "PYSEC-BROKEN", "affected": [', "utf-8")
    verdict = _check(project, **{"vuln-db": str(db)})
    result = verdict.scanner("pip-audit")
    assert result.status is ScanStatus.OK
    assert "PYSEC-2019-217" in {f.rule_id for f in verdict.findings}
    assert result.details["db_skipped_records"] == 1
    (warning,) = [s for s in result.coverage.skipped if s.path == "PYSEC-BROKEN.json"]
    assert warning.reason.startswith("vulnerability record skipped: invalid JSON")
    assert warning.reason.endswith(f"(in {db})")


def test_stale_database_is_an_error_and_findings_are_kept(project: Path, db: Path) -> None:
    verdict = _check(project, **{"vuln-db": str(db), "max-db-age": "7d"})
    result = verdict.scanner("pip-audit")
    assert result.status is ScanStatus.ERROR
    assert result.error is not None
    assert "stale: its newest record is from 2024-06-01" in result.error
    assert "older than max-db-age (7 days)" in result.error
    assert "secgate db update" in result.error
    assert verdict.findings  # still reported


def test_fresh_database_passes_max_db_age(project: Path, write_db: Callable[..., Path]) -> None:
    today = datetime.now(UTC).strftime("%Y-%m-%dT00:00:00Z")
    db = write_db(osv_record("PYSEC-1", "jinja2", versions=["2.10"], modified=today))
    result = _check(project, **{"vuln-db": str(db), "max-db-age": "7d"}).scanner("pip-audit")
    assert result.status is ScanStatus.OK, result.error


def test_relative_vuln_db_resolves_against_the_config_file_folder(
    project: Path, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(db, project / "osv")
    (project / "secgate.toml").write_text('[scanners.pip-audit]\nvuln-db = "osv"\n', "utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    # Discovered config, and an explicit --config with the scan target somewhere else.
    for verdict in (
        secgate.check(project, scanners=["pip-audit"]),
        secgate.check(project / "requirements.txt", scanners=["pip-audit"],
                      config=project / "secgate.toml"),
    ):  # fmt: skip
        result = verdict.scanner("pip-audit")
        assert result.status is ScanStatus.OK, result.error
        assert result.details["db_source"] == str(project / "osv")


def test_environment_variable_and_imported_database_are_defaults(
    project: Path, db: Path, write_db: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    imported = write_db(osv_record("PYSEC-77", "six", versions=["1.16.0"]))
    update_database(str(imported))
    result = _check(project).scanner("pip-audit")
    assert "(via secgate db update)" in str(result.details["db_source"])
    monkeypatch.setenv("SECGATE_VULN_DB", str(db))
    verdict = _check(project)
    assert verdict.scanner("pip-audit").details["db_source"] == str(db)
    assert "PYSEC-77" not in {f.rule_id for f in verdict.findings}


def test_no_vulnerability_data_reachable_is_an_error_verdict(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This machine has pip-audit; a machine without it and without a database is simulated.
    monkeypatch.setattr(sources, "find_pip_audit", lambda: None)
    code, out, _ = _cli("check", str(project), "--scanner", "pip-audit")
    assert code == 2
    assert "no vulnerability data reachable" in out
    assert "secgate db update --from PATH" in out and "--vuln-db PATH" in out


def test_pip_audit_skipping_every_dependency_is_an_error_not_a_pass(
    project: Path, fake_pip_audit: FakePipAudit
) -> None:
    # What plain pip-audit does here: every dependency skipped, exit 0.
    fake_pip_audit.replay(
        stdout=RECORDED / "all-skipped.json", stderr=RECORDED / "all-skipped.stderr"
    )
    (project / "requirements.txt").write_text("jinja2==2.10\nrequests==2.19.0\n", "utf-8")
    verdict = _check(project)
    result = verdict.scanner("pip-audit")
    assert verdict.status is VerdictStatus.ERROR and verdict.exit_code == 2
    assert result.status is ScanStatus.ERROR
    assert result.error is not None
    assert result.error.startswith("2 of 2 pinned dependencies were not audited by pip-audit")
    assert "secgate db update --from PATH" in result.error
    assert [s.reason for s in result.coverage.skipped] == [
        "line 1: jinja2 2.10 not audited: pip-audit: Dependency not found on PyPI and could "
        "not be audited: jinja2 (2.10)",
        "line 2: requests 2.19.0 not audited: pip-audit: Dependency not found on PyPI and "
        "could not be audited: requests (2.19.0)",
    ]
    assert result.details["vuln_source"] == "pip-audit"


def test_pip_audit_findings_get_lines_aliases_and_the_default_severity(
    project: Path, fake_pip_audit: FakePipAudit
) -> None:
    fake_pip_audit.replay(stdout=RECORDED / "vulnerable.json", exit_code=1)
    (project / "requirements.txt").write_text(
        "jinja2==2.10\nrequests==2.31.0\nurllib3==1.24.1\n", "utf-8"
    )
    verdict = _check(project)
    result = verdict.scanner("pip-audit")
    findings = {f.rule_id: f for f in verdict.findings}
    assert sorted(findings) == ["PYSEC-2019-217", "PYSEC-2021-66"]
    sandbox = findings["PYSEC-2019-217"]
    assert (sandbox.line, sandbox.severity) == (1, Severity.HIGH)
    assert sandbox.package is not None
    assert sandbox.package.aliases == ("GHSA-462w-v97r-4m45", "CVE-2019-10906")
    assert sandbox.help_text is not None and "jinja2 to 2.11.3" in sandbox.help_text
    # urllib3 was skipped by pip-audit: the run is incomplete, the findings are kept.
    assert result.status is ScanStatus.ERROR
    assert result.error is not None and result.error.startswith("1 of 3 pinned dependencies")


def test_source_option_forces_pip_audit_even_with_a_database(
    project: Path, db: Path, fake_pip_audit: FakePipAudit
) -> None:
    fake_pip_audit.replay(stdout=RECORDED / "vulnerable.json", exit_code=1)
    result = _check(project, **{"vuln-db": str(db), "source": "pip-audit"}).scanner("pip-audit")
    assert result.details["vuln_source"] == "pip-audit"


def test_osv_db_source_without_a_database_says_how_to_get_one(project: Path) -> None:
    result = _check(project, source="osv-db").scanner("pip-audit")
    assert result.status is ScanStatus.ERROR
    assert result.error is not None and "secgate db update --from PATH" in result.error


def test_tree_without_manifests_needs_no_vulnerability_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "find_pip_audit", lambda: None)
    (tmp_path / "app.py").write_text("print('hi')\n", "utf-8")
    verdict = _check(tmp_path)
    assert verdict.scanner("pip-audit").status is ScanStatus.OK
    assert verdict.status is VerdictStatus.PASS


def test_unknown_option_is_a_config_error(project: Path) -> None:
    with pytest.raises(ConfigError, match=r"scanners.pip-audit.vuln_dbx: unknown key"):
        _check(project, vuln_dbx="x")


def test_cli_vuln_db_flag_and_json_report(
    project: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(db.parent)
    code, out, _ = _cli(
        "check", str(project), "--scanner", "pip-audit", "--vuln-db", db.name, "--format", "json"
    )
    assert code == 1
    report = json.loads(out)
    # Other registered scanners appear as "not selected"; this one is the one that ran.
    scanner = next(s for s in report["scanners"] if s["name"] == "pip-audit")
    assert scanner["details"]["db_source"] == str(db)  # resolved against the current folder
    assert {f["rule_id"] for f in report["findings"]} >= {"PYSEC-2019-217", "PYSEC-2018-28"}


def test_cli_installed_flag_audits_this_environment(
    tmp_path: Path, write_db: Callable[..., Path]
) -> None:
    db = write_db(osv_record("PYSEC-4242", "packaging", versions=[packaging.__version__]))
    empty = tmp_path / "empty-project"
    empty.mkdir()
    code, out, _ = _cli(
        "check", str(empty), "--scanner", "pip-audit", "--vuln-db", str(db), "--installed",
        "--format", "json",
    )  # fmt: skip
    report = json.loads(out)
    (finding,) = [f for f in report["findings"] if f["rule_id"] == "PYSEC-4242"]
    assert finding["path"] == "installed-environment"
    assert finding["package"]["version"] == packaging.__version__
    assert code == 1


def test_example_app_shows_dependency_findings_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = _cli("check", "examples/insecure-app", "--scanner", "pip-audit", "-f", "json")
    report = json.loads(out)
    scanner = next(s for s in report["scanners"] if s["name"] == "pip-audit")
    assert scanner["status"] == "ok", scanner["error"]
    assert scanner["details"]["vuln_source"] == "osv-db"
    ids = {f["rule_id"] for f in report["findings"]}
    assert {"PYSEC-2019-217", "PYSEC-2018-28", "PYSEC-2018-66", "unpinned"} <= ids
    assert code == 1


def test_scanner_is_registered_through_its_entry_point() -> None:
    info = make_plugin_host().scanners()["pip-audit"]
    assert info.plugin == "pip-audit"
    assert info.cls().availability().ok
