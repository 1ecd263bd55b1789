"""Sharding: N shard runs merged give the verdict of one run."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from secgate.files import parse_shard, shard_of
from tests.conftest import run_cli, write

SEVERITIES = ["critical", "high", "medium", "low", "info"]


@pytest.fixture
def tree(fake_plugin: Path, project: Path) -> Path:
    files = {
        f"src/mod{i}.py": "".join(
            f"call{j}()  # FAKE-ISSUE({SEVERITIES[(i + j) % 5]})\n" for j in range(i % 4)
        )
        for i in range(40)
    }
    files["tests/test_a.py"] = "x()  # FAKE-ISSUE(high)\n"
    soon = (datetime.now(UTC).date() + timedelta(days=60)).isoformat()
    write(
        project,
        {
            **files,
            "secgate.toml": f"""
fail-on = "medium"
[[waivers]]
id = "W1"
path = "src/mod7.py"
reason = "reviewed"
expires = {soon}
[[waivers]]
id = "W-unused"
path = "nowhere/"
reason = "stale"
expires = {soon}
""",
        },
    )
    return project


def _normal(report: dict[str, object]) -> dict[str, object]:
    findings = sorted(
        (f["path"], f["line"], f["fingerprint"], f["blocking"], f["suppressed_by"], f["decided_by"])
        for f in report["findings"]
    )
    scanners = {
        s["name"]: (s["status"], s["findings"], s["coverage"]["files_scanned"])
        for s in report["scanners"]
    }
    return {
        "status": report["status"],
        "reasons": report["reasons"],
        "findings": findings,
        "waivers": [(w["id"], w["matched"], w["unused"]) for w in report["waivers"]],
        "baseline": report["baseline"]
        and {k: report["baseline"][k] for k in ("entries", "matched")},
        "fixed": report["baseline"]
        and sorted(e["fingerprint"] for e in report["baseline"]["fixed"]),
        "scanners": scanners,
        "summary": report["summary"],
    }


def test_shard_and_merge_equal_one_run(tree: Path, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    assert run_cli("baseline", str(tree), "--scanner", "fake-marker", "-o", str(base)).code == 0
    # After the baseline: one old finding fixed, two new ones added.
    write(
        tree,
        {
            "src/mod1.py": "",
            "src/mod50.py": "n()  # FAKE-ISSUE(high)\n",
            "src/mod51.py": "n()  # FAKE-ISSUE(critical)\n",
        },
    )
    scanners = ["--scanner", "fake-marker", "--scanner", "fake-sleep-a"]
    common = [*scanners, "--baseline", str(base), "--no-cache", "--format", "json"]
    whole = run_cli("check", str(tree), *common)
    shards = []
    for k in (1, 2, 3):
        out = tmp_path / f"shard-{k}.json"
        result = run_cli("check", str(tree), *common, "--shard", f"{k}/3", "--output", str(out))
        assert result.code in (0, 1), result.err
        shards.append(str(out))
        data = json.loads(out.read_text())
        assert data["shard"] == f"{k}/3"
        sleeper = {s["name"]: s for s in data["scanners"]}["fake-sleep-a"]
        assert (sleeper["status"] == "ok") == (k == 1)  # not per-file: shard 1 only
    merged = run_cli("merge", *shards, "--format", "json")
    assert merged.code == whole.code == 1
    assert _normal(json.loads(merged.out)) == _normal(json.loads(whole.out))


def test_merge_refuses_a_missing_or_duplicated_shard(tree: Path, tmp_path: Path) -> None:
    paths = []
    for k in (1, 2):
        out = tmp_path / f"s{k}.json"
        run_cli(
            "check",
            str(tree),
            "--scanner",
            "fake-marker",
            "--shard",
            f"{k}/3",
            "--format",
            "json",
            "--output",
            str(out),
        )
        paths.append(str(out))
    result = run_cli("merge", *paths)
    assert result.code == 2 and "missing shard report(s) 3/3" in result.err
    result = run_cli("merge", paths[0], paths[0], paths[1])
    assert result.code == 2 and "given twice" in result.err


def test_shards_partition_the_files() -> None:
    paths = [f"pkg/file{i}.py" for i in range(500)]
    owners = [shard_of(p, 4) for p in paths]
    assert set(owners) == {1, 2, 3, 4}
    assert all(60 < owners.count(k) < 190 for k in (1, 2, 3, 4))
    assert [shard_of(p, 4) for p in paths] == owners  # deterministic


@pytest.mark.parametrize("bad", ["0/3", "4/3", "a/b", "3", "1/0"])
def test_bad_shard_values(bad: str) -> None:
    with pytest.raises(ValueError, match="K"):
        parse_shard(bad)


def test_merged_shards_give_one_sarif_run_per_scanner(
    fake_plugin: Path, project: Path, tmp_path: Path
) -> None:
    # Real bandit and secrets (per-file scanners, both shards run them) and the fake marker
    # scanner; a file over max-file-mb is a collector gap in whichever shard owns it.
    key = "AKIA" + "Q3XV7TZ2MKW5RJ4N"
    files = {
        f"pkg/m{i}.py": "import subprocess\nsubprocess.call(c, shell=True)  # FAKE-ISSUE(high)\n"
        for i in range(12)
    }
    files["pkg/keys.py"] = f'aws = "{key}"\n'
    files["pkg/big.py"] = "x = 1\n" * 200_000
    files["secgate.toml"] = "max-file-mb = 1\n"
    write(project, files)
    scanners = ["--scanner", "bandit", "--scanner", "secrets", "--scanner", "fake-marker"]
    whole = run_cli("check", str(project), *scanners, "--no-cache", "--format", "sarif")
    assert whole.code == 1, whole.err
    shards = []
    for k in (1, 2):
        out = tmp_path / f"shard-{k}.json"
        result = run_cli("check", str(project), *scanners, "--no-cache", "--shard", f"{k}/2",
                         "--format", "json", "--output", str(out))  # fmt: skip
        assert result.code in (0, 1), result.err
        assert json.loads(out.read_text())["findings"]  # each shard found something
        shards.append(str(out))
    merged = run_cli("merge", *shards, "--format", "sarif")
    assert merged.code == 1, merged.err
    one, joined = json.loads(whole.out), json.loads(merged.out)
    names = [run["tool"]["driver"]["name"] for run in joined["runs"]]
    assert sorted(names) == ["secgate/bandit", "secgate/fake-marker", "secgate/secrets"]
    categories = [run["automationDetails"]["id"] for run in joined["runs"]]
    assert len(set(categories)) == len(categories)  # GitHub rejects two runs in one category

    def counts(log: dict[str, object]) -> dict[str, tuple[int, int]]:
        return {
            run["tool"]["driver"]["name"]: (
                len(run["results"]),
                len(run["tool"]["driver"]["rules"]),
            )
            for run in log["runs"]  # type: ignore[attr-defined]
        }

    assert counts(joined) == counts(one)
    assert counts(one)["secgate/bandit"][0] >= 12
    for log in (one, joined):
        for run in log["runs"]:
            gaps = [
                n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for n in run["invocations"][0]["toolExecutionNotifications"]
            ]
            assert gaps.count("pkg/big.py") == 1  # the collector's gap, once per run
    rules = [
        {r["tool"]["driver"]["name"]: r["tool"]["driver"]["rules"] for r in log["runs"]}
        for log in (one, joined)
    ]
    assert rules[0] == rules[1]


def test_merge_keeps_every_gap_exclusion_and_policy_line(project: Path, tmp_path: Path) -> None:
    # Two manifest-line gaps in one file (pip-audit, shard 1), an excluded folder, and the
    # exclusion's share of the candidates, which a shard counts on its own files only.
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples" / "insecure-app" / "osv",
                    project / "osv")  # fmt: skip
    files = {f"src/m{i}.py": f"x = {i}\n" for i in range(6)}
    files["vendor/v.py"] = "y = 1\n"
    files["requirements.txt"] = "flask==0.12\n-e ./local\ngit+https://example.invalid/x.git#egg=x\n"
    files["secgate.toml"] = (
        'extend-exclude = ["vendor/", "osv/"]\n[scanners.pip-audit]\nvuln-db = "osv"\n'
    )
    write(project, files)
    scanners = ["--scanner", "pip-audit", "--scanner", "secrets", "--no-cache"]
    whole = run_cli("check", str(project), *scanners, "--format", "json")
    assert whole.code == 1, whole.err
    shards = []
    for k in (1, 2):
        out = tmp_path / f"s{k}.json"
        run_cli("check", str(project), *scanners, "--shard", f"{k}/2", "--format", "json",
                "--output", str(out))  # fmt: skip
        shards.append(str(out))
    merged = run_cli("merge", *shards, "--format", "json")
    one, joined = json.loads(whole.out), json.loads(merged.out)
    assert joined["policy_summary"] == one["policy_summary"]
    assert any(line.startswith("excluded by 'osv/'") for line in one["policy_summary"])
    assert (
        joined["collection"]["excluded"]
        == one["collection"]["excluded"]
        == {
            "osv/": 17,
            "vendor/": 1,
        }
    )

    def gaps(report: dict[str, Any]) -> list[tuple[str, int, str]]:
        [audit] = [s for s in report["scanners"] if s["name"] == "pip-audit"]
        return [(g["path"], g["line"], g["kind"]) for g in audit["coverage"]["skipped"]]

    assert (
        gaps(joined)
        == gaps(one)
        == [
            ("requirements.txt", 2, "editable"),
            ("requirements.txt", 3, "vcs"),
        ]
    )
    sarif = json.loads(run_cli("merge", *shards, "--format", "sarif").out)
    [run] = [r for r in sarif["runs"] if r["tool"]["driver"]["name"] == "secgate/pip-audit"]
    lines = sorted(
        n["locations"][0]["physicalLocation"]["region"]["startLine"]
        for n in run["invocations"][0]["toolExecutionNotifications"]
        if n["properties"]["skippedBy"] == "pip-audit"
    )
    assert lines == [2, 3]
