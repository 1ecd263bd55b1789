"""``secgate explain RULE``: the pack's text, severity, CWE, fix, links and examples of a rule."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, run_cli

PACK = REPO / "rules"


def _json(*args: str) -> dict[str, Any]:
    result = run_cli("explain", *args, "--format", "json")
    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)
    return data


def _annotated(path: Path, kind: str, rule_id: str) -> list[str]:
    """The lines right after ``# kind: rule_id`` in a rule's test file, read here on our own."""
    lines = path.read_text(encoding="utf-8").splitlines()
    marker = re.compile(rf"#\s*{kind}:\s*(.+)$")
    found = []
    for number, line in enumerate(lines):
        match = marker.search(line)
        if match and rule_id in {p.strip() for p in match.group(1).split(",")}:
            found.append(lines[number + 1].strip())
    return found


def test_semgrep_rule_has_its_yaml_text_references_and_test_file_examples() -> None:
    rule_file = PACK / "semgrep" / "python" / "dill-load.yaml"
    [rule] = yaml.safe_load(rule_file.read_text(encoding="utf-8"))["rules"]
    [entry] = _json("python-dill-load")["rules"]
    assert (entry["scanner"], entry["severity"], entry["cwe"][0]["id"]) == ("semgrep", "high", 502)
    assert entry["text"] == " ".join(rule["message"].split())
    assert entry["references"] == rule["metadata"]["references"]
    assert entry["source"] == "rules/semgrep/python/dill-load.yaml"
    test_file = rule_file.with_suffix(".py")
    flagged = _annotated(test_file, "ruleid", "python-dill-load")
    assert entry["examples"]["flagged"] == flagged and len(flagged) == 2
    assert entry["examples"]["not_flagged"] == _annotated(test_file, "ok", "python-dill-load")
    text = run_cli("explain", "python-dill-load").out
    assert text.startswith("semgrep/python-dill-load: ")
    assert "severity high · confidence low · CWE-502" in text
    assert "https://cwe.mitre.org/data/definitions/502.html" in text
    assert "Flagged (from rules/semgrep/python/dill-load.py):\n  fn = dill.loads(payload)" in text
    assert "Not flagged (from rules/semgrep/python/dill-load.py):\n  blob = dill.dumps(fn)" in text


def test_every_semgrep_rule_of_the_pack_has_flagged_and_clean_examples() -> None:
    import argparse  # noqa: PLC0415

    from secgate.cli.explain import describe  # noqa: PLC0415
    from secgate.cli.rules import _rule_rows  # noqa: PLC0415

    rows, _ = _rule_rows(argparse.Namespace(rules_scanners=["semgrep"], rules_config=None))
    assert len(rows) > 50
    for row in rows:
        entry = describe(row, None)
        assert entry["examples"]["flagged"], row["id"]
        assert entry["examples"]["not_flagged"], row["id"]


def test_a_yaml_block_example_keeps_its_indented_lines() -> None:
    [entry] = _json("gha-script-injection")["rules"]
    assert entry["examples_source"] == "rules/semgrep/github-actions/script-injection.test.yaml"
    blocks = [e for e in entry["examples"]["flagged"] if e.startswith("run: |\n")]
    assert blocks and all(len(e.splitlines()) > 1 for e in blocks)


def test_bandit_test_from_bandits_own_documentation_ignoring_case() -> None:
    from bandit.core import extension_loader  # noqa: PLC0415

    [entry] = _json("b602")["rules"]
    assert (entry["id"], entry["scanner"], entry["severity"]) == ("B602", "bandit", None)
    assert [c["id"] for c in entry["cwe"]] == [78]
    doc = extension_loader.MANAGER.plugins_by_id["B602"].plugin.__doc__
    assert "'shell=True' being given" in doc and "'shell=True' being given" in entry["text"]
    assert entry["references"][0].startswith("https://bandit.readthedocs.io/")
    assert "subprocess_popen_with_shell_equals_true" in entry["references"][0]
    text = run_cli("explain", "B602").out
    assert "severity varies per finding · CWE-78" in text


def test_bandit_blacklist_entry_names_the_calls_it_flags() -> None:
    [entry] = _json("bandit/B301")["rules"]
    assert "pickle.loads" in entry["text"] and "It flags calls to:" in entry["text"]
    assert entry["severity_note"] == "bandit rates it medium by default"


def test_secret_rule_has_its_fix_and_keywords_from_the_pack() -> None:
    data = tomllib.loads((PACK / "secrets" / "vcs.toml").read_text(encoding="utf-8"))
    [rule] = [r for r in data["rules"] if r["id"] == "github-pat-classic"]
    [entry] = _json("secrets/github-pat-classic")["rules"]
    assert (entry["severity"], entry["fix"]) == ("critical", rule["help"])
    assert entry["keywords"] == rule["keywords"] and entry["cwe"][0]["id"] == 798
    text = run_cli("explain", "github-pat-classic").out
    assert "Fix:\n  Revoke it at github.com/settings/tokens;" in text


@pytest.mark.parametrize(
    ("query", "suggested"),
    [
        ("dill-load", "python-dill-load"),
        ("python-dil-load", "python-dill-load"),
        ("B6O2", "B602"),  # a letter O for the zero
    ],
)
def test_unknown_rule_exits_2_and_names_the_closest(query: str, suggested: str) -> None:
    result = run_cli("explain", query)
    assert result.code == 2 and result.out == ""
    assert f"unknown rule {query!r}; did you mean: " in result.err
    assert suggested in result.err.split("did you mean: ")[1].split("?")[0].split(", ")
    as_json = run_cli("explain", query, "--format", "json")
    assert as_json.code == 2
    assert suggested in json.loads(as_json.out)["suggestions"]


def test_a_project_rule_file_is_explained_with_its_text_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # rule paths are the project's: run from it
    rules = tmp_path / "team-rules"
    rules.mkdir()
    (rules / "no-print.yaml").write_text(
        "rules:\n"
        "  - id: team-no-print\n"
        "    languages: [python]\n"
        "    severity: WARNING\n"
        '    message: "print() in library code.\\e[2J Use logging.\\u202e"\n'
        "    pattern: print(...)\n",
        encoding="utf-8",
    )
    (rules / "no-print.py").write_text(
        "# ruleid: team-no-print\nprint('x\\x1b[31m')\n# ok: team-no-print\nlog.info('x')\n",
        encoding="utf-8",
    )
    config = tmp_path / "secgate.toml"
    config.write_text('[scanners.semgrep]\nrules = ["team-rules"]\n', encoding="utf-8")
    result = run_cli("explain", "team-no-print", "--scanner", "semgrep")
    assert result.code == 0, result.err
    assert "\x1b" not in result.out and "\u202e" not in result.out
    assert "\\x1b[2J" in result.out and "\\u202e" in result.out
    assert "Flagged (from " in result.out and "print('x\\x1b[31m')" in result.out
    assert "Not flagged" in result.out and "log.info('x')" in result.out
