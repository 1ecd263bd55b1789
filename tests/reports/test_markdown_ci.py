"""The Markdown report in CI: every gap listed, rule documentation and commit links, long
tables folded, messages cut at a word.

One real scan (bandit, semgrep, the collector) of a small git repository with a file over
``max-file-mb``, a binary ``.py`` file, a syntax error and a folder with a space in its name.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from secgate.models import Verdict
from secgate.reports.json_report import load_report
from secgate.reports.markdown import (
    FOLD_AFTER,
    MARKER,
    TRUNCATED,
    MarkdownReporter,
    blob_url_base,
    bound,
    cut,
    link_target,
)
from tests.conftest import run_cli

SHA = "0123456789abcdef0123456789abcdef01234567"
CI_VARIABLES = (
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_SHA",
    "CI_PROJECT_URL",
    "CI_COMMIT_SHA",
)
SHELL_CALLS = "import subprocess\n" + "".join(
    f"\n\ndef run{i}(cmd):\n    return subprocess.call(cmd + '{i}', shell=True)\n"
    for i in range(12)
)


@pytest.fixture(scope="module")
def verdict(tmp_path_factory: pytest.TempPathFactory) -> Verdict:
    root = tmp_path_factory.mktemp("md") / "repo"
    (root / "dir with space").mkdir(parents=True)
    (root / "app.py").write_text(SHELL_CALLS, encoding="utf-8")
    (root / "dir with space" / "x.py").write_text(
        "import pickle\n\n\ndef load(data):\n    return pickle.loads(data)\n", encoding="utf-8"
    )
    (root / "big.py").write_text("# filler\n" * 150_000, encoding="utf-8")  # 1.35 MB
    (root / "blob.py").write_bytes(b"\x00\x01\x02binary")
    (root / "broken.py").write_text("def broken(:\n", encoding="utf-8")
    (root / "secgate.toml").write_text(
        'max-file-mb = 1\nfail-on = "low"\nblock-unconfirmed = true\n', encoding="utf-8"
    )
    git = shutil.which("git")
    assert git is not None
    subprocess.run([git, "init", "-q", str(root)], check=True)
    report = root.parent / "report.json"
    result = run_cli("check", str(root), "--no-cache", "--format", "json", "--output", str(report))
    assert result.code == 1, result.err
    return load_report(report)


@pytest.fixture
def no_ci(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _section(text: str, title: str) -> str:
    start = text.index(f"### {title}")
    end = text.find("\n### ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_not_scanned_lists_every_gap_with_its_kind_and_who_skipped_it(
    verdict: Verdict, no_ci: pytest.MonkeyPatch
) -> None:
    text = MarkdownReporter().render(verdict)
    assert text.startswith(MARKER + "\n")
    gaps = [("collector", g) for g in verdict.collection.skipped]
    gaps += [(r.name, g) for r in verdict.scanners for g in r.coverage.skipped]
    kinds = {g.kind.value for _, g in gaps}
    assert {"too-big", "binary", "unparsable"} <= kinds
    section = _section(text, f"Not scanned ({len(gaps)})")
    for who, gap in gaps:
        assert f"| `{gap.path}` | `{gap.kind.value}` | {who} |" in section
    assert "| `big.py` | `too-big` | collector | larger than max-file-mb" in section


def test_rules_link_to_their_documentation(verdict: Verdict, no_ci: pytest.MonkeyPatch) -> None:
    text = MarkdownReporter().render(verdict)
    blocking = _section(text, "Blocking findings")
    documented = [f for f in verdict.blocking if f.help_url]
    assert documented
    for finding in documented:
        link = f"[`{finding.scanner}/{finding.rule_id}`]({finding.help_url})"
        assert link in blocking


def test_locations_link_to_the_commit_on_github(
    verdict: Verdict, no_ci: pytest.MonkeyPatch
) -> None:
    no_ci.setenv("GITHUB_SERVER_URL", "https://github.example")
    no_ci.setenv("GITHUB_REPOSITORY", "octo/shop")
    no_ci.setenv("GITHUB_SHA", SHA)
    text = MarkdownReporter().render(verdict)
    blob = f"https://github.example/octo/shop/blob/{SHA}/"
    assert any(f.path == "app.py" and f.line == 5 for f in verdict.blocking)
    assert f"[`app.py:5`]({blob}app.py#L5)" in text
    [pickled] = [f for f in verdict.blocking if f.rule_id == "python-pickle-load"]
    assert f"[`dir with space/x.py:{pickled.line}`]" in text
    assert f"({blob}dir%20with%20space/x.py#L{pickled.line})" in text  # percent-encoded
    assert f"[`big.py`]({blob}big.py)" in _section(text, "Not scanned")  # a gap: no line


def test_locations_link_to_the_commit_on_gitlab(
    verdict: Verdict, no_ci: pytest.MonkeyPatch
) -> None:
    no_ci.setenv("CI_PROJECT_URL", "https://gitlab.example/group/shop")
    no_ci.setenv("CI_COMMIT_SHA", SHA)
    text = MarkdownReporter().render(verdict)
    assert f"[`app.py:5`](https://gitlab.example/group/shop/-/blob/{SHA}/app.py#L5)" in text


def test_no_commit_links_outside_ci_or_from_odd_values(
    verdict: Verdict, no_ci: pytest.MonkeyPatch
) -> None:
    plain = MarkdownReporter().render(verdict)
    assert "/blob/" not in plain and "| `app.py:5` |" in plain
    no_ci.setenv("GITHUB_SERVER_URL", "https://github.com")
    no_ci.setenv("GITHUB_REPOSITORY", "o/r) [x](javascript:alert(1)")
    no_ci.setenv("GITHUB_SHA", SHA)
    no_ci.setenv("CI_PROJECT_URL", "javascript:alert(1)//")
    no_ci.setenv("CI_COMMIT_SHA", SHA)
    assert MarkdownReporter().render(verdict) == plain
    assert blob_url_base({"CI_PROJECT_URL": "https://g.example/p", "CI_COMMIT_SHA": "main"}) is None


def test_long_tables_fold_into_details(verdict: Verdict, no_ci: pytest.MonkeyPatch) -> None:
    text = MarkdownReporter().render(verdict)
    blocking = _section(text, "Blocking findings")
    assert len(verdict.blocking) > FOLD_AFTER
    open_part, folded = blocking.split("<details>")
    assert open_part.count("\n| high |") == FOLD_AFTER  # the worst stay visible
    rest = len(verdict.blocking) - FOLD_AFTER
    assert f"<summary>{rest} more blocking findings</summary>\n\n| Severity |" in folded
    assert folded.rstrip().endswith("</details>")


def test_messages_are_cut_at_a_word_with_an_ellipsis(
    verdict: Verdict, no_ci: pytest.MonkeyPatch
) -> None:
    text = MarkdownReporter().render(verdict)
    messages = {" ".join(f.message.split()) for f in verdict.blocking}
    cut_cells = [
        line.rsplit(" | ", 1)[1].removesuffix(" |")
        for line in _section(text, "Blocking findings").splitlines()
        if line.endswith("… |")
    ]
    assert cut_cells  # semgrep's rule messages are longer than a cell
    for cell in cut_cells:
        shown = cell.removesuffix("…").replace("\\", "")
        [whole] = [m for m in messages if m.startswith(shown)]
        assert whole[len(shown)] in " ,.;:", (shown, whole)  # the next character ends a word


def test_cut_keeps_whole_words_and_bounds_the_length() -> None:
    text = "alpha beta gamma delta epsilon"
    assert cut(text, 100) == text
    assert cut(text, 14) == "alpha beta…"
    assert cut(text, 17) == "alpha beta gamma…"
    assert cut("x" * 50, 10) == "x" * 9 + "…"  # one long word: cut inside it
    for limit in range(2, len(text)):
        assert len(cut(text, limit)) <= limit


def test_documentation_links_are_http_and_cannot_break_out() -> None:
    assert link_target("javascript:alert(1)") is None
    assert link_target("data:text/html,x") is None
    hostile = link_target("https://docs.example/a) [x](https://evil.example/ `|<b>")
    assert hostile is not None
    assert re.fullmatch(r"[A-Za-z0-9:/?#@!$&*+,;=%._~-]+", hostile)
    assert hostile.startswith("https://docs.example/a%29%20%5Bx%5D%28")


def test_a_cut_inside_details_still_closes_it() -> None:
    text = "\n".join(["<details>", "<summary>s</summary>", "", *(["| row |"] * 20_000)])
    bounded = bound(text, 2_000)
    assert len(bounded) <= 2_000
    assert bounded.endswith(f"\n</details>\n\n{TRUNCATED}\n")
