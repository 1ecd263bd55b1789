"""The audited dependency inventory (issue 18 §3): every dependency the audit saw, carried
to the verdict, through a warm cache run and ``secgate merge`` of shards."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.deps.helpers import isolate_cache, osv_record, write_records


@pytest.fixture
def audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A project with three requirements (one vulnerable, one unpinned) and an OSV db."""
    isolate_cache(tmp_path, monkeypatch)
    root = tmp_path / "project"
    root.mkdir()
    (root / "requirements.txt").write_text(
        "requests==2.0.0\nflask>=2\nsix==1.16.0\n", encoding="utf-8"
    )
    record = osv_record(
        "PYSEC-2024-1",
        "requests",
        events=[{"introduced": "0"}, {"fixed": "2.1.0"}],
        aliases=["CVE-2024-1"],
        summary="a test advisory",
        severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    )
    return root, write_records(tmp_path / "db", record)


def _inventory(report: str) -> list[dict[str, object]]:
    scanners = {s["name"]: s for s in json.loads(report)["scanners"]}
    return list(scanners["pip-audit"]["inventory"])


EXPECTED = [
    ("flask", None, "pkg:pypi/flask", "requirements.txt", 2),
    ("requests", "2.0.0", "pkg:pypi/requests@2.0.0", "requirements.txt", 1),
    ("six", "1.16.0", "pkg:pypi/six@1.16.0", "requirements.txt", 3),
]


def _rows(inventory: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(d["name"], d["version"], d["purl"], d["path"], d["line"]) for d in inventory]


def test_inventory_survives_a_warm_cache_run(audited: tuple[Path, Path]) -> None:
    root, db = audited
    args = ["check", str(root), "--scanner", "pip-audit", "--vuln-db", str(db), "--format", "json"]
    cold, warm = run_cli(*args), run_cli(*args)
    assert cold.code == warm.code == 1, cold.err
    assert _rows(_inventory(cold.out)) == _rows(_inventory(warm.out)) == EXPECTED


def test_inventory_survives_merge_of_shards(audited: tuple[Path, Path], tmp_path: Path) -> None:
    root, db = audited
    common = ["--scanner", "pip-audit", "--vuln-db", str(db), "--format", "json"]
    shards = []
    for k in (1, 2):
        out = tmp_path / f"shard-{k}.json"
        result = run_cli("check", str(root), *common, "--shard", f"{k}/2", "--output", str(out))
        # Not per-file: shard 1 audits; shard 2 skips a scanner named on the command line.
        assert result.code == (1 if k == 1 else 2) and out.exists(), result.err
        shards.append(str(out))
    merged = run_cli("merge", *shards, "--format", "json")
    assert merged.code == 1, merged.err
    assert _rows(_inventory(merged.out)) == EXPECTED


def _bom(root: Path, db: Path, *extra: str) -> str:
    result = run_cli("check", str(root), "--scanner", "pip-audit", "--vuln-db", str(db), *extra)
    assert result.code == 1, result.err
    return result.out


def _validate(text: str) -> None:
    from cyclonedx.schema import SchemaVersion  # noqa: PLC0415
    from cyclonedx.validation.json import JsonStrictValidator  # noqa: PLC0415

    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None


def test_bom_validates_and_round_trips(audited: tuple[Path, Path]) -> None:
    from cyclonedx.model.bom import Bom  # noqa: PLC0415
    from cyclonedx.output.json import JsonV1Dot6  # noqa: PLC0415

    root, db = audited
    text = _bom(root, db, "--format", "cyclonedx")
    _validate(text)
    data = json.loads(text)
    again = json.loads(JsonV1Dot6(Bom.from_json(data)).output_as_string())  # type: ignore[attr-defined]
    for key in ("components", "vulnerabilities", "specVersion", "serialNumber"):
        assert again[key] == data[key]
    assert [(c["name"], c["purl"], c["evidence"]) for c in data["components"]] == [
        (n, p, {"occurrences": [{"location": f, "line": line}]}) for n, _, p, f, line in EXPECTED
    ]
    (vuln,) = data["vulnerabilities"]
    assert vuln["id"] == "PYSEC-2024-1"
    assert vuln["affects"] == [{"ref": "pkg:pypi/requests@2.0.0"}]
    # The OSV record's vector, carried through the audit (the library drops "CVSS:3.1/").
    assert vuln["ratings"] == [
        {
            "method": "CVSSv31",
            "score": 9.8,
            "severity": "critical",
            "vector": "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        }
    ]
    assert vuln["recommendation"].startswith("Upgrade requests to 2.1.0")
    assert [r["id"] for r in vuln["references"]] == ["CVE-2024-1"]
    assert "analysis" not in vuln


def test_report_file_alongside_another_format(audited: tuple[Path, Path], tmp_path: Path) -> None:
    root, db = audited
    out = tmp_path / "gl-sbom.cdx.json"
    text = _bom(root, db, "--format", "json", "--report", f"cyclonedx={out}")
    assert json.loads(text)["verdict"] == "fail"
    _validate(out.read_text(encoding="utf-8"))


def test_vex_and_waiver_analysis(audited: tuple[Path, Path]) -> None:
    from secgate.models import Verdict, WaiverStatus  # noqa: PLC0415
    from secgate.reports.cyclonedx import render_bom  # noqa: PLC0415

    root, db = audited
    verdict = Verdict.model_validate_json(_bom(root, db, "--format", "json"))
    (finding,) = [f for f in verdict.findings if f.rule_id == "PYSEC-2024-1"]
    vex = finding.model_copy(
        update={
            "suppressed_by": "vex:doc-1#0",
            "properties": {
                **finding.properties,
                "vex.status": "not_affected",
                "vex.justification": "vulnerable_code_not_in_execute_path",
                "vex.impact_statement": "never called",
            },
        }
    )
    waived = finding.model_copy(
        update={
            "suppressed_by": "waiver:W-1",
            "package": finding.package.model_copy(  # type: ignore[union-attr]
                update={"version": "2.0.0"}
            ),
        }
    )
    waiver = WaiverStatus(
        id="W-1",
        state="active",
        expires=date(2099, 1, 1),
        days_left=9,
        matched=1,
        unused=False,
        reason="no fix yet",
        owner="team-a",
    )
    for item, expected in (
        (
            vex,
            {
                "state": "not_affected",
                "justification": "code_not_reachable",
                "detail": "never called (vex:doc-1#0)",
            },
        ),
        (
            waived,
            {
                "state": "exploitable",
                "response": ["will_not_fix"],
                "detail": "accepted risk: waiver W-1; reason: no fix yet; owner: team-a; "
                "expires: 2099-01-01",
            },
        ),
    ):
        text = render_bom(verdict.model_copy(update={"findings": (item,), "waivers": (waiver,)}))
        _validate(text)
        assert json.loads(text)["vulnerabilities"][0]["analysis"] == expected


def test_one_package_at_two_versions_gets_one_component_per_file(
    audited: tuple[Path, Path],
) -> None:
    root, db = audited
    (root / "dev").mkdir()
    (root / "dev" / "requirements.txt").write_text("six==1.15.0\n", encoding="utf-8")
    text = _bom(root, db, "--format", "cyclonedx")
    _validate(text)
    refs = {c["bom-ref"] for c in json.loads(text)["components"] if c["name"] == "six"}
    assert refs == {
        "pkg:pypi/six@1.16.0#requirements.txt",
        "pkg:pypi/six@1.15.0#dev/requirements.txt",
    }


def test_rating_from_the_vector_alone(audited: tuple[Path, Path]) -> None:
    """A vector without a carried score is scored with ``cvss`` (installed here)."""
    from secgate.models import Verdict  # noqa: PLC0415
    from secgate.reports.cyclonedx import render_bom  # noqa: PLC0415

    root, db = audited
    verdict = Verdict.model_validate_json(_bom(root, db, "--format", "json"))
    (finding,) = [f for f in verdict.findings if f.rule_id == "PYSEC-2024-1"]
    assert finding.properties["cvss.vector"] == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    props = {k: v for k, v in finding.properties.items() if k != "cvss_score"}
    for vector, method, score in (
        (str(finding.properties["cvss.vector"]), "CVSSv31", 9.8),
        (v4, "CVSSv4", 9.3),
    ):
        item = finding.model_copy(update={"properties": {**props, "cvss.vector": vector}})
        text = render_bom(verdict.model_copy(update={"findings": (item,)}))
        _validate(text)
        (rating,) = json.loads(text)["vulnerabilities"][0]["ratings"]
        assert (rating["method"], rating["score"]) == (method, score)
