"""celery 5.2.7's own manifests: one line no pip parses is a gap, not an error (issue 13).

Its ``requirements/dev.txt`` starts with ``pytz>dev``, which no current packaging release
parses. The line is listed with its file and line; every other manifest is still audited;
the gate is not ERROR unless the owner's policy says ``fail-on-gaps = ["unparsable"]``.
The sdist is downloaded in the setup (never committed); without a package index the test
skips.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from secgate.deps.manifests import manifest_format
from tests.conftest import run_cli
from tests.deps.helpers import isolate_cache, osv_record, write_records

CELERY = "celery==5.2.7"


@pytest.fixture(scope="module")
def celery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The unpacked celery 5.2.7 sdist."""
    folder = tmp_path_factory.mktemp("celery-sdist")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
         "--disable-pip-version-check", CELERY, "-d", str(folder)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    archives = sorted(folder.glob("celery-5.2.7.tar.gz"))
    if done.returncode != 0 or not archives:
        pytest.skip(f"cannot download the {CELERY} sdist: {done.stderr.strip()[-200:]}")
    with tarfile.open(archives[0]) as archive:
        archive.extractall(folder, filter="data")
    return folder / "celery-5.2.7"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small OSV database with advisories for two of celery's pinned extras."""
    isolate_cache(tmp_path, monkeypatch)
    return write_records(
        tmp_path / "db",
        osv_record("PYSEC-0000-1", "azure-storage-blob", versions=["12.9.0"]),
        osv_record("PYSEC-0000-2", "pycurl", versions=["7.43.0.5"]),
    )


def _report(root: Path, db: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run_cli(
        "check", str(root), "--scanner", "pip-audit", "--no-cache", "--vuln-db", str(db),
        "--format", "json", *extra,
    )  # fmt: skip
    assert "Traceback" not in result.err
    assert result.out, result.err
    return result.code, json.loads(result.out)


def _manifests(root: Path) -> set[str]:
    files = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    found = {rel for rel in files if manifest_format(rel, ()) is not None}
    # Independently of secgate's own recognition: every requirements file is among them.
    assert {rel for rel in files if rel.startswith("requirements/") and rel.endswith(".txt")} <= (
        found
    )
    return found


def test_pytz_dev_is_a_listed_gap_and_every_other_manifest_is_audited(
    celery: Path, db: Path
) -> None:
    code, report = _report(celery, db)
    assert report["status"] != "error", report["reasons"]
    assert code in {0, 1}
    (result,) = [s for s in report["scanners"] if s["name"] == "pip-audit"]
    assert result["status"] == "ok"
    gaps = result["coverage"]["skipped"]
    (pytz,) = [g for g in gaps if "pytz>dev" in g["reason"]]
    assert (pytz["path"], pytz["line"], pytz["kind"]) == (
        "requirements/dev.txt",
        1,
        "invalid-requirement",
    )
    # No manifest as a whole was left out: every gap is about one line.
    assert {g["kind"] for g in gaps} <= {"invalid-requirement", "vcs"}
    manifests = _manifests(celery)
    assert len(manifests) > 30
    assert result["coverage"]["files_scanned"] == len(manifests)
    # Findings from other manifests: the two advisories and unpinned lines elsewhere.
    found = {(f["rule_id"], f["path"]) for f in report["findings"]}
    assert ("PYSEC-0000-1", "requirements/extras/azureblockblob.txt") in found
    assert ("PYSEC-0000-2", "requirements/test-ci-default.txt") in found
    assert ("unpinned", "requirements/default.txt") in found
    # The verdict says what was not audited, with file and line.
    assert any(
        "manifest lines not audited" in r and "requirements/dev.txt:1" in r
        for r in report["reasons"]
    )


def test_fail_on_gaps_unparsable_makes_it_an_error(celery: Path, db: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('fail-on-gaps = ["unparsable"]\n', "utf-8")
    code, report = _report(celery, db, "--policy", str(policy))
    assert code == 2
    assert report["status"] == "error"
    assert report["decided_by"] == "fail-on-gaps"
    assert "fail-on-gaps" in report["reasons"][0]
    assert "requirements/dev.txt:1" in report["reasons"][0]
    (result,) = [s for s in report["scanners"] if s["name"] == "pip-audit"]
    assert result["status"] == "ok"  # the scanner did its job; the policy refused the gap
