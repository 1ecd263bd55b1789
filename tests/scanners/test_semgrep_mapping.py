"""The semgrep scanner's pure parts: severity/CWE mapping, rule loading, file selection,
argument chunking, cache token and rule listing. None of these tests starts semgrep."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from secgate.errors import ScannerError
from secgate.models import Confidence, Severity
from secgate.plugins import bundled_rules
from secgate.scanners import semgrep as sg

PACK = bundled_rules("semgrep")

RULE = """\
rules:
  - id: {id}
    languages: [{language}]
    severity: {severity}
    message: Something is wrong here. Fix it like this.
    metadata:
      cwe: "CWE-79: Cross-site Scripting"
      references: [https://example.org/{id}]
      confidence: LOW
    pattern: {pattern}
"""


def _rule_file(folder: Path, name: str, **fields: str) -> Path:
    values = {"language": "python", "severity": "INFO", "pattern": "print(...)", "id": name}
    values.update(fields)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(RULE.format(**values))
    return path


@pytest.mark.parametrize(
    ("severity", "metadata", "expected"),
    [
        ("ERROR", {}, Severity.HIGH),
        ("WARNING", {}, Severity.MEDIUM),
        ("INFO", {}, Severity.LOW),
        ("CRITICAL", {}, Severity.CRITICAL),
        ("LOW", {}, Severity.LOW),
        ("INVENTORY", {}, Severity.INFO),
        ("WARNING", {"impact": "HIGH"}, Severity.HIGH),
        ("ERROR", {"impact": "LOW"}, Severity.LOW),
        ("ERROR", {"impact": "HIGH", "severity": "critical"}, Severity.CRITICAL),
        ("WARNING", {"severity": "nonsense", "impact": "odd"}, Severity.MEDIUM),
        (None, None, Severity.MEDIUM),
    ],
)
def test_severity_mapping(
    severity: str | None, metadata: dict[str, str] | None, expected: Severity
) -> None:
    assert sg.map_severity(severity, metadata) is expected


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"confidence": "HIGH"}, Confidence.HIGH),
        ({"confidence": "low"}, Confidence.LOW),
        ({"confidence": "certain"}, Confidence.MEDIUM),
        ({}, Confidence.MEDIUM),
    ],
)
def test_confidence_mapping(metadata: dict[str, str], expected: Confidence) -> None:
    assert sg.map_confidence(metadata) is expected


def test_cwe_ids_are_parsed_from_semgrep_metadata() -> None:
    assert sg.parse_cwes("CWE-78: Improper Neutralization ...") == (78,)
    assert sg.parse_cwes(["CWE-1357: Reliance", "cwe-494: Download", "CWE-78"]) == (1357, 494, 78)
    assert sg.parse_cwes(["CWE-78: a", "CWE-78: again"]) == (78,)
    assert sg.parse_cwes(None) == ()
    assert sg.parse_cwes({"not": "a cwe"}) == ()


def test_chunks_respect_the_budget_and_keep_every_target_in_order() -> None:
    targets = [f"./src/module_{i:04d}.py" for i in range(1000)]
    chunks = sg.chunk_targets(targets, 4096)
    assert [t for chunk in chunks for t in chunk] == targets
    assert len(chunks) > 1
    for chunk in chunks:
        assert sum(len(t) + 9 for t in chunk) <= 4096
    # A single name larger than the budget still gets a chunk of its own.
    assert sg.chunk_targets(["./" + "x" * 100], 10) == [["./" + "x" * 100]]
    assert sg.chunk_targets([], 4096) == []


def test_candidates_are_the_files_the_packs_languages_cover() -> None:
    rules = sg.load_rule_set(sg.SemgrepOptions(), Path.cwd()).rules.values()
    files = [
        "app/views.py",
        "stubs/a.pyi",
        "README.md",
        "Dockerfile",
        "docker/api.Dockerfile",
        "scripts/release.sh",
        ".github/workflows/ci.yml",
        "pyproject.toml",
        "image.png",
    ]
    assert sg.candidate_files(files, rules, registry=False) == [
        "app/views.py",
        "stubs/a.pyi",
        "Dockerfile",
        "docker/api.Dockerfile",
        "scripts/release.sh",
        ".github/workflows/ci.yml",
    ]
    # Registry rules are unknown until semgrep fetches them: every file is a candidate.
    assert sg.candidate_files(files, rules, registry=True) == files


def test_a_generic_rule_makes_every_file_a_candidate(tmp_path: Path) -> None:
    _rule_file(tmp_path / "rules", "todo-marker", language="generic", pattern="TODO")
    options = sg.SemgrepOptions(rules=("rules",), bundled_rules=False)
    rules = sg.load_rule_set(options, tmp_path).rules.values()
    assert sg.candidate_files(["a.md", "b.txt"], rules, registry=False) == ["a.md", "b.txt"]
    assert sg.expected_files(["a.md"], rules) == {}


def test_rules_with_a_paths_filter_do_not_make_files_expected(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    path = _rule_file(folder, "only-src")
    path.write_text(path.read_text() + "    paths:\n      include: [src/]\n")
    rules = sg.load_rule_set(sg.SemgrepOptions(rules=("rules",), bundled_rules=False), tmp_path)
    assert sg.expected_files(["lib/a.py"], rules.rules.values()) == {}
    _rule_file(folder, "everywhere")
    rules = sg.load_rule_set(sg.SemgrepOptions(rules=("rules",), bundled_rules=False), tmp_path)
    assert sg.expected_files(["lib/a.py"], rules.rules.values()) == {"lib/a.py": "everywhere"}


def test_rule_files_skip_semgrep_test_targets_and_hidden_folders(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    _rule_file(folder, "one")
    (folder / "one.test.yaml").write_text("jobs: {}\n")
    _rule_file(folder / ".hidden", "two")
    ruleset = sg.load_rule_set(sg.SemgrepOptions(rules=("rules",), bundled_rules=False), tmp_path)
    assert list(ruleset.rules) == ["one"]


def test_registry_configs_need_the_opt_in(tmp_path: Path) -> None:
    with pytest.raises(ScannerError, match=r"'p/python' is not a file or folder .*registry = true"):
        sg.load_rule_set(sg.SemgrepOptions(rules=("p/python",)), tmp_path)
    ruleset = sg.load_rule_set(sg.SemgrepOptions(rules=("p/python",), registry=True), tmp_path)
    assert ruleset.registry == ("p/python",)


def test_duplicate_rule_ids_are_an_error(tmp_path: Path) -> None:
    _rule_file(tmp_path / "a", "same-id")
    _rule_file(tmp_path / "b", "same-id")
    options = sg.SemgrepOptions(rules=("a", "b"), bundled_rules=False)
    with pytest.raises(ScannerError, match="rule id 'same-id' is defined twice"):
        sg.load_rule_set(options, tmp_path)


def test_an_empty_rule_set_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScannerError, match="no semgrep rules to run"):
        sg.load_rule_set(sg.SemgrepOptions(bundled_rules=False), tmp_path)


def test_invalid_rule_yaml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "bad.yaml").write_text("rules:\n  - id: x\n   bad: [\n")
    with pytest.raises(ScannerError, match=r"bad\.yaml: invalid YAML in semgrep rules"):
        sg.load_rule_set(sg.SemgrepOptions(rules=("rules",)), tmp_path)


def test_merged_config_reads_back_exactly_and_maps_lines_to_rules(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    ruleset = sg.load_rule_set(sg.SemgrepOptions(), tmp_path)
    merged = tmp_path / sg.MERGED_CONFIG
    spans = ruleset.write_config(merged, excluded=["python-tempfile-mktemp"])
    reread = yaml.safe_load(merged.read_text())["rules"]
    expected = [dict(r.raw) for r in ruleset.rules.values() if r.id != "python-tempfile-mktemp"]
    assert reread == expected
    lines = merged.read_text().splitlines()
    for first, _last, rule in spans:
        assert lines[first - 1] == f'  - "id": "{rule.id}"'


def test_cache_token_changes_with_rule_content_and_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rule = _rule_file(tmp_path / "rules", "mine")
    scanner = sg.SemgrepScanner()
    options = sg.SemgrepOptions(rules=("rules",))
    first = scanner.cache_token(options)
    assert first == scanner.cache_token(options)
    rule.write_text(rule.read_text().replace("print(...)", "input(...)"))
    second = scanner.cache_token(options)
    assert second != first
    assert scanner.cache_token(options.model_copy(update={"exclude_rules": ("mine",)})) != second
    assert str(sg.package_version("semgrep")) in second


def test_rules_lists_the_pack_with_severity_cwe_and_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    infos = {i.id: i for i in sg.SemgrepScanner().rules(sg.SemgrepOptions())}
    assert len(infos) >= 40
    shell = infos["python-subprocess-shell-injection"]
    assert (shell.scanner, shell.severity, shell.cwe) == ("semgrep", Severity.HIGH, (78,))
    assert "\n" not in shell.description and shell.description.endswith(".")
    assert infos["dockerfile-untagged-image"].description.startswith("The base image <image>")
    excluded = sg.SemgrepScanner().rules(
        sg.SemgrepOptions(exclude_rules=("python-tempfile-mktemp",))
    )
    assert "python-tempfile-mktemp" not in {i.id for i in excluded}


def test_registry_configs_are_listed_with_varying_severity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    infos = sg.SemgrepScanner().rules(sg.SemgrepOptions(rules=("p/python",), registry=True))
    registry = [i for i in infos if i.id == "p/python"]
    assert registry and registry[0].severity is None


def test_version_reads_package_metadata_without_starting_semgrep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_spawn(*args: object, **kwargs: object) -> None:
        raise AssertionError("version() must not start a process")

    monkeypatch.setattr(subprocess, "Popen", no_spawn)
    monkeypatch.setattr(subprocess, "run", no_spawn)
    assert sg.SemgrepScanner().version() == sg.package_version("semgrep")


def test_secgate_semgrep_variable_names_the_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "my-semgrep"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv(sg.BINARY_ENV, str(fake))
    assert sg.find_binary() == str(fake)
    assert sg.find_binary(str(fake)) == str(fake)
    monkeypatch.setenv(sg.BINARY_ENV, str(tmp_path / "missing"))
    assert sg.find_binary() is None


def test_importing_the_plugin_imports_neither_semgrep_nor_yaml() -> None:
    code = (
        "import sys, secgate, secgate.scanners.semgrep, secgate.cli; "
        "print(sorted(m for m in ('yaml', 'semgrep') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_pack_ships_where_bundled_rules_finds_it() -> None:
    assert PACK.is_dir()
    assert {p.name for p in PACK.iterdir() if p.is_dir()} >= {
        "python",
        "github-actions",
        "dockerfile",
        "gitlab-ci",
        "shell",
    }
