"""Rules given to semgrep only where they can match (``metadata.secgate-prefilter``).

The pack's taint rules declare the tokens their sources need; secgate restricts each to the
files holding one (secgate/scanners/semgrep/prefilter.py). Soundness is checked on real
code: plain semgrep, without secgate, runs the taint rules over the labelled detection suite
and the rules' own test files, and every file it finds a flow in must match the prefilter.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

import secgate
from secgate.config import Config
from secgate.errors import ScannerError
from secgate.plugins import bundled_rules
from secgate.scanners import semgrep as sg
from secgate.scanners.semgrep import prefilter
from secgate.scanners.semgrep.prefilter import PREFILTER_KEY, Pass, compile_prefilter, passes

PACK = bundled_rules("semgrep")
SUITE = Path(__file__).resolve().parents[2] / "benchmarks" / "detection" / "cases"
SEMGREP = sg.find_binary()
needs_semgrep = pytest.mark.skipif(SEMGREP is None, reason="semgrep is not installed")


def _taint_rules() -> list[tuple[Path, dict[str, object]]]:
    found = []
    for path in sorted(PACK.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in data.get("rules", ()) if isinstance(data, dict) else ():  # not test data
            if rule.get("mode") == "taint":
                found.append((path, rule))
    return found


def test_every_taint_rule_of_the_pack_declares_a_prefilter() -> None:
    rules = _taint_rules()
    assert len(rules) >= 14
    for path, rule in rules:
        assert compile_prefilter(rule, str(rule["id"]), path), rule["id"]


def test_a_bad_prefilter_names_the_rule_and_a_paths_filter_wins(tmp_path: Path) -> None:
    bad = {"id": "r1", "metadata": {PREFILTER_KEY: "(unclosed"}}
    with pytest.raises(ScannerError, match=r"rule r1: metadata.secgate-prefilter is not a valid"):
        compile_prefilter(bad, "r1", tmp_path / "r.yaml")
    with_paths = {"id": "r2", "paths": {"include": ["x/"]}, "metadata": {PREFILTER_KEY: "x"}}
    assert compile_prefilter(with_paths, "r2", tmp_path / "r.yaml") is None


def test_passes_group_rules_by_prefilter_and_keep_unreadable_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "views.py").write_text("def v(request):\n    return request.GET\n")
    (tmp_path / "models.py").write_text("class M:\n    pass\n")
    jobs = [(tmp_path, ["views.py", "models.py", "vanished.py"])]
    ids = {"a", "b", "c", "d"}
    prefilters = {"a": "request", "b": "request", "c": "nowhere"}
    # A small tree: an extra semgrep start would cost more than it saves, so one pass.
    assert passes(ids, prefilters, jobs) == [Pass(None, jobs)]
    monkeypatch.setattr(prefilter, "MIN_SKIPPED_BYTES", 1)
    assert passes(ids, prefilters, jobs) == [
        Pass(frozenset({"d"}), jobs),
        Pass(frozenset({"c"}), [(tmp_path, ["vanished.py"])]),
        Pass(frozenset({"a", "b"}), [(tmp_path, ["views.py", "vanished.py"])]),
    ]
    # a group that matches no file gets no pass (and is not in the first one either)
    assert passes({"c", "d"}, {"c": "nowhere"}, [(tmp_path, ["models.py"])]) == [
        Pass(frozenset({"d"}), [(tmp_path, ["models.py"])])
    ]


def _rule_file(tmp_path: Path, prefilter: str) -> Path:
    rules = tmp_path / "rules" / "custom.yaml"
    rules.parent.mkdir()
    rule = {
        "id": "custom-system",
        "languages": ["python"],
        "severity": "ERROR",
        "message": "os.system",
        "pattern": "os.system(...)",
        "metadata": {PREFILTER_KEY: prefilter, "cwe": ["CWE-78"]},
    }
    rules.write_text(yaml.safe_dump({"rules": [rule]}), encoding="utf-8")
    return rules


@needs_semgrep
@pytest.mark.parametrize("prefilter_on", [True, False])
def test_semgrep_sees_a_prefiltered_rule_only_where_its_regex_matches(
    tmp_path: Path, prefilter_on: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prefilter, "MIN_SKIPPED_BYTES", 1)  # split even this small tree
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    call = "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n"
    (tree / "pkg" / "marked.py").write_text("# MARK\n" + call)
    (tree / "pkg" / "plain.py").write_text(call)
    rules = _rule_file(tmp_path, "MARK")
    config = Config(
        select=("semgrep",),
        cache=False,
        scanners={
            "semgrep": {"bundled-rules": False, "rules": [str(rules)], "prefilter": prefilter_on}
        },
    )
    verdict = secgate.check(tree, config=config)
    assert verdict.scanner("semgrep").error is None
    found = sorted(f.path for f in verdict.findings if f.rule_id == "custom-system")
    expected = ["pkg/marked.py"] if prefilter_on else ["pkg/marked.py", "pkg/plain.py"]
    assert found == expected


@needs_semgrep
def test_the_pack_finds_the_same_on_the_detection_suite_with_and_without_prefilter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through secgate: the findings on 317 labelled cases do not change."""
    monkeypatch.setattr(prefilter, "MIN_SKIPPED_BYTES", 1)  # the suite is small: split it

    def taint_findings(prefilter_on: bool) -> set[tuple[str, str, int | None]]:
        config = Config(
            select=("semgrep",),
            cache=False,
            respect_gitignore=False,
            scanners={"semgrep": {"prefilter": prefilter_on}},
        )
        verdict = secgate.check(SUITE, config=config)
        assert verdict.scanner("semgrep").error is None
        return {(f.rule_id, f.path, f.line) for f in verdict.findings}

    with_prefilter = taint_findings(True)
    assert any(rule.endswith("-taint") for rule, _, _ in with_prefilter)
    assert with_prefilter == taint_findings(False)


@needs_semgrep
def test_every_file_plain_semgrep_finds_a_flow_in_matches_the_prefilter() -> None:
    """Plain semgrep (no secgate): the suite and the rules' test files, taint rules only."""
    rules = _taint_rules()
    expressions = {str(rule["id"]): compile_prefilter(rule, "", path) for path, rule in rules}
    targets = [str(SUITE), *sorted({str(path.with_suffix(".py")) for path, _ in rules})]
    with tempfile.TemporaryDirectory() as home:
        config = Path(home) / "taint.yaml"
        config.write_text(yaml.safe_dump({"rules": [r for _, r in rules]}), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SEMGREP_")}
        env.update(HOME=home, SEMGREP_SETTINGS_FILE=f"{home}/s.yml", SEMGREP_LOG_FILE=f"{home}/l")
        assert SEMGREP is not None
        done = subprocess.run(
            [
                SEMGREP,
                "scan",
                "--json",
                "--metrics=off",
                "--disable-version-check",
                "--no-git-ignore",
                "--config",
                str(config),
                *targets,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )
    assert done.returncode in {0, 1}, done.stderr[-2000:]
    results = json.loads(done.stdout)["results"]
    assert len({r["path"] for r in results}) > 50  # the suite's true cases, and the tests'
    for result in results:
        rule_id = result["check_id"].rsplit(".", 1)[-1]
        expression = expressions[rule_id]
        assert expression is not None
        text = Path(result["path"]).read_text(encoding="utf-8")
        assert re.search(expression, text), (rule_id, result["path"])
