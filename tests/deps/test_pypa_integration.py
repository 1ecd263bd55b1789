"""The whole audit against the real PyPA advisory database (``../shared``, when present).

The expected advisory ids are computed here, independently of secgate's matcher: a plain
walk over the YAML records with the OSV evaluation rules written out again.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from packaging.utils import canonicalize_name
from packaging.version import Version

import secgate

_REPO = Path(__file__).resolve().parents[2]
PYPA = Path(os.environ.get("SECGATE_SHARED_DIR", _REPO / ".." / "shared")) / "advisory-db" / "pypa"

PINNED = {
    "jinja2": "2.10",
    "requests": "2.19.0",
    "urllib3": "1.24.1",
    "PyYAML": "5.3",
    "Django": "2.2",
    "flask": "0.12",
    "werkzeug": "0.14",
    "pillow": "6.2.0",
    "lxml": "4.6.2",
    "cryptography": "3.2",
    "setuptools": "65.5.0",  # one advisory, fixed in 65.5.1
    "six": "1.16.0",  # no advisory at all
}

pytestmark = pytest.mark.skipif(
    not (PYPA / "vulns").is_dir(), reason=f"PyPA advisory snapshot not found at {PYPA}"
)


_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def _in_range(version: Version, events: list[dict[str, str]]) -> bool:
    order = {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}
    flat = [(kind, value) for event in events for kind, value in event.items()]
    limits = [Version(v) for k, v in flat if k == "limit" and v != "*"]
    if limits and not any(version < limit for limit in limits):
        return False

    def key(item: tuple[str, str]) -> tuple[Version, int]:
        kind, value = item
        return (Version("0") if value == "0" else Version(value), order[kind])

    affected = False
    for kind, value in sorted(flat, key=key):
        if kind == "introduced" and (value == "0" or version >= Version(value)):
            affected = True
        elif (kind == "fixed" and version >= Version(value)) or (
            kind == "last_affected" and version > Version(value)
        ):
            affected = False
    return affected


def _expected_ids() -> dict[str, set[str]]:
    """Per normalised package: the ids of the records affecting its pinned version."""
    wanted = {canonicalize_name(n): Version(v) for n, v in PINNED.items()}
    expected: dict[str, set[str]] = {name: set() for name in wanted}
    for path in sorted((PYPA / "vulns").rglob("*.yaml")):
        # BaseLoader: every scalar a string, so "2.10" stays "2.10". No tags are resolved.
        record = yaml.load(path.read_text("utf-8"), Loader=_LOADER)  # noqa: S506
        if record.get("withdrawn"):
            continue
        for affected in record.get("affected", []):
            package = affected.get("package", {})
            name = canonicalize_name(package.get("name", ""))
            if package.get("ecosystem") != "PyPI" or name not in wanted:
                continue
            version = wanted[name]
            listed = any(Version(v) == version for v in affected.get("versions", []))
            ranged = any(
                _in_range(version, r["events"])
                for r in affected.get("ranges", [])
                if r.get("type") == "ECOSYSTEM"
            )
            if listed or ranged:
                expected[name].add(record["id"])
    return expected


@pytest.mark.slow
def test_reported_advisories_equal_those_computed_from_the_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = tmp_path / "project"
    project.mkdir()
    lines = [f"{name}=={version}" for name, version in PINNED.items()]
    (project / "requirements.txt").write_text("\n".join(lines) + "\n", "utf-8")

    verdict = secgate.check(
        project,
        scanners=["pip-audit"],
        overrides={"scanners": {"pip-audit": {"vuln-db": str(PYPA / "vulns")}}},
    )

    result = verdict.scanner("pip-audit")
    assert result.status == secgate.ScanStatus.OK, result.error
    expected = _expected_ids()
    line_of = {canonicalize_name(name): number for number, name in enumerate(PINNED, 1)}
    reported: dict[str, set[str]] = {canonicalize_name(n): set() for n in PINNED}
    for finding in verdict.findings:
        assert finding.package is not None and finding.package.advisory_id is not None
        key = canonicalize_name(finding.package.name)
        reported[key].add(finding.package.advisory_id)
        # Each finding points at the line that pins its package.
        assert (finding.path, finding.line) == ("requirements.txt", line_of[key])
    assert reported == expected
    assert sum(map(len, expected.values())) >= 40  # a meaningful sample, not a lucky empty
    assert expected["six"] == set()
    assert expected["setuptools"] == {"PYSEC-2022-43012"}
    # Records that carry a CVSS vector get their level from it; the others the default.
    severities = {f.package.advisory_id: f for f in verdict.findings if f.package}
    crlf = severities["PYSEC-2023-207"]  # CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N
    assert (crlf.severity, crlf.properties["cvss_score"]) == (secgate.Severity.MEDIUM, 6.1)
    assert crlf.properties["severity_source"] == "CVSS_V3"
    setuptools = severities["PYSEC-2022-43012"]  # no vector in the record
    assert setuptools.severity == secgate.Severity.HIGH
    assert setuptools.properties["severity_source"] == "unknown-severity"
    assert setuptools.help_text is not None and "setuptools to 65.5.1" in setuptools.help_text
    details = result.details
    assert details["db_records"] == 2651 and details["db_withdrawn"] == 10
    assert str(details["db_export_date"]).startswith("2024-10-10")
