"""Vulnerability sources: the offline database and pip-audit through its command line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from secgate.deps.sources import (
    OsvDatabaseSource,
    PackageQuery,
    PipAuditSource,
    SourceError,
    find_pip_audit,
)
from tests.deps.helpers import FIXTURES, FakePipAudit, osv_record

RECORDED = FIXTURES / "pip-audit"


def _source(fake: FakePipAudit, timeout: float = 30.0) -> PipAuditSource:
    found = find_pip_audit()
    assert found == str(fake.executable)
    return PipAuditSource(found, timeout=timeout)


def test_pip_audit_report_is_read_from_json(fake_pip_audit: FakePipAudit) -> None:
    fake_pip_audit.replay(stdout=RECORDED / "vulnerable.json", exit_code=1)  # 1: vulns found
    jinja, requests, urllib3 = (
        PackageQuery.of("Jinja2", "2.10"),
        PackageQuery.of("requests", "2.31.0"),
        PackageQuery.of("urllib3", "1.24.1"),
    )
    result = _source(fake_pip_audit).query([jinja, requests, urllib3])
    assert [a.id for a in result.found[jinja]] == ["PYSEC-2019-217", "PYSEC-2021-66"]
    first = result.found[jinja][0]
    assert first.aliases == ("CVE-2019-10906", "GHSA-462w-v97r-4m45")
    assert first.fixed_versions("jinja2") == ("2.10.1",)
    assert first.severity is None  # pip-audit reports none: the scanner applies its default
    assert result.found[requests] == []
    assert urllib3 not in result.found
    assert result.not_audited[urllib3].startswith("pip-audit: Dependency not found on PyPI")


def test_pip_audit_gets_a_pinned_requirements_file_and_json_flags(
    fake_pip_audit: FakePipAudit,
) -> None:
    fake_pip_audit.replay(stdout=RECORDED / "all-skipped.json")
    _source(fake_pip_audit).query(
        [PackageQuery.of("Jinja2", "2.10"), PackageQuery.of("requests", "2.19.0")]
    )
    call = fake_pip_audit.last_call()
    assert call["requirements"] == "jinja2==2.10\nrequests==2.19.0\n"
    argv = call["argv"]
    for flag in ("--no-deps", "--disable-pip"):
        assert flag in argv
    assert argv[argv.index("--format") + 1] == "json"
    assert argv[argv.index("--progress-spinner") + 1] == "off"
    assert Path(argv[argv.index("--requirement") + 1]).is_absolute()  # never read as an option


def test_all_skipped_with_exit_0_is_not_a_pass(fake_pip_audit: FakePipAudit) -> None:
    # Recorded here: no route to PyPI's JSON API; pip-audit says "No known vulnerabilities
    # found" and exits 0 with every dependency skipped.
    fake_pip_audit.replay(
        stdout=RECORDED / "all-skipped.json", stderr=RECORDED / "all-skipped.stderr"
    )
    queries = [PackageQuery.of("jinja2", "2.10"), PackageQuery.of("requests", "2.19.0")]
    result = _source(fake_pip_audit).query(queries)
    assert result.found == {}
    assert set(result.not_audited) == set(queries)
    assert "could not be audited: jinja2 (2.10)" in result.not_audited[queries[0]]


def test_crash_without_json_is_an_error_whatever_the_exit_code(
    fake_pip_audit: FakePipAudit,
) -> None:
    fake_pip_audit.replay(stderr=RECORDED / "osv-offline.stderr", exit_code=1)
    with pytest.raises(SourceError, match=r"exit 1.*ConnectionError.*secgate db update"):
        _source(fake_pip_audit).query([PackageQuery.of("jinja2", "2.10")])
    fake_pip_audit.replay(stdout="not json", exit_code=0)
    with pytest.raises(SourceError, match="without a JSON report"):
        _source(fake_pip_audit).query([PackageQuery.of("jinja2", "2.10")])


def test_dependency_missing_from_the_report_is_not_audited(fake_pip_audit: FakePipAudit) -> None:
    fake_pip_audit.replay(stdout='{"dependencies": [], "fixes": []}')
    query = PackageQuery.of("jinja2", "2.10")
    result = _source(fake_pip_audit).query([query])
    assert result.not_audited == {query: "pip-audit did not report on it"}


def test_version_that_is_not_pep440_is_not_sent_to_pip_audit(fake_pip_audit: FakePipAudit) -> None:
    fake_pip_audit.replay(stdout='{"dependencies": [], "fixes": []}')
    legacy = PackageQuery.of("demo", "1.0-legacy-build")
    result = _source(fake_pip_audit).query([legacy])
    assert "not PEP 440" in result.not_audited[legacy]
    assert not fake_pip_audit.log.exists()  # nothing left to ask: pip-audit did not run


def test_hung_pip_audit_is_killed_at_the_timeout(fake_pip_audit: FakePipAudit) -> None:
    fake_pip_audit.replay(stdout=RECORDED / "all-skipped.json", sleep=30)
    with pytest.raises(SourceError, match="did not finish within 1 s"):
        _source(fake_pip_audit, timeout=1.0).query([PackageQuery.of("jinja2", "2.10")])


def test_osv_source_answers_from_the_database(write_db: Callable[..., Path]) -> None:
    db = write_db(osv_record("PYSEC-1", "demo", events=[{"introduced": "0"}, {"fixed": "2.0"}]))
    old, new = PackageQuery.of("Demo", "1.0"), PackageQuery.of("demo", "2.0")
    result = OsvDatabaseSource(db).query([old, new])
    assert [a.id for a in result.found[old]] == ["PYSEC-1"]
    assert result.found[new] == []
    assert result.provenance.records == 1
    assert result.details["index_cache"] == "built"


def test_osv_source_with_missing_database_raises(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or folder"):
        OsvDatabaseSource(tmp_path / "gone").query([PackageQuery.of("a", "1")])


ECHO_PIP_AUDIT = """#!{python}
import json, os, sys
path = sys.argv[sys.argv.index("--requirement") + 1]
pins = [line.split("==") for line in open(path).read().split()]
names = [name for name, _ in pins]
if len(set(names)) != len(names):  # what the real pip-audit does with one file
    sys.stderr.write("ERROR:pip_audit._cli:package has duplicate requirements\\n")
    sys.exit(1)
with open(os.environ["ECHO_LOG"], "a") as log:
    log.write(json.dumps(pins) + "\\n")
vulns = lambda n, v: [{{"id": f"PYSEC-{{n}}-{{v}}", "fix_versions": [], "aliases": []}}]
print(json.dumps({{"dependencies": [
    {{"name": n, "version": v, "vulns": vulns(n, v)}} for n, v in pins]}}))
"""


def test_two_versions_of_one_package_are_audited_in_separate_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two projects in one tree pin jinja2 differently: one requirements file would be
    # "duplicate requirements" to pip-audit, and the answers must not be mixed up.
    fake = tmp_path / "pip-audit"
    fake.write_text(ECHO_PIP_AUDIT.format(python=sys.executable), "utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("ECHO_LOG", str(tmp_path / "calls.log"))
    old, new, other = (
        PackageQuery.of("Jinja2", "2.10"),
        PackageQuery.of("jinja2", "2.11.3"),
        PackageQuery.of("requests", "2.19.0"),
    )
    result = PipAuditSource(str(fake), timeout=30).query([old, new, other])
    assert [a.id for a in result.found[old]] == ["PYSEC-jinja2-2.10"]
    assert [a.id for a in result.found[new]] == ["PYSEC-jinja2-2.11.3"]
    assert [a.id for a in result.found[other]] == ["PYSEC-requests-2.19.0"]
    runs = (tmp_path / "calls.log").read_text().splitlines()
    assert len(runs) == 2
