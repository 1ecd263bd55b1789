"""The audited dependency inventory (issue 18 §3): every dependency the audit saw, carried
to the verdict, through a warm cache run and ``secgate merge`` of shards."""

from __future__ import annotations

import json
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
