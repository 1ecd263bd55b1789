"""Output a repository cannot forge: tree text never adds a line, a CI command or a control.

The scanned tree is hostile. Its file names, the messages and snippets scanners derive from
it, and the scanners' own error text may hold line breaks followed by a fake verdict, GitHub
Actions workflow commands (``::error::``), Azure Pipelines logging commands (``##vso[``,
``##[``), ANSI escapes and bidi overrides. Every report format must show them inert.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET  # parses only XML this test wrote
from pathlib import Path

import pytest

from secgate.escape import escape_text, safe_line
from secgate.models import (
    Coverage,
    Finding,
    ScanResult,
    ScanStatus,
    Severity,
    SkippedFile,
    Verdict,
    VerdictStatus,
    summarize,
)
from secgate.reports.junit import JunitReporter
from secgate.reports.markdown import MarkdownReporter
from secgate.reports.text import TextReporter
from tests.conftest import run_cli

FORGERIES = (
    "\n::error::x",
    "\n##[error]x",
    "\n##vso[task.complete]x",
    "\x1b[31m",
    "\u202e",
    "\u2028",
    "\x85",
    "\x00",
)
PAYLOAD = "".join(FORGERIES) + "\nVerdict: PASS\n"
#: Raw characters no report may hold (a newline is allowed only as the report's own).
RAW = ("\x1b", "\u202e", "\u2028", "\u2029", "\x85", "\x00", "\r", "\udcff")
COMMAND = re.compile(r"^\s*(::|##\[|##vso\[)", re.IGNORECASE)


def _hostile_verdict() -> Verdict:
    finding = Finding(
        scanner="bandit",
        rule_id=f"B605{PAYLOAD}",
        severity=Severity.HIGH,
        message=f"shell call{PAYLOAD}done",
        path=f"src/x{PAYLOAD}\udcff.py",
        line=2,
        snippet=f"os.system(input()){PAYLOAD}",
        help_text=f"help{PAYLOAD}",
        fingerprint="f" * 32,
        blocking=True,
    )
    set_aside = finding.model_copy(
        update={"blocking": False, "suppressed_by": f"waiver:{PAYLOAD}", "line": 3}
    )
    findings = (finding, set_aside)
    return Verdict(
        tool_version="0.1.0",
        status=VerdictStatus.ERROR,
        reasons=(f"scanner failed{PAYLOAD}", f"blocking finding in {finding.path}"),
        decided_by="scanner-error",
        root=f"repo{PAYLOAD}",
        stage=f"pr{PAYLOAD}",
        scanners=(
            ScanResult(
                name="bandit",
                status=ScanStatus.OK,
                findings=2,
                coverage=Coverage(
                    files_scanned=1,
                    skipped=(SkippedFile(path=f"big{PAYLOAD}.py", reason=f"too big{PAYLOAD}"),),
                ),
            ),
            ScanResult(name="semgrep", status=ScanStatus.ERROR, error=f"crashed{PAYLOAD}"),
            ScanResult(name="pip-audit", status=ScanStatus.SKIPPED, error=f"absent{PAYLOAD}"),
        ),
        findings=findings,
        collection=Coverage(skipped=(SkippedFile(path=f"l{PAYLOAD}", reason="symbolic link"),)),
        warnings=(f"odd config{PAYLOAD}",),
        summary=summarize(findings),
    )


def _assert_unforgeable(output: str, *, own_lines_only: bool = True) -> None:
    for char in RAW:
        assert char not in output, repr(char)
    lines = output.split("\n")
    forged = [line for line in lines if COMMAND.match(line) or "##[" in line or "##vso[" in line]
    assert forged == []
    if own_lines_only:
        assert "Verdict: PASS" not in lines
    assert output.splitlines() == lines[:-1]  # no line break but "\n" anywhere
    output.encode("utf-8")  # no lone surrogate


@pytest.mark.parametrize(
    "reporter", [TextReporter(), MarkdownReporter(), JunitReporter()], ids=lambda r: r.name
)
def test_no_report_lets_tree_text_forge_a_line_or_a_ci_command(reporter: object) -> None:
    verdict = _hostile_verdict()
    assert isinstance(reporter, TextReporter | MarkdownReporter | JunitReporter)
    output = reporter.render(verdict)
    # JUnit keeps a message's own line breaks inside its <failure> text (never a log line),
    # so there a line of it may read "Verdict: PASS"; it still cannot be a CI command.
    _assert_unforgeable(output, own_lines_only=not isinstance(reporter, JunitReporter))
    assert "::error::x" in output  # still there to read, only inert
    if isinstance(reporter, JunitReporter):
        ET.fromstring(output.encode("utf-8"))  # noqa: S314 - our own output
    if isinstance(reporter, MarkdownReporter):
        assert "<script" not in output


def test_colored_text_report_is_unforgeable_too() -> None:
    output = TextReporter().render(_hostile_verdict(), color=True)
    painted = re.sub("\x1b\\[[0-9;]*m", "", output)  # the reporter's own colours only
    _assert_unforgeable(painted)


def test_text_report_shows_a_forged_path_escaped_on_its_own_line() -> None:
    output = TextReporter().render(_hostile_verdict())
    assert "\n  src/x\\n::error::x\\n\\x23#[error]x\\n\\x23#vso[task.complete]x" in output
    assert "\\x1b[31m\\u202e\\u2028\\x85\\x00\\nVerdict: PASS\\n\\udcff.py" in output


def test_junit_keeps_valid_xml_for_nul_cdata_end_and_lone_surrogates() -> None:
    verdict = _hostile_verdict()
    finding = verdict.findings[0].model_copy(update={"message": "a ]]> b \x00 \udcff <c>"})
    xml = JunitReporter().render(verdict.model_copy(update={"findings": (finding,)}))
    root = ET.fromstring(xml.encode("utf-8"))  # noqa: S314 - our own output
    texts = [e.text or "" for e in root.iter("failure")]
    assert any("a ]]> b \ufffd \ufffd <c>" in text for text in texts)


def test_markdown_makes_no_mention_link_or_image_from_tree_text() -> None:
    verdict = _hostile_verdict()
    message = "ping @octocat see https://evil.example ![x](https://e/i.png) www.evil.example"
    finding = verdict.findings[0].model_copy(update={"message": message})
    output = MarkdownReporter().render(verdict.model_copy(update={"findings": (finding,)}))
    assert "`@`octocat" in output
    assert " @octocat" not in output
    assert "https://" not in output and "www.evil" not in output
    assert "![x](" not in output and "!\\[x\\](https\\://e/i.png)" in output


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\nb", "a\\nb"),
        ("\r\t", "\\r\\t"),
        ("\x1b[31m", "\\x1b[31m"),
        ("\x7f\x85\x9f", "\\x7f\\x85\\x9f"),
        ("\u2028\u2029", "\\u2028\\u2029"),
        ("\u202a\u202e\u2066\u2069", "\\u202a\\u202e\\u2066\\u2069"),
        ("\udcff", "\\udcff"),
        ("C:\\dir é ✓", "C:\\dir é ✓"),  # backslashes and ordinary text unchanged
    ],
)
def test_escape_text_shows_controls_as_escapes(raw: str, shown: str) -> None:
    assert escape_text(raw) == shown
    assert len(escape_text(raw + "\n" + raw).splitlines()) == 1


@pytest.mark.parametrize(
    ("line", "safe"),
    [
        ("::error::x", "\\x3a:error::x"),
        ("   ::add-mask::x", "   \\x3a:add-mask::x"),
        ("see ##[error]x", "see \\x23#[error]x"),
        ("##vso[task.complete]x", "\\x23#vso[task.complete]x"),
        ("a::b ## [ #x", "a::b ## [ #x"),  # nothing a runner reads: unchanged
    ],
)
def test_safe_line_defuses_ci_commands(line: str, safe: str) -> None:
    assert safe_line(line) == safe


@pytest.mark.skipif(sys.platform == "win32", reason="newlines in file names are POSIX-only")
def test_a_file_named_like_a_forged_log_cannot_forge_the_cli_output(tmp_path: Path) -> None:
    name = "x\n::error title=forged::x\nVerdict: PASS\n.py"
    try:
        (tmp_path / name).write_text("import os\nos.system(input())\n", encoding="utf-8")
    except OSError:
        pytest.skip("this file system refuses newlines in names")
    result = run_cli("check", str(tmp_path), "--scanner", "bandit")
    assert result.code == 1, result.out + result.err
    lines = result.out.splitlines()
    assert "::error title=forged::x" in result.out  # reported, escaped, on one line
    assert [line for line in lines if COMMAND.match(line)] == []
    assert "Verdict: PASS" not in lines
    assert "Verdict: FAIL" in lines
