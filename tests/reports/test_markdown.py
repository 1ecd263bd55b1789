"""The Markdown pull-request summary: exact output on a frozen verdict, escaping, length bound."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import secgate
from secgate.models import Finding, Severity, Verdict
from secgate.plugins import make_plugin_host
from secgate.reports.markdown import MAX_CHARS, MAX_FINDING_ROWS, TRUNCATED, MarkdownReporter
from tests.conftest import TESTS, run_cli, write

FIXTURES = TESTS / "fixtures" / "reports"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@pytest.fixture
def frozen() -> Verdict:
    return Verdict.model_validate_json((FIXTURES / "verdict.json").read_text(encoding="utf-8"))


def test_rendered_markdown_matches_the_expected_file(frozen: Verdict) -> None:
    expected = (FIXTURES / "expected.md").read_text(encoding="utf-8")
    assert MarkdownReporter().render(frozen) == expected


def test_markdown_is_registered_for_format_and_report_flags() -> None:
    reporters = make_plugin_host().reporters()
    assert reporters["markdown"] is MarkdownReporter
    assert reporters["markdown"].extension == ".md"


def _row_of(text: str, needle: str) -> str:
    [row] = [line for line in text.splitlines() if line.startswith("|") and needle in line]
    return row


def test_cells_escape_pipes_backticks_html_and_newlines(frozen: Verdict) -> None:
    finding = frozen.blocking[0].model_copy(
        update={
            "message": "ROW-A a|b `c` <script>x</script>\n| --- |\nnext",
            "path": "we`ird|dir/f.py",
            "rule_id": "R|``1",
        }
    )
    findings = (finding, *frozen.findings[1:])
    text = MarkdownReporter().render(frozen.model_copy(update={"findings": findings}))
    row = _row_of(text, "ROW-A")
    assert len(UNESCAPED_PIPE.findall(row)) == 5  # four cells, nothing leaks a column
    assert "<script>" not in text and "\\<script\\>" in row
    assert "\\`c\\`" in row
    # Code spans use a fence longer than any backtick run inside them.
    assert "```fake-marker/R\\|``1```" in row
    assert "``we`ird\\|dir/f.py:2``" in row
    assert "\n| --- |\nnext" not in text


def test_snippets_and_scanner_properties_never_appear(frozen: Verdict) -> None:
    finding = frozen.blocking[0].model_copy(
        update={"snippet": "SNIPPET-VALUE-7f3a", "properties": {"preview": "PROP-9c1e"}}
    )
    findings = (finding, *frozen.findings[1:])
    text = MarkdownReporter().render(frozen.model_copy(update={"findings": findings}))
    assert "SNIPPET-VALUE-7f3a" not in text and "PROP-9c1e" not in text


def _many(frozen: Verdict, count: int, message_length: int) -> Verdict:
    template = frozen.blocking[0]
    findings: list[Finding] = [
        template.model_copy(
            update={
                "path": f"src/module_{i:05}.py",
                "line": i + 1,
                "severity": Severity.CRITICAL if i % 7 == 0 else Severity.HIGH,
                "message": f"finding {i} " + "x" * message_length,
                "fingerprint": f"{i:032x}",
            }
        )
        for i in range(count)
    ]
    return frozen.model_copy(update={"findings": tuple(findings)})


def test_thousands_of_findings_are_capped_to_the_worst_rows(frozen: Verdict) -> None:
    text = MarkdownReporter().render(_many(frozen, 5000, 400))
    assert len(text) <= MAX_CHARS
    assert "### Blocking findings (5000)" in text
    rows = [line for line in text.splitlines() if line.startswith("| critical | [`fake")]
    assert len(rows) == MAX_FINDING_ROWS  # 715 criticals: the table shows only the worst
    assert f"… and {5000 - MAX_FINDING_ROWS} more" in text
    assert "| critical | 715 | 0 | 715 |" in text  # the counts still cover every finding
    assert TRUNCATED not in text  # capped, not cut


def test_hard_length_bound_cuts_at_a_line_and_says_so(frozen: Verdict) -> None:
    results = tuple(
        frozen.scanners[0].model_copy(update={"name": f"tool-{i:04}", "error": "e" * 2000})
        for i in range(2000)
    )
    huge = _many(frozen, 3000, 400).model_copy(update={"scanners": results})
    text = MarkdownReporter().render(huge)
    assert len(text) <= MAX_CHARS < 65_536
    assert text.endswith(f"\n\n{TRUNCATED}\n")
    body = text[: -len(TRUNCATED) - 2]
    assert all(  # every table row that survived is whole
        len(UNESCAPED_PIPE.findall(line)) in (7, 5, 3)
        for line in body.splitlines()
        if line.startswith("|")
    )


def test_passing_run_renders_a_short_pass(fake_plugin: Path, project: Path) -> None:
    write(project, {"a.py": "x = 1  # FAKE-ISSUE(low)\n"})
    verdict = secgate.check(project, scanners=["fake-marker"])
    text = MarkdownReporter().render(verdict)
    assert text.startswith("<!-- secgate-report -->\n## secgate: PASS\n")
    assert "### Blocking findings" not in text and "### Scanner errors" not in text
    assert "| `below-threshold` | 1 |" in text


def test_markdown_as_the_main_format_goes_to_stdout(fake_plugin: Path, project: Path) -> None:
    write(project, {"app.py": "# FAKE-ISSUE(critical)\n"})
    result = run_cli("check", str(project), "--scanner", "fake-marker", "--format", "markdown")
    assert result.code == 1
    assert "## secgate: FAIL" in result.out
    assert (
        "| critical | [`fake-marker/FAKE001`](https://example.invalid/fake001) | `app.py:1` | "
        in (result.out)
    )
