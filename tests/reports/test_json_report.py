"""The JSON report's ``verdict`` key (schema 1.1), its deprecated ``status`` alias, and
readers (``load_report``, ``secgate evaluate``, ``secgate merge``) of schema 1.0 and 1.1.

One real sharded scan of examples/insecure-app (two half runs) serves the module; the 1.0
report under tests/fixtures/reports/ was written by secgate before the ``verdict`` key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from secgate.errors import ReportError
from secgate.models import SCHEMA_VERSION, Verdict, VerdictStatus
from secgate.reports.json_report import SCHEMA_PATH, JsonReporter, load_report
from tests.conftest import REPO, TESTS, run_cli

APP = REPO / "examples" / "insecure-app"
OLD_REPORT = TESTS / "fixtures" / "reports" / "report-schema-1.0.json"


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("shards")
    paths = []
    for k in (1, 2):
        path = out / f"shard-{k}.json"
        result = run_cli(
            "check", str(APP), "--no-cache", "--shard", f"{k}/2", "--format", "json",
            "--output", str(path),
        )  # fmt: skip
        assert result.code in (0, 1), result.err
        paths.append(path)
    return paths[0], paths[1]


def _read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _as_schema_1_0(report: dict[str, Any]) -> dict[str, Any]:
    """*report* as secgate 1.0 wrote it: no ``verdict`` key, ``status`` only."""
    old = {k: v for k, v in report.items() if k != "verdict"}
    old["schema_version"] = "1.0"
    return old


def test_report_says_verdict_with_status_as_its_deprecated_alias(shards: tuple[Path, Path]) -> None:
    for path in shards:
        report = _read(path)
        assert report["schema_version"] == SCHEMA_VERSION == "1.1"
        assert report["verdict"] in ("pass", "fail")
        assert report["status"] == report["verdict"]
        assert list(report)[:4] == ["schema_version", "tool", "tool_version", "verdict"]
        jsonschema.Draft202012Validator(_read(SCHEMA_PATH)).validate(report)


def test_schema_requires_verdict_and_marks_status_deprecated(shards: tuple[Path, Path]) -> None:
    schema = _read(SCHEMA_PATH)
    assert "verdict" in schema["required"]
    assert schema["properties"]["status"]["deprecated"] is True
    report = _read(shards[0])
    del report["verdict"]
    with pytest.raises(jsonschema.ValidationError, match="'verdict' is a required property"):
        jsonschema.Draft202012Validator(schema).validate(report)


def test_python_api_names_it_verdict_too(shards: tuple[Path, Path]) -> None:
    verdict = load_report(shards[0])
    assert verdict.verdict is verdict.status
    assert verdict.verdict.value == _read(shards[0])["verdict"]


def test_old_report_loads_and_is_rewritten_in_the_new_schema() -> None:
    old = _read(OLD_REPORT)
    assert old["schema_version"] == "1.0" and "verdict" not in old
    verdict = load_report(OLD_REPORT)
    assert verdict.verdict is VerdictStatus.FAIL
    assert len(verdict.findings) == len(old["findings"]) > 0
    rewritten = json.loads(JsonReporter().render(verdict))
    assert (rewritten["schema_version"], rewritten["verdict"]) == (SCHEMA_VERSION, "fail")
    jsonschema.Draft202012Validator(_read(SCHEMA_PATH)).validate(rewritten)


def test_evaluate_reads_a_schema_1_0_report(tmp_path: Path) -> None:
    out = tmp_path / "again.json"
    result = run_cli("evaluate", str(OLD_REPORT), "--format", "json", "--output", str(out))
    assert result.code == 1, result.err
    again = _read(out)
    assert (again["verdict"], again["status"], again["schema_version"]) == ("fail", "fail", "1.1")
    assert len(again["findings"]) == len(_read(OLD_REPORT)["findings"])
    # Re-judged with a looser threshold: the old report's findings are judged afresh.
    loose = run_cli("evaluate", str(OLD_REPORT), "--fail-on", "critical", "--format", "json")
    assert (loose.code, json.loads(loose.out)["verdict"]) == (0, "pass")


def test_evaluate_reads_its_own_schema_1_1_report(shards: tuple[Path, Path]) -> None:
    result = run_cli("evaluate", str(shards[1]), "--format", "json")
    assert result.code in (0, 1), result.err
    assert json.loads(result.out)["verdict"] == _read(shards[1])["verdict"]


def test_merge_of_old_and_new_shard_reports_equals_merge_of_new_ones(
    shards: tuple[Path, Path], tmp_path: Path
) -> None:
    new = run_cli("merge", str(shards[0]), str(shards[1]), "--format", "json")
    old_first = tmp_path / "shard-1-old.json"
    old_first.write_text(json.dumps(_as_schema_1_0(_read(shards[0]))), encoding="utf-8")
    mixed = run_cli("merge", str(old_first), str(shards[1]), "--format", "json")
    assert mixed.code == new.code in (0, 1), mixed.err

    def comparable(text: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(text)
        return {k: v for k, v in data.items() if k not in ("started_at", "finished_at")}

    assert comparable(mixed.out) == comparable(new.out)
    assert comparable(new.out)["verdict"] == "fail"


def test_verdict_and_status_that_disagree_are_refused(
    shards: tuple[Path, Path], tmp_path: Path
) -> None:
    report = _read(shards[0])
    report["status"] = "pass" if report["verdict"] != "pass" else "fail"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(report), encoding="utf-8")
    with pytest.raises(ReportError, match="disagree"):
        load_report(forged)


def test_a_report_with_verdict_only_loads(shards: tuple[Path, Path], tmp_path: Path) -> None:
    # What 2.0 will write once the alias is gone, read by a 1.x reader of this release.
    report = _read(shards[0])
    del report["status"]
    path = tmp_path / "verdict-only.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    assert load_report(path).verdict.value == _read(shards[0])["verdict"]


def test_another_major_is_refused_not_misread(shards: tuple[Path, Path], tmp_path: Path) -> None:
    report = _read(shards[0])
    report["schema_version"] = "2.0"
    path = tmp_path / "future.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    with pytest.raises(ReportError, match=r"schema_version '2.0' is not supported"):
        load_report(path)


def test_round_trip_through_model_dump_keeps_the_verdict(shards: tuple[Path, Path]) -> None:
    verdict = load_report(shards[0])
    dumped = verdict.model_dump(mode="json")
    assert dumped["verdict"] == dumped["status"]
    assert Verdict.model_validate(dumped) == verdict
