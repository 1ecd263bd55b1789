"""``secgate rules``: every rule of every registered scanner, from the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from secgate.cli import main


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), stdout=out, stderr=io.StringIO())
    return code, out.getvalue()


@pytest.fixture(autouse=True)
def _no_project_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Run from a folder without a secgate config so the defaults apply.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECGATE_CONFIG", raising=False)


def test_rules_json_lists_the_semgrep_pack() -> None:
    code, out = _run("rules", "--scanner", "semgrep", "--format", "json")
    assert code == 0
    report = json.loads(out)
    rules = {r["id"]: r for r in report["rules"]}
    assert len(rules) >= 40
    assert rules["python-subprocess-shell-injection"] == {
        "id": "python-subprocess-shell-injection",
        "scanner": "semgrep",
        "severity": "high",
        "cwe": [78],
        "description": "subprocess runs a command built from a non-literal value through a "
        "shell (shell=True, getoutput, getstatusoutput), so shell metacharacters in that "
        "value run attacker-chosen commands.",
    }
    assert {r["scanner"] for r in report["rules"]} == {"semgrep"}


def test_rules_alone_is_the_list_action_in_text() -> None:
    code, plain = _run("rules", "--scanner", "semgrep")
    assert code == 0
    assert _run("rules", "list", "--scanner", "semgrep") == (0, plain)
    line = next(li for li in plain.splitlines() if li.startswith("gha-script-injection "))
    assert line.split()[1:4] == ["semgrep", "high", "CWE-78,"]
    assert "CWE-94" in line


def test_options_given_before_the_action_are_kept() -> None:
    code, out = _run("rules", "--format", "json", "list", "--scanner", "semgrep")
    assert code == 0
    assert json.loads(out)["rules"]


def test_unknown_scanner_is_a_usage_error() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["rules", "--scanner", "nope"], stdout=out, stderr=err) == 2
    assert "unknown scanner 'nope'" in err.getvalue()


def test_rules_use_the_config_files_scanner_options(tmp_path: Path) -> None:
    rules = tmp_path / "team-rules"
    rules.mkdir()
    (rules / "no-print.yaml").write_text(
        "rules:\n"
        "  - id: team-no-print\n"
        "    languages: [python]\n"
        "    severity: INFO\n"
        "    message: print() in library code. Use logging.\n"
        "    pattern: print(...)\n"
    )
    config = tmp_path / "secgate.toml"
    config.write_text(
        '[scanners.semgrep]\nrules = ["team-rules", "p/python"]\nregistry = true\n'
        'exclude-rules = ["python-tempfile-mktemp"]\n'
    )
    code, out = _run("rules", "--scanner", "semgrep", "--config", str(config))
    assert code == 0
    by_id = {line.split()[0]: line for line in out.splitlines()}
    assert by_id["team-no-print"].split()[1:4] == ["semgrep", "low", "-"]
    # A registry config's rules are only known at scan time: severity varies.
    assert by_id["p/python"].split()[1:3] == ["semgrep", "varies"]
    assert "python-tempfile-mktemp" not in by_id
    assert "python-pickle-load" in by_id


def test_broken_rule_file_is_a_config_error_exit_2(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "bad.yaml").write_text("rules: [\n")
    (tmp_path / "secgate.toml").write_text('[scanners.semgrep]\nrules = ["rules"]\n')
    out, err = io.StringIO(), io.StringIO()
    assert main(["rules"], stdout=out, stderr=err) == 2
    assert "scanner semgrep:" in err.getvalue()
    assert "invalid YAML in semgrep rules" in err.getvalue()


#: Code (PW: a password literal) that trips bandit plugin tests whose CWE comes from a
#: helper function (B105-B107, B202, B324, B505, B703) and ones that name it themselves.
BANDIT_TRIGGERS = """\
import hashlib
import subprocess
import tarfile
import yaml
from cryptography.hazmat.primitives.asymmetric import dsa
from django.utils.safestring import mark_safe

password = PW


def login(password=PW):
    connect(password=PW)
    assert password
    try:
        pass
    except Exception:
        pass


def unpack(path):
    with tarfile.open(path) as archive:
        archive.extractall()


def weak(data, name):
    hashlib.md5(data)
    dsa.generate_private_key(key_size=512)
    subprocess.call(name, shell=True)
    yaml.load(data)
    exec(data)
    return mark_safe(name)
"""


def test_every_bandit_rule_has_the_cwe_its_findings_carry(tmp_path: Path) -> None:
    import secgate  # noqa: PLC0415

    code, out = _run("rules", "--scanner", "bandit", "--format", "json")
    assert code == 0
    rules = {r["id"]: r for r in json.loads(out)["rules"]}
    assert len(rules) >= 60
    assert [rid for rid, r in rules.items() if not r["cwe"]] == []
    assert rules["B602"]["cwe"] == [78]
    line = next(li for li in _run("rules", "--scanner", "bandit")[1].splitlines() if "B105" in li)
    assert "CWE-259" in line
    tree = tmp_path / "tree"
    tree.mkdir()
    # A literal password for bandit to find, built here so this file holds none.
    code_text = BANDIT_TRIGGERS.replace("PW", '"' + "hun" + "ter2" + '"')
    (tree / "app.py").write_text(code_text, encoding="utf-8")
    verdict = secgate.check(tree, scanners=["bandit"], overrides={"cache": False})
    found = {(f.rule_id, f.cwe) for f in verdict.findings if f.scanner == "bandit"}
    wanted = {"B101", "B105", "B106", "B107", "B110", "B202", "B324", "B505", "B602", "B703"}
    assert wanted <= {rid for rid, _ in found}
    for rule_id, cwe in found:
        assert cwe, rule_id
        assert list(cwe) == rules[rule_id]["cwe"], rule_id
