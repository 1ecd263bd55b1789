"""``secgate.testing``: the kit plugin authors test their scanners with (issue 14).

A scanner that keeps its promises passes the contract check; each lying scanner here breaks
one promise the result cache or sharding relies on, and the check names it. The real
secrets and bandit scanners are checked too (no false alarm on honest scanners).
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import ClassVar

import pytest

import secgate
from secgate import (
    Finding,
    GapKind,
    ScanContext,
    Scanner,
    ScannerOptions,
    ScanOutput,
    Severity,
    SkippedFile,
)
from secgate.errors import ConfigError
from secgate.plugins import make_plugin_host
from secgate.scanners.bandit import BanditScanner
from secgate.scanners.secrets import SecretsScanner
from secgate.testing import (
    add_to_path,
    assert_contract,
    check_contract,
    install_fake_distribution,
    on_path,
    run_scanner,
)
from tests.conftest import run_cli_process

FILES = {
    "a.py": "x = 1  # danger\n",
    "b.py": "y = 2\n",
    "pkg/c.py": "z = 3  # danger here too\n",
    "notes.txt": "danger, but not a Python file\n",
}


class WordOptions(ScannerOptions):
    word: str = "danger"
    severity: Severity = Severity.MEDIUM


class WordScanner(Scanner):
    """Flags Python lines holding a word: keeps every promise."""

    name: ClassVar[str] = "word"
    Options: ClassVar[type[ScannerOptions]] = WordOptions
    per_file: ClassVar[bool] = True

    def handles(self, path: str) -> bool:
        return path.endswith(".py")

    def _hits(self, context: ScanContext, rel: str) -> list[Finding]:
        assert isinstance(context.options, WordOptions)
        lines = context.path(rel).read_text(encoding="utf-8").splitlines()
        return [
            Finding(
                scanner=self.name,
                rule_id="W1",
                severity=context.options.severity,
                message=f"the word {context.options.word!r}",
                path=rel,
                line=number,
            )
            for number, line in enumerate(lines, 1)
            if context.options.word in line
        ]

    def scan(self, context: ScanContext) -> ScanOutput:
        files = [f for f in context.files if self.handles(f)]
        findings = [hit for rel in files for hit in self._hits(context, rel)]
        return ScanOutput(findings=findings, files_scanned=len(files))


class SiblingScanner(WordScanner):
    """Claims per_file, but flags a.py only when b.py exists beside it."""

    name: ClassVar[str] = "sibling"

    def scan(self, context: ScanContext) -> ScanOutput:
        files = [f for f in context.files if self.handles(f)]
        findings = [
            Finding(scanner=self.name, rule_id="S1", severity=Severity.HIGH, message="m", path=f)
            for f in files
            if f == "a.py" and (context.root / "b.py").exists()
        ]
        return ScanOutput(findings=findings, files_scanned=len(files))


class PeekingScanner(WordScanner):
    """Claims per_file, but reads every Python file of the root (an import graph, say)."""

    name: ClassVar[str] = "peeking"

    def scan(self, context: ScanContext) -> ScanOutput:
        for other in sorted(context.root.rglob("*.py")):
            other.read_bytes()
        return super().scan(context)


class StaleTokenScanner(WordScanner):
    """Its cache token ignores the options, yet ``word`` changes what it finds."""

    name: ClassVar[str] = "stale-token"

    def cache_token(self, options: ScannerOptions) -> str:
        return f"{self.name}|1.0"


class RandomTokenScanner(WordScanner):
    name: ClassVar[str] = "random-token"

    def cache_token(self, options: ScannerOptions) -> str:
        return uuid.uuid4().hex


class OverreachingScanner(WordScanner):
    """Says it handles Python files only, but flags the text file too."""

    name: ClassVar[str] = "overreaching"

    def scan(self, context: ScanContext) -> ScanOutput:
        output = super().scan(context)
        extra = [
            Finding(scanner=self.name, rule_id="W2", severity=Severity.LOW, message="m", path=f)
            for f in context.files
            if f.endswith(".txt")
        ]
        return ScanOutput(findings=output.findings + extra, files_scanned=output.files_scanned)


class UncountedScanner(WordScanner):
    """Finds the right things but counts no file as scanned (coverage would read 0%)."""

    name: ClassVar[str] = "uncounted"

    def scan(self, context: ScanContext) -> ScanOutput:
        return ScanOutput(findings=super().scan(context).findings)


class ElsewhereScanner(WordScanner):
    """Reports a finding for a file nobody handed it."""

    name: ClassVar[str] = "elsewhere"

    def scan(self, context: ScanContext) -> ScanOutput:
        output = super().scan(context)
        ghost = Finding(
            scanner=self.name, rule_id="G1", severity=Severity.LOW, message="m", path="ghost.py"
        )
        return ScanOutput(findings=[*output.findings, ghost], files_scanned=output.files_scanned)


class BadNameScanner(WordScanner):
    name: ClassVar[str] = "Word Scanner"


def _promise(broken: list[str], promise: str) -> list[str]:
    return [line for line in broken if line.startswith(f"{promise}:")]


def test_an_honest_scanner_keeps_the_contract() -> None:
    assert check_contract(WordScanner, FILES) == []
    assert check_contract(WordScanner, FILES, {"word": "here", "severity": "high"}) == []
    assert_contract(WordScanner, FILES)


def test_a_per_file_scanner_whose_result_depends_on_a_sibling_fails_per_file() -> None:
    broken = check_contract(SiblingScanner, FILES)
    per_file = _promise(broken, "per_file")
    assert per_file, broken
    assert "'a.py'" in per_file[0] and "depends on other files" in per_file[0]
    # b.py and pkg/c.py get the same (no) findings alone: only a.py is named.
    assert all("'a.py'" in line for line in per_file)


def test_a_per_file_scanner_that_opens_files_it_was_not_handed_fails_per_file() -> None:
    broken = check_contract(PeekingScanner, FILES)
    opened = [line for line in _promise(broken, "per_file") if "opened other files" in line]
    assert len(opened) == 3, broken  # one line per handled file
    first = next(line for line in opened if "'a.py'" in line)
    assert "b.py" in first and "pkg/c.py" in first


def test_a_cache_token_that_ignores_an_option_changing_findings_fails() -> None:
    broken = check_contract(StaleTokenScanner, FILES)
    token = _promise(broken, "cache_token")
    assert any("'word'" in line and "changes the findings" in line for line in token), broken
    assert any("'severity'" in line for line in token), broken
    assert _promise(broken, "per_file") == []  # the rest of the contract holds


def test_a_cache_token_that_changes_on_every_call_fails() -> None:
    broken = check_contract(RandomTokenScanner, FILES)
    assert [line.split(":")[0] for line in broken] == ["cache_token"]
    assert "two calls with the same options" in broken[0]


def test_findings_for_files_the_scanner_does_not_handle_fail_handles() -> None:
    broken = check_contract(OverreachingScanner, FILES)
    handles = _promise(broken, "handles")
    assert handles and "'notes.txt'" in handles[0], broken


def test_a_scanner_that_does_not_count_its_files_fails_coverage() -> None:
    broken = check_contract(UncountedScanner, FILES)
    coverage = _promise(broken, "coverage")
    assert coverage and "files_scanned (0)" in coverage[0] and "3 handled" in coverage[0]


def test_a_finding_for_a_file_not_handed_fails_paths() -> None:
    broken = check_contract(ElsewhereScanner, FILES)
    assert any("'ghost.py'" in line for line in _promise(broken, "paths")), broken


def test_an_invalid_name_fails_name() -> None:
    broken = check_contract(BadNameScanner, FILES)
    assert len(broken) == 1 and broken[0].startswith("name:") and "'Word Scanner'" in broken[0]


def test_assert_contract_raises_listing_every_broken_promise() -> None:
    with pytest.raises(AssertionError) as excinfo:
        assert_contract(StaleTokenScanner, FILES)
    message = str(excinfo.value)
    assert message.startswith("StaleTokenScanner breaks the scanner contract:")
    assert message.count("\n- cache_token:") == 2


def test_the_real_secrets_and_bandit_scanners_keep_the_contract() -> None:
    key = "AKIA" + "Q3XV7TZ2MKW5RJ4N"
    files: dict[str, str | bytes] = {
        "keys.py": f'aws_access_key_id = "{key}"\n',
        "app.py": "import os\nos.system(input())\n",
        "clean.py": "x = 1\n",
        "blob.bin": b"\0\1\2" * 100,
        "broken.py": "def (:\n",
    }
    assert check_contract(SecretsScanner, files) == []
    assert check_contract(BanditScanner, files) == []


def test_run_scanner_runs_the_real_secrets_scanner() -> None:
    key = "AKIA" + "Z7QW3XK9MV2RT5NP"
    output = run_scanner(
        SecretsScanner,
        {"app/settings.py": f'aws_access_key_id = "{key}"\n', "blob.bin": b"\0" * 64},
    )
    assert [(f.rule_id, f.path, f.line) for f in output.findings] == [
        ("aws-access-key-id", "app/settings.py", 1)
    ]
    assert key not in output.findings[0].message  # redacted, as in a real run
    assert output.files_scanned == 1
    assert [(s.path, s.kind) for s in output.skipped] == [("blob.bin", GapKind.BINARY)]


def test_run_scanner_validates_options_and_applies_the_scanners_exclude(tmp_path: Path) -> None:
    output = run_scanner(WordScanner, FILES, {"word": "here", "exclude": ["pkg/"]}, root=tmp_path)
    assert output.findings == []  # "here" is only in pkg/c.py, which is excluded
    assert (tmp_path / "pkg" / "c.py").is_file()  # a given root is kept
    flagged = run_scanner(WordScanner, FILES, {"word": "here"})
    assert [f.path for f in flagged.findings] == ["pkg/c.py"]
    with pytest.raises(ConfigError, match="no-such-key"):
        run_scanner(WordScanner, FILES, {"no-such-key": 1})


PROBE = """
from typing import ClassVar

from secgate import Finding, ScanContext, Scanner, ScanOutput, Severity, hookimpl


class ProbeScanner(Scanner):
    name: ClassVar[str] = "{name}"
    per_file: ClassVar[bool] = True

    def scan(self, context: ScanContext) -> ScanOutput:
        findings = [
            Finding(scanner=self.name, rule_id="P1", severity=Severity.HIGH, message="probe",
                    path=rel)
            for rel in context.files
            if "PROBE" in context.path(rel).read_text()
        ]
        return ScanOutput(findings=findings, files_scanned=len(context.files))


@hookimpl
def secgate_register_scanners():
    return [ProbeScanner]
"""


def test_a_fake_distribution_is_loaded_by_the_plugin_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    dist_info = install_fake_distribution(
        site,
        "secgate-kit-probe",
        "0.4.2",
        {"kit-probe": "secgate_kit_probe.plugin"},
        {"secgate_kit_probe.plugin": PROBE.format(name="kit-probe")},
    )
    assert dist_info == site / "secgate_kit_probe-0.4.2.dist-info"
    assert "kit-probe" not in make_plugin_host().scanners()
    add_to_path(monkeypatch, site)
    info = make_plugin_host().scanners()["kit-probe"]
    assert (info.plugin, info.distribution, info.distribution_version) == (
        "kit-probe",
        "secgate-kit-probe",
        "0.4.2",
    )
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "x.txt").write_text("PROBE\n")
    verdict = secgate.check(tree, config=secgate.Config(select=("kit-probe",), cache=False))
    assert [(f.scanner, f.path) for f in verdict.findings] == [("kit-probe", "x.txt")]
    assert verdict.status is secgate.VerdictStatus.FAIL
    # PYTHONPATH carries it to a child process too (secgate run as a command).
    listed = run_cli_process("scanners")
    assert listed.code == 0 and "kit-probe" in listed.out and "secgate-kit-probe" in listed.out


def test_on_path_is_undone_on_exit(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_fake_distribution(
        site,
        "secgate-kit-probe-two",
        "1.0",
        {"kit-probe-two": "secgate_kit_probe_two"},
        {"secgate_kit_probe_two": PROBE.format(name="kit-probe-two")},
    )
    with on_path(site):
        assert "kit-probe-two" in make_plugin_host().scanners()
        assert "secgate_kit_probe_two" in sys.modules
    assert "secgate_kit_probe_two" not in sys.modules
    assert str(site) not in sys.path
    assert "kit-probe-two" not in make_plugin_host().scanners()


def test_gaps_count_as_covered_files() -> None:
    class GappyScanner(WordScanner):
        name: ClassVar[str] = "gappy"

        def scan(self, context: ScanContext) -> ScanOutput:
            files = [f for f in context.files if self.handles(f)]
            gaps = [
                SkippedFile(path=f, reason="too odd", kind=GapKind.UNPARSABLE)
                for f in files
                if f == "b.py"
            ]
            return ScanOutput(files_scanned=len(files) - len(gaps), skipped=gaps)

    assert check_contract(GappyScanner, FILES) == []
