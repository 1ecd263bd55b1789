"""The semgrep scanner reads Python files as Python does, and no file makes it an error.

- A CR-only file or one with a hiding ``coding:`` declaration (utf-7, unicode_escape,
  raw_unicode_escape) is analysed from a copy of the text Python reads (issue 13 §2); the
  copy lives in a private folder outside the tree and is gone after the scan.
- An unknown or undecodable declared coding is a gap of kind ``encoding``.
- A file that vanishes between collection and the semgrep run is retried without it.
- Every gap names its kind.

The real semgrep runs where it matters (one module-scoped scan serves most assertions); the
fake semgrep scripts stand for failures the real one cannot be made to show on demand.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest

import secgate
from secgate.config import Config
from secgate.errors import ScannerError
from secgate.models import GapKind, ScanStatus, SkippedFile, Verdict
from secgate.plugins import ScanContext, ScanOutput
from secgate.scanners import semgrep as sg
from secgate.scanners.semgrep import scanner as sg_scanner
from secgate.scanners.semgrep import targets as st


@pytest.fixture(autouse=True)
def _raw_scanner_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scanner's own findings, as it reports them: without the adjust step's merging of
    a pattern rule into the taint rule on the same sink, or its unconfirmed marks (both are
    tested in tests/test_evidence.py)."""
    monkeypatch.setenv("SECGATE_DISABLE_PLUGINS", "evidence")


needs_semgrep = pytest.mark.skipif(sg.find_binary() is None, reason="semgrep is not installed")
RULE = "python-os-command-injection"
PAYLOAD = "import os\nos.system(input())\n"
SEMGREP_ONLY = Config(select=("semgrep",), exclude=(), respect_gitignore=False, cache=False)


def _utf7_hidden(text: str) -> bytes:
    """*text* in UTF-7 with every character base64-encoded, newlines included, so a reader
    that takes the bytes as UTF-8 sees one line of letters. Python's own encoder writes
    ASCII as itself; this checks that it decodes back to *text*, and is the same UTF-7."""
    encoded = b"+" + base64.b64encode(text.encode("utf-16-be")).rstrip(b"=") + b"-"
    assert encoded.decode("utf-7") == text
    assert text.encode("utf-7").decode("utf-7") == text
    return encoded


#: Each file hides ``os.system(input())`` from a UTF-8, "\n"-only reader; the line Python
#: (and bandit) report it at.
HIDDEN: dict[str, tuple[bytes, int]] = {
    "pkg/mac.py": (b"# comment\rimport os\ros.system(input())\r", 3),
    "mixed.py": (b"import sys\n# note\rimport os\ros.system(input())\n", 4),
    "seven.py": (
        "# coding: utf-7\n".encode("utf-7") + b"# note" + _utf7_hidden("\n" + PAYLOAD),
        4,
    ),
    "escape.py": (b"# coding: unicode_escape\n# note\\nimport os\\nos.system(input())\n", 4),
    "raw_escape.py": (
        b"# coding: raw_unicode_escape\n# note\\u000aimport os\\u000aos.system(input())\n",
        4,
    ),
}
#: Files semgrep reads as Python does: no copy.
PLAIN: dict[str, bytes] = {
    "plain.py": PAYLOAD.encode(),
    "windows.py": PAYLOAD.replace("\n", "\r\n").encode(),
    "latin.py": b"# -*- coding: latin-1 -*-\n" + PAYLOAD.encode(),
}
#: A CR-only file whose finding its own nosemgrep comment suppresses (reported, marked).
SUPPRESSED = {"pkg/quiet.py": b"import os\ros.system(input())  # nosemgrep\r"}
#: Declared codings Python cannot decode the file with: gaps of kind encoding.
BAD_CODING: dict[str, bytes] = {
    "unknown.py": b"# coding: secgate-no-such-codec\n" + PAYLOAD.encode(),
    "undecodable.py": b"# coding: ascii\nname = '\xff'\n" + PAYLOAD.encode(),
}


def _tree(root: Path) -> Path:
    hidden = {rel: data for rel, (data, _) in HIDDEN.items()}
    for rel, data in {**hidden, **SUPPRESSED, **PLAIN, **BAD_CODING}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _listing(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _hits(verdict: Verdict) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for finding in verdict.findings:
        if finding.rule_id == RULE:
            found.setdefault(finding.path, []).append(finding.line or 0)
    return found


@pytest.fixture(scope="module")
def scanned(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Verdict, Path, dict[str, bytes]]:
    """One scan of the tree, with secgate's temporary files in a folder of their own."""
    if sg.find_binary() is None:
        pytest.skip("semgrep is not installed")
    root = _tree(tmp_path_factory.mktemp("tree"))
    before = _listing(root)
    temp = tmp_path_factory.mktemp("private-tmp")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "tempdir", str(temp))
        mp.setenv("SECGATE_DISABLE_PLUGINS", "evidence")  # the scanner's own findings
        verdict = secgate.check(root, config=SEMGREP_ONLY)
    return root, verdict, temp, before


@pytest.fixture(scope="module")
def unaided(tmp_path_factory: pytest.TempPathFactory) -> Verdict:
    """The same tree with the copies turned off: what semgrep alone makes of the bytes."""
    if sg.find_binary() is None:
        pytest.skip("semgrep is not installed")
    root = _tree(tmp_path_factory.mktemp("tree-unaided"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SECGATE_DISABLE_PLUGINS", "evidence")  # the scanner's own findings
        mp.setattr(st, "plan_copies", lambda *_: st.CopyPlan(copies={}, gaps={}))
        return secgate.check(root, config=SEMGREP_ONLY)


# --------------------------------------------------------------------------- real semgrep


@pytest.mark.slow
@needs_semgrep
def test_semgrep_alone_misses_every_hidden_payload(unaided: Verdict) -> None:
    """The control: without the copies, the bytes hide the code from semgrep."""
    hits = _hits(unaided)
    assert not set(HIDDEN) & hits.keys(), hits
    assert set(PLAIN) <= hits.keys()


@pytest.mark.slow
@needs_semgrep
def test_cr_only_file_is_analysed_with_its_line_breaks(
    scanned: tuple[Path, Verdict, Path, dict[str, bytes]],
) -> None:
    _, verdict, _, _ = scanned
    [finding] = [f for f in verdict.findings if f.path == "pkg/mac.py" and f.rule_id == RULE]
    assert (finding.rule_id, finding.line, finding.column) == (RULE, 3, 1)
    assert finding.snippet == "os.system(input())"
    assert finding.properties["analysed_as"] == "CR line endings read as line breaks"


@pytest.mark.slow
@needs_semgrep
def test_every_hidden_payload_is_found_at_the_line_python_counts(
    scanned: tuple[Path, Verdict, Path, dict[str, bytes]],
) -> None:
    _, verdict, _, _ = scanned
    hits = _hits(verdict)
    assert {rel: hits.get(rel) for rel in HIDDEN} == {
        rel: [line] for rel, (_, line) in HIDDEN.items()
    }
    seven = next(f for f in verdict.findings if f.path == "seven.py")
    assert seven.snippet == "os.system(input())"
    assert str(seven.properties["analysed_as"]).startswith("decoded from its declared coding utf-7")
    result = verdict.scanner("semgrep")
    assert result.status is ScanStatus.OK
    assert result.details["analysed_from_copy"] == len(HIDDEN) + len(SUPPRESSED)
    # Two starts: the files as they are, and the copies from their private folder.
    assert result.details["semgrep_runs"] == 2


@pytest.mark.slow
@needs_semgrep
def test_nosemgrep_in_a_copied_file_is_honoured_as_suppressed(
    scanned: tuple[Path, Verdict, Path, dict[str, bytes]],
) -> None:
    _, verdict, _, _ = scanned
    [finding] = [f for f in verdict.findings if f.path == "pkg/quiet.py" and f.rule_id == RULE]
    assert (finding.rule_id, finding.line, finding.suppressed_by) == (RULE, 2, sg.NOSEMGREP)


@pytest.mark.slow
@needs_semgrep
def test_files_semgrep_reads_as_python_does_are_not_copied(
    scanned: tuple[Path, Verdict, Path, dict[str, bytes]],
) -> None:
    _, verdict, _, _ = scanned
    plain = [f for f in verdict.findings if f.path in PLAIN and f.rule_id == RULE]
    assert sorted((f.path, f.line) for f in plain) == [
        ("latin.py", 3),
        ("plain.py", 2),
        ("windows.py", 2),
    ]
    assert all("analysed_as" not in f.properties for f in plain)


@pytest.mark.slow
@needs_semgrep
def test_unknown_or_undecodable_coding_is_an_encoding_gap_not_an_error(
    scanned: tuple[Path, Verdict, Path, dict[str, bytes]],
) -> None:
    _, verdict, _, _ = scanned
    result = verdict.scanner("semgrep")
    assert result.status is ScanStatus.OK, result.error
    gaps = {s.path: s for s in result.coverage.skipped}
    assert sorted(gaps) == sorted(BAD_CODING)
    assert {s.kind for s in gaps.values()} == {GapKind.ENCODING}
    assert "secgate-no-such-codec" in gaps["unknown.py"].reason
    assert "ascii" in gaps["undecodable.py"].reason
    # Its bytes were still read as UTF-8: a finding there is reported all the same.
    assert "unknown.py" in _hits(verdict)
    total = len(HIDDEN) + len(SUPPRESSED) + len(PLAIN) + len(BAD_CODING)
    assert result.coverage.files_scanned == total - len(BAD_CODING)


@pytest.mark.slow
@needs_semgrep
def test_copies_never_touch_the_tree_and_are_removed(
    scanned: tuple[Path, Verdict, Path, dict[str, bytes]],
) -> None:
    root, _, temp, before = scanned
    assert _listing(root) == before
    assert list(temp.iterdir()) == []


# --------------------------------------------------------------------------- vanishing


def _app_tree(root: Path) -> Path:
    root.mkdir()
    (root / "app.py").write_text(PAYLOAD)
    (root / "gone.py").write_text(PAYLOAD)
    return root


@pytest.mark.slow
@needs_semgrep
def test_file_deleted_after_collection_before_semgrep_starts_is_retried_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Collected and checked, then deleted just before semgrep starts: semgrep rejects the
    run ("Invalid scanning root"), one more run without the file scans the rest."""
    root = _app_tree(tmp_path / "tree")
    real = sg.run_semgrep
    starts: list[list[str]] = []

    def deleting(argv: list[str], **kwargs: Any) -> sg.RunOutput:
        starts.append(list(argv))
        if len(starts) == 1:
            (root / "gone.py").unlink()
        return real(argv, **kwargs)

    monkeypatch.setattr(sg_scanner, "run_semgrep", deleting)
    verdict = secgate.check(root, config=SEMGREP_ONLY)
    result = verdict.scanner("semgrep")
    assert result.status is ScanStatus.OK, result.error
    assert _hits(verdict) == {"app.py": [2]}
    [gap] = result.coverage.skipped
    assert (gap.path, gap.kind) == ("gone.py", GapKind.VANISHED)
    assert "while semgrep ran" in gap.reason
    assert result.details["semgrep_runs"] == 2
    assert "./gone.py" in starts[0] and "./gone.py" not in starts[1]
    assert result.coverage.files_scanned == 1


def test_only_file_vanishing_leaves_the_status_ok(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With nothing left to retry, semgrep is not started again and nothing is an error."""
    root = tmp_path / "tree"
    root.mkdir()
    (root / "gone.py").write_text(PAYLOAD)
    fake = _fake(tmp_path / "bin", _INVALID_ROOT_FAKE)

    def deleting(argv: list[str], **kwargs: Any) -> sg.RunOutput:
        (root / "gone.py").unlink(missing_ok=True)
        return real(argv, **kwargs)

    real = sg.run_semgrep
    monkeypatch.setattr(sg_scanner, "run_semgrep", deleting)
    verdict = secgate.check(root, config=_with_binary(fake))
    result = verdict.scanner("semgrep")
    assert result.status is ScanStatus.OK, result.error
    assert [(s.path, s.kind) for s in result.coverage.skipped] == [("gone.py", GapKind.VANISHED)]
    assert result.details["semgrep_runs"] == 1


# --------------------------------------------------------------------------- fakes

PYTHON = sys.executable

#: Reads the file names after "--" and answers like semgrep 1.185 does for the given case.
_FAKE_HEAD = """
    import json, os, sys
    args = sys.argv[1:]
    targets = [a.removeprefix("./") for a in args[args.index("--") + 1:]]
    sarif = next(a.split("=", 1)[1] for a in args if a.startswith("--sarif-output="))
    with open(sarif, "w") as fh:
        json.dump({"runs": [{"results": []}]}, fh)
    def answer(errors, scanned):
        json.dump({"version": "1.185.0", "results": [], "errors": errors,
                   "paths": {"scanned": scanned}}, sys.stdout)
"""
#: semgrep's answer to a root that is gone when it starts.
_INVALID_ROOT_FAKE = (
    _FAKE_HEAD
    + """
    missing = [t for t in targets if not os.path.exists(t)]
    if missing:
        answer([{"code": 2, "level": "error", "type": "SemgrepError",
                 "message": f"Invalid scanning root: {missing[0]}"}], [])
        sys.exit(2)
    answer([], targets)
"""
)
#: A file that disappears after semgrep's own check: it fails over that one path (an error
#: type secgate does not take as per-file), then deletes it, as a racing process would.
_VANISH_MID_RUN_FAKE = (
    _FAKE_HEAD
    + """
    if "late.py" in targets:
        os.unlink("late.py")
        answer([{"code": 2, "level": "error", "type": "FatalError", "path": "late.py",
                 "message": "Fatal error: late.py: No such file or directory"}], [])
        sys.exit(2)
    answer([], targets)
"""
)
#: Per-file problems semgrep reports and goes on: a parse error, a rule timeout, an unknown
#: per-file type, and a file it left out without saying why.
_PER_FILE_FAKE = (
    _FAKE_HEAD
    + """
    answer(
        [
            {"code": 3, "level": "warn", "type": ["PartialParsing", []], "path": "bad.py",
             "message": "Syntax error at line bad.py:1: `(` was unexpected"},
            {"code": 2, "level": "warn", "type": "Timeout", "path": "slow.py",
             "rule_id": "python-eval-exec-injection",
             "message": "Timeout when running python-eval-exec-injection on slow.py"},
            {"code": 3, "level": "warn", "type": "OutOfMemory", "path": "huge.py",
             "message": "Out of memory on huge.py"},
            {"code": 3, "level": "warn", "type": "TooManyMatches", "path": "many.py",
             "message": "too many matches in many.py"},
        ],
        [t for t in targets if t != "left.py"],
    )
    sys.exit(3)
"""
)


def _fake(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "semgrep"
    script.write_text(f"#!{PYTHON}\n" + textwrap.dedent(body))
    script.chmod(0o755)
    return script


def _with_binary(fake: Path) -> Config:
    return Config(
        select=("semgrep",),
        exclude=(),
        respect_gitignore=False,
        cache=False,
        scanners={"semgrep": {"binary": str(fake)}},
    )


def _scan(root: Path, files: tuple[str, ...], fake: Path) -> ScanOutput:
    context = ScanContext(
        root=root,
        files=files,
        options=sg.SemgrepOptions(binary=str(fake)),
        config=Config(cache=False),
        timeout=60,
    )
    return sg.SemgrepScanner().scan(context)


@pytest.mark.parametrize("with_path", [True, False], ids=["error-path", "message-only"])
def test_a_file_vanishing_after_semgreps_own_check_is_retried_without_it(
    tmp_path: Path, with_path: bool
) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    for name in ("app.py", "late.py"):
        (root / name).write_text(PAYLOAD)
    body = _VANISH_MID_RUN_FAKE
    if not with_path:
        body = body.replace(' "path": "late.py",', "")
        assert body != _VANISH_MID_RUN_FAKE
    output = _scan(root, ("app.py", "late.py"), _fake(tmp_path / "bin", body))
    assert output.error is None
    assert [(s.path, s.kind) for s in output.skipped] == [("late.py", GapKind.VANISHED)]
    assert "while semgrep ran" in output.skipped[0].reason
    assert output.details["semgrep_runs"] == 2
    assert output.files_scanned == 1


def test_a_fatal_error_about_a_file_still_there_is_still_an_error(tmp_path: Path) -> None:
    """The retry is for files that went: the same error over a file that is still readable
    is not taken for a vanished file (the gate fails closed)."""
    body = _VANISH_MID_RUN_FAKE.replace('os.unlink("late.py")', "pass")
    root = tmp_path / "tree"
    root.mkdir()
    for name in ("app.py", "late.py"):
        (root / name).write_text(PAYLOAD)
    with pytest.raises(ScannerError, match=r"Fatal error: late\.py"):
        _scan(root, ("app.py", "late.py"), _fake(tmp_path / "bin", body))


def test_every_per_file_gap_names_its_kind(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    names = ("bad.py", "slow.py", "huge.py", "many.py", "left.py", "ok.py")
    for name in names:
        (root / name).write_text(PAYLOAD)
    output = _scan(root, names, _fake(tmp_path / "bin", _PER_FILE_FAKE))
    kinds = {s.path: s.kind for s in output.skipped}
    assert kinds == {
        "bad.py": GapKind.UNPARSABLE,
        "slow.py": GapKind.TIMED_OUT,
        "huge.py": GapKind.TOO_BIG,
        "many.py": GapKind.OTHER,
        "left.py": GapKind.OTHER,
    }
    assert output.files_scanned == 1


def test_files_semgrep_would_reject_are_gaps_of_their_kind_before_it_starts(
    tmp_path: Path,
) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "app.py").write_text(PAYLOAD)
    (root / "locked.py").write_text(PAYLOAD)
    (root / "locked.py").chmod(0)
    os.mkfifo(root / "fifo.py")
    (root / "link.py").symlink_to("app.py")
    (root / "folder.py").mkdir()
    # Would crash the scan if started: every candidate but app.py is rejected first.
    fake = _fake(
        tmp_path / "bin",
        _FAKE_HEAD + "\n    assert targets == ['app.py']\n    answer([], targets)\n",
    )
    try:
        output = _scan(
            root, ("app.py", "locked.py", "fifo.py", "link.py", "folder.py", "gone.py"), fake
        )
    finally:
        (root / "locked.py").chmod(0o600)
    assert {s.path: s.kind for s in output.skipped} == {
        "locked.py": GapKind.UNREADABLE,
        "fifo.py": GapKind.NOT_REGULAR,
        "folder.py": GapKind.NOT_REGULAR,
        "link.py": GapKind.SYMLINK,
        "gone.py": GapKind.VANISHED,
    }
    assert output.files_scanned == 1


# --------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize("rel", sorted(PLAIN))
def test_files_python_and_semgrep_read_alike_need_no_copy(rel: str) -> None:
    assert st.python_text(rel, PLAIN[rel]) is None


def test_undeclared_non_utf8_bytes_are_left_to_semgrep() -> None:
    """Python cannot run it; semgrep says what it makes of it (a syntax error)."""
    assert st.python_text("blob.py", b"\x7fELF\x02\x01\xff\xfe\n") is None


@pytest.mark.parametrize("rel", sorted(HIDDEN))
def test_hidden_payloads_get_the_text_python_reads(rel: str) -> None:
    data, line = HIDDEN[rel]
    copy = st.python_text(rel, data)
    assert isinstance(copy, st.SourceCopy)
    assert "\r" not in copy.text
    assert copy.text.split("\n")[line - 1] == "os.system(input())"


def test_python_agrees_on_the_hidden_lines() -> None:
    """The line numbers are Python's own: the call is on the line its compiler records."""
    import ast  # noqa: PLC0415

    for rel, (data, line) in HIDDEN.items():
        calls = [n for n in ast.walk(ast.parse(data)) if isinstance(n, ast.Call)]
        system = [c for c in calls if isinstance(c.func, ast.Attribute) and c.func.attr == "system"]
        assert [c.lineno for c in system] == [line], rel


@pytest.mark.parametrize("rel", sorted(BAD_CODING))
def test_codings_python_cannot_use_are_encoding_gaps(rel: str) -> None:
    gap = st.python_text(rel, BAD_CODING[rel])
    assert isinstance(gap, SkippedFile)
    assert gap.kind is GapKind.ENCODING
    with pytest.raises(SyntaxError):
        compile(BAD_CODING[rel], rel, "exec")


def test_a_coding_name_is_quoted_short_and_printable() -> None:
    name = "x" * 200
    gap = st.python_text("a.py", f"# coding: {name}\n".encode())
    assert isinstance(gap, SkippedFile)
    assert name not in gap.reason and "xxx..." in gap.reason


def test_copies_are_refused_inside_the_scanned_tree(tmp_path: Path) -> None:
    copy = st.python_text("a.py", HIDDEN["pkg/mac.py"][0])
    assert isinstance(copy, st.SourceCopy)
    failed = st.write_copies({"a.py": copy}, tmp_path / "copies", tmp_path)
    assert "outside the scanned tree" in failed["a.py"]
    assert not (tmp_path / "copies").exists()
    written = st.write_copies({"a.py": copy}, tmp_path / "copies", tmp_path / "tree")
    assert written == {}
    assert (
        tmp_path / "copies" / "a.py"
    ).read_text() == "# comment\nimport os\nos.system(input())\n"


def test_private_folder_is_never_inside_the_scanned_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = tmp_path / "tree" / "tmp"
    inside.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(inside))
    base = st.private_base(tmp_path / "tree")
    assert base is not None
    assert not Path(base).resolve().is_relative_to((tmp_path / "tree").resolve())
    assert st.private_base(Path("/")) is None


def test_hidden_file_in_a_tree_whose_temp_folder_is_inside_it_is_a_gap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No private folder outside the tree: the file is not copied into the tree but listed."""
    root = tmp_path / "tree"
    (root / "tmp").mkdir(parents=True)
    monkeypatch.setattr(sg_scanner, "private_base", lambda *_: None)
    monkeypatch.setattr(tempfile, "tempdir", str(root / "tmp"))
    (root / "mac.py").write_bytes(HIDDEN["pkg/mac.py"][0])
    fake = _fake(tmp_path / "bin", _FAKE_HEAD + "\n    answer([], targets)\n")
    before = _listing(root)
    output = _scan(root, ("mac.py",), fake)
    assert [(s.path, s.kind) for s in output.skipped] == [("mac.py", GapKind.OTHER)]
    assert "outside the scanned tree" in output.skipped[0].reason
    assert _listing(root) == before


def test_error_kinds_cover_every_per_target_error_type() -> None:
    assert frozenset(st.TARGET_ERROR_KINDS) == sg._TARGET_ERRORS
    assert st.error_kind("syntaxerror") is GapKind.UNPARSABLE
    assert st.error_kind("timeout") is GapKind.TIMED_OUT
    assert st.first_kind([GapKind.TIMED_OUT, GapKind.UNPARSABLE]) is GapKind.UNPARSABLE


def test_fake_answers_are_json(tmp_path: Path) -> None:
    """The fakes above speak semgrep's JSON (a broken fake would make the tests moot)."""
    import subprocess  # noqa: PLC0415

    fake = _fake(tmp_path / "bin", _PER_FILE_FAKE)
    out = subprocess.run(
        [str(fake), f"--sarif-output={tmp_path / 'o.sarif'}", "--", "./a.py"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert out.returncode == 3
    assert json.loads(out.stdout)["paths"]["scanned"] == ["a.py"]


@pytest.mark.slow
@needs_semgrep
def test_cached_results_of_a_copied_file_keep_its_finding(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "mac.py").write_bytes(HIDDEN["pkg/mac.py"][0])
    config = Config(select=("semgrep",), exclude=(), respect_gitignore=False)
    first = secgate.check(root, config=config)
    again = secgate.check(root, config=config)
    assert again.scanner("semgrep").details["cache_hits"] == 1
    for verdict in (first, again):
        [finding] = [f for f in verdict.findings if f.rule_id == RULE]
        assert (finding.path, finding.line, finding.snippet) == ("mac.py", 3, "os.system(input())")
        assert finding.properties["analysed_as"] == "CR line endings read as line breaks"


def test_cache_token_names_how_files_are_read() -> None:
    """Results cached before files were read as Python reads them are never reused."""
    token = sg.SemgrepScanner().cache_token(sg.SemgrepOptions())
    assert token.endswith(f"|reading:{sg.READING}")
