"""The example scanner's tests, written with secgate's kit for plugin authors.

``run_scanner`` scans a few files with the scanner class alone; ``assert_contract`` checks
the promises secgate's result cache and sharding rely on; the last tests run secgate
itself, which finds the scanner through the installed distribution's entry point.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import secgate
from secgate.testing import assert_contract, check_contract, run_scanner

from secgate_example_scanner import RULE_ID, SecurityTodoScanner

FILES: dict[str, str | bytes] = {
    "app/auth.py": "import hashlib\n\n"
    "digest = hashlib.sha1(data)  # TODO(security): use a keyed hash\n",
    "app/clean.py": "def add(a, b):\n    return a + b\n",
    "web/main.js": "// FIXME(security) escape the user's name\nrender(name);\n",
    "docs/notes.md": "TODO(security) in prose is not a comment this scanner reads\n",
    "app/latin1.py": "# caf\xe9\n".encode("latin-1"),
}


def test_flags_markers_in_comments_only() -> None:
    output = run_scanner(SecurityTodoScanner, FILES)
    found = sorted((f.path, f.line, f.rule_id) for f in output.findings)
    assert found == [("app/auth.py", 3, RULE_ID), ("web/main.js", 1, RULE_ID)]
    auth = next(f for f in output.findings if f.path == "app/auth.py")
    assert auth.message == "open security question: use a keyed hash"
    assert auth.severity is secgate.Severity.MEDIUM
    raw = str(FILES["app/auth.py"]).splitlines()[2]
    assert auth.column == raw.find("TODO(security)") + 1


def test_a_string_is_not_a_comment() -> None:
    output = run_scanner(SecurityTodoScanner, {"a.py": 'label = "TODO(security)"\n'})
    assert output.findings == []
    assert output.files_scanned == 1


def test_undecodable_file_is_a_gap_not_a_silent_pass() -> None:
    output = run_scanner(SecurityTodoScanner, FILES)
    assert [(g.path, g.kind) for g in output.skipped] == [
        ("app/latin1.py", secgate.GapKind.ENCODING)
    ]
    # Five files: the .md one is not handled, the Latin-1 one is a gap, three are scanned.
    assert output.files_scanned == 3


def test_options_choose_markers_and_severity() -> None:
    output = run_scanner(
        SecurityTodoScanner,
        {"a.py": "x = 1  # XXX(sec) check bounds\ny = 2  # TODO(security) later\n"},
        {"markers": ["XXX(sec)"], "severity": "high"},
    )
    assert [(f.line, f.severity) for f in output.findings] == [(1, secgate.Severity.HIGH)]


def test_bad_options_are_a_config_error() -> None:
    with pytest.raises(secgate.ConfigError, match="markers"):
        run_scanner(SecurityTodoScanner, FILES, {"markers": []})


def test_inline_ignore_is_reported_as_suppressed() -> None:
    output = run_scanner(
        SecurityTodoScanner, {"a.py": "x = 1  # TODO(security): known, secgate: ignore\n"}
    )
    assert [f.suppressed_by for f in output.findings] == ["inline"]


def test_keeps_the_scanner_contract() -> None:
    assert_contract(SecurityTodoScanner, FILES)
    assert check_contract(SecurityTodoScanner, FILES, {"severity": "low"}) == []


def test_rules_lists_the_rule_with_the_configured_severity() -> None:
    options = SecurityTodoScanner.Options.model_validate({"severity": "critical"})
    (rule,) = SecurityTodoScanner().rules(options)
    assert (rule.id, rule.severity, rule.cwe) == (RULE_ID, secgate.Severity.CRITICAL, (546,))


def _tree(root: Path) -> Path:
    for rel, content in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def test_secgate_check_runs_the_installed_plugin(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "tree")
    config = secgate.Config(select=("security-todo",), fail_on=secgate.Severity.MEDIUM, cache=False)
    verdict = secgate.check(tree, config=config)
    assert verdict.status is secgate.VerdictStatus.FAIL
    assert sorted(f.path for f in verdict.findings if f.blocking) == ["app/auth.py", "web/main.js"]
    result = verdict.scanner("security-todo")
    assert result.status is secgate.ScanStatus.OK
    assert [g.path for g in result.coverage.skipped] == ["app/latin1.py"]
    relaxed = secgate.check(
        tree,
        config=secgate.Config(
            select=("security-todo",), fail_on=secgate.Severity.HIGH, cache=False
        ),
    )
    assert relaxed.status is secgate.VerdictStatus.PASS


def test_secgate_lists_the_plugin_and_its_distribution() -> None:
    secgate_cli = Path(sys.executable).with_name("secgate")
    listed = subprocess.run(
        [str(secgate_cli), "scanners"], capture_output=True, text=True, check=False, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    lines = [line for line in listed.stdout.splitlines() if "security-todo" in line]
    assert len(lines) == 1 and "secgate-example-scanner" in lines[0], listed.stdout
