"""Baselines: old findings stop blocking, new ones block, fingerprints survive line shifts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secgate.baseline import load
from secgate.errors import ConfigError
from tests.conftest import run_cli, write

OLD = "danger()  # FAKE-ISSUE(high)\nrisky()  # FAKE-ISSUE(critical)\n"


def _check(project: Path, *extra: str) -> tuple[int, dict[str, object]]:
    result = run_cli("check", str(project), "--scanner", "fake-marker", "--format", "json", *extra)
    return result.code, json.loads(result.out) if result.out.startswith("{") else {}


def test_baseline_round_trip(fake_plugin: Path, project: Path) -> None:
    write(project, {"app.py": OLD})
    base = project / "baseline.json"
    made = run_cli("baseline", str(project), "--scanner", "fake-marker", "-o", str(base))
    assert made.code == 0 and "recorded 2 findings" in made.out
    assert _check(project)[0] == 1  # without the baseline the old findings block
    code, report = _check(project, "--baseline", str(base))
    assert code == 0
    assert [f["suppressed_by"] for f in report["findings"]] == ["baseline", "baseline"]

    # A new finding, and lines inserted above the old ones: only the new one blocks.
    write(project, {"app.py": "import os\n\n\n" + OLD + "fresh()  # FAKE-ISSUE(high)\n"})
    code, report = _check(project, "--baseline", str(base))
    assert code == 1
    blocking = [(f["line"], f["blocking"]) for f in report["findings"]]
    assert blocking == [(4, False), (5, False), (6, True)]
    assert report["baseline"]["matched"] == 2 and report["baseline"]["fixed"] == []


def test_baseline_is_count_aware(fake_plugin: Path, project: Path) -> None:
    write(project, {"app.py": OLD})
    base = project / "b.json"
    run_cli("baseline", str(project), "--scanner", "fake-marker", "-o", str(base))
    # A second copy of an already-recorded line is a new finding.
    write(project, {"app.py": OLD + "danger()  # FAKE-ISSUE(high)\n"})
    code, report = _check(project, "--baseline", str(base))
    assert code == 1
    assert [f["suppressed_by"] for f in report["findings"]] == ["baseline", "baseline", None]


def test_fixed_entries_are_reported_and_pruned(fake_plugin: Path, project: Path) -> None:
    write(project, {"app.py": OLD, "other.py": "x()  # FAKE-ISSUE(high)\n"})
    base = project / "b.json"
    run_cli("baseline", str(project), "--scanner", "fake-marker", "-o", str(base))
    write(project, {"app.py": "danger()  # FAKE-ISSUE(high)\n"})  # two findings fixed
    (project / "other.py").unlink()
    code, report = _check(project, "--baseline", str(base))
    assert code == 0
    assert sorted(e["path"] for e in report["baseline"]["fixed"]) == ["app.py", "other.py"]
    assert any("2 recorded findings no longer occur" in w for w in report["warnings"])

    # Prune only shrinks: a new finding is not added.
    write(project, {"new.py": "y()  # FAKE-ISSUE(high)\n"})
    pruned = run_cli(
        "baseline", str(project), "--scanner", "fake-marker", "-o", str(base), "--prune"
    )
    assert pruned.code == 0 and "pruned 2 fixed entries, 1 remain" in pruned.out
    assert [(e.path, e.rule_id) for e in load(base)] == [("app.py", "FAKE001")]
    assert _check(project, "--baseline", str(base))[0] == 1  # new.py still blocks


def test_baseline_file_is_stable_and_reviewable(fake_plugin: Path, project: Path) -> None:
    write(project, {"b.py": OLD, "a.py": OLD + OLD})
    base = project / "b.json"
    run_cli("baseline", str(project), "--scanner", "fake-marker", "-o", str(base))
    first = base.read_text()
    run_cli("baseline", str(project), "--scanner", "fake-marker", "-o", str(base))
    assert base.read_text() == first  # regenerating an unchanged tree changes nothing
    data = json.loads(first)
    assert data["secgate_baseline"] == 1
    keys = [(e["path"], e["rule_id"], e["fingerprint"]) for e in data["entries"]]
    assert keys == sorted(keys)
    assert [e["count"] for e in data["entries"] if e["path"] == "a.py"] == [2, 2]
    assert "line" not in data["entries"][0]  # line numbers shift; they are not recorded


def test_config_baseline_key_is_used_and_can_be_ignored(fake_plugin: Path, project: Path) -> None:
    write(project, {"secgate.toml": 'baseline = "debt.json"\n', "app.py": OLD})
    made = run_cli("baseline", str(project), "--scanner", "fake-marker")
    assert made.code == 0 and str(project / "debt.json") in made.out
    assert _check(project)[0] == 0
    assert _check(project, "--no-baseline")[0] == 1


def test_baseline_is_not_written_when_a_scanner_failed(fake_plugin: Path, project: Path) -> None:
    write(project, {"app.py": OLD})
    result = run_cli(
        "baseline",
        str(project),
        "--scanner",
        "fake-marker",
        "--scanner",
        "fake-crash",
        "-o",
        str(project / "b.json"),
    )
    assert result.code == 2 and "fake-crash failed" in result.err
    assert not (project / "b.json").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ('{"entries": []}', "not a secgate baseline"),
        ('{"secgate_baseline": 9, "entries": []}', "format 9 is not supported"),
        (
            '{"secgate_baseline": 1, "entries": [{"path": "a"}]}',
            r"invalid baseline at entries\[0\]\.scanner",
        ),
    ],
)
def test_malformed_baseline_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load(path)


def test_missing_baseline_file_exits_2(fake_plugin: Path, project: Path) -> None:
    result = run_cli(
        "check", str(project), "--scanner", "fake-marker", "--baseline", str(project / "nope.json")
    )
    assert result.code == 2 and "baseline file not found" in result.err
