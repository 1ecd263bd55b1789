"""One file a scanner cannot read never blinds it (issue 13 §2).

A mode-000 file, a FIFO, a dangling link or a file deleted between collection and scan is
listed as not scanned with a reason; every other file is scanned and the scanner's status
stays ok. semgrep used to reject its whole run over such a file ("Invalid scanning root").
The real semgrep, bandit and secrets scanners run here; the non-root case runs a child
as ``nobody`` when the tests run as root and ``setpriv`` is there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import secgate
from secgate.config import Config, ScannerOptions
from secgate.models import ScanStatus, SkippedFile
from secgate.plugins import ScanContext, Scanner
from secgate.scanners import semgrep as sg
from secgate.scanners.bandit import BanditOptions, BanditScanner
from secgate.scanners.secrets import SecretsOptions, SecretsScanner
from secgate.scanners.semgrep import scanner as sg_scanner


@pytest.fixture(autouse=True)
def _raw_scanner_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scanner's own findings, as it reports them: without the adjust step's merging of
    a pattern rule into the taint rule on the same sink, or its unconfirmed marks (both are
    tested in tests/test_evidence.py)."""
    monkeypatch.setenv("SECGATE_DISABLE_PLUGINS", "evidence")


NO_EXCLUDES = Config(exclude=(), respect_gitignore=False, cache=False)
APP = "import os\nos.system(input())\n"
#: Built here so no file of the repository holds something that looks like a key.
AWS_KEY = "AKIA" + "Q3XV7TZ2MKW5RJ4N"
#: What each scanner must still report from the readable files: (rule id, path).
EXPECTED = {
    "bandit": ("B605", "app.py"),
    "semgrep": ("python-os-command-injection", "app.py"),
    "secrets": ("aws-access-key-id", "keys.py"),
}
BAD = ("unreadable.py", "fifo.py", "dangling.py")
needs_semgrep = pytest.mark.skipif(sg.find_binary() is None, reason="semgrep is not installed")
SCANNERS = [
    pytest.param("semgrep", marks=needs_semgrep),
    "bandit",
    "secrets",
]


def _tree(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "app.py").write_text(APP)
    (root / "keys.py").write_text(f'aws_access_key_id = "{AWS_KEY}"\n')
    (root / "unreadable.py").write_text("import os\nos.system(input())\n")
    (root / "unreadable.py").chmod(0)
    os.mkfifo(root / "fifo.py")
    (root / "dangling.py").symlink_to("gone.py")
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[Path]:
    root = _tree(tmp_path / "tree")
    yield root
    (root / "unreadable.py").chmod(0o600)  # so tmp_path can be cleaned up


def _skipped(verdict: secgate.Verdict, name: str) -> dict[str, str]:
    """Files the scanner did not look at: its own list and the collector's."""
    found = {s.path: s.reason for s in verdict.collection.skipped}
    found.update({s.path: s.reason for s in verdict.scanner(name).coverage.skipped})
    return found


@pytest.mark.parametrize("name", SCANNERS)
def test_unreadable_fifo_and_dangling_link_are_listed_and_the_rest_is_scanned(
    tree: Path, name: str
) -> None:
    verdict = secgate.check(tree, config=NO_EXCLUDES, scanners=[name])
    result = verdict.scanner(name)
    assert result.status is ScanStatus.OK, result.error
    assert EXPECTED[name] in {(f.rule_id, f.path) for f in verdict.findings}
    skipped = _skipped(verdict, name)
    assert {"fifo.py", "dangling.py"} <= skipped.keys()
    if name == "semgrep" or os.geteuid() != 0:
        # root reads a mode-000 file, so bandit and the secret scanner scan it; semgrep
        # checks the mode bits itself and refuses it, so secgate lists it instead.
        assert "unreadable.py" in skipped
        reason = skipped["unreadable.py"]
        assert "not scanned" in reason or "cannot be read" in reason
    assert all(skipped[p] for p in BAD if p in skipped)


def _context(root: Path, name: str, files: tuple[str, ...]) -> tuple[Scanner, ScanContext]:
    scanners: dict[str, tuple[Scanner, ScannerOptions]] = {
        "semgrep": (sg.SemgrepScanner(), sg.SemgrepOptions()),
        "bandit": (BanditScanner(), BanditOptions()),
        "secrets": (SecretsScanner(), SecretsOptions()),
    }
    scanner, options = scanners[name]
    context = ScanContext(
        root=root,
        files=files,
        options=options,
        config=NO_EXCLUDES,
        timeout=300,
    )
    return scanner, context


@pytest.mark.parametrize("name", SCANNERS)
def test_files_that_went_bad_after_collection_are_skipped_with_a_reason(
    tree: Path, name: str
) -> None:
    """The scanner itself checks: it may get files that vanished or changed since."""
    (tree / "vanished.py").write_text(APP)
    files = ("app.py", *BAD, "keys.py", "vanished.py")
    (tree / "vanished.py").unlink()
    scanner, context = _context(tree, name, files)
    output = scanner.scan(context)  # a FIFO opened for reading would hang here
    assert output.error is None
    assert EXPECTED[name] in {(f.rule_id, f.path) for f in output.findings}
    reasons = {s.path: s.reason for s in output.skipped}
    wanted = {"fifo.py", "dangling.py", "vanished.py"}
    if name == "semgrep" or os.geteuid() != 0:
        wanted.add("unreadable.py")
    assert wanted <= reasons.keys(), reasons
    assert "vanished" in reasons["vanished.py"]
    assert reasons["fifo.py"] == "not a regular file; not scanned"
    assert reasons["dangling.py"] == "symbolic link, not followed"
    assert "app.py" not in reasons


@needs_semgrep
def test_semgrep_rejecting_a_file_mid_run_is_retried_once_without_it(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that loses its read bit after secgate's check: semgrep names it as an invalid
    scanning root, and one more run without it scans the rest."""
    real = sg.unscannable_targets
    calls: list[int] = []

    def late(root: Path, targets: list[str]) -> dict[str, SkippedFile]:
        calls.append(1)
        return {} if len(calls) == 1 else real(root, targets)

    monkeypatch.setattr(sg_scanner, "unscannable_targets", late)
    scanner, context = _context(tree, "semgrep", ("app.py", "unreadable.py"))
    output = scanner.scan(context)
    assert output.details["semgrep_runs"] == 2
    assert EXPECTED["semgrep"] in {(f.rule_id, f.path) for f in output.findings}
    reasons = {s.path: s.reason for s in output.skipped}
    assert "while semgrep ran" in reasons["unreadable.py"]
    assert output.files_scanned == 1


_CHILD = """
import json, sys
from pathlib import Path
import secgate
from secgate.config import Config
verdict = secgate.check(
    Path(sys.argv[1]),
    config=Config(
        exclude=(), respect_gitignore=False, cache=False, min_coverage=float(sys.argv[3])
    ),
    scanners=[sys.argv[2]],
)
print(json.dumps(verdict.model_dump(mode="json")))
"""


@pytest.mark.parametrize("name", SCANNERS)
def test_a_mode_000_file_as_another_user_is_skipped_and_the_rest_scanned(name: str) -> None:
    """As a user who really cannot read it (a child run as nobody)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to run a child as nobody")
    package = Path(secgate.__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="secgate-nobody-") as tmp:
        Path(tmp).chmod(0o755)
        root = _tree(Path(tmp) / "tree")
        for path in (root, root / "app.py", root / "keys.py"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(package),
            "HOME": tmp,
            "TMPDIR": tmp,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        argv = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        runs = [
            subprocess.run(
                [*argv, sys.executable, "-c", _CHILD, str(root), name, minimum],
                capture_output=True,
                text=True,
                env=env,
                cwd=tmp,
                check=False,
                timeout=300,
            )
            for minimum in ("0.5", "0.9")
        ]
        (root / "unreadable.py").chmod(0o600)
    proc, strict = runs
    if proc.returncode != 0 and not proc.stdout:
        pytest.skip(f"secgate cannot run as nobody here: {proc.stderr.strip()[-300:]}")
    data = json.loads(proc.stdout)
    result = next(s for s in data["scanners"] if s["name"] == name)
    if name == "semgrep" and "cannot start semgrep" in (result["error"] or ""):
        pytest.skip(f"semgrep cannot start as nobody here: {result['error']}")
    assert result["status"] == "ok", result["error"]
    assert list(EXPECTED[name]) in [[f["rule_id"], f["path"]] for f in data["findings"]]
    skipped = {s["path"]: s["reason"] for s in data["collection"]["skipped"]}
    skipped.update({s["path"]: s["reason"] for s in result["coverage"]["skipped"]})
    assert "cannot be read" in skipped["unreadable.py"]
    # The verdict follows min-coverage: 2 of the 4 regular candidates (app.py, keys.py; not
    # unreadable.py, fifo.py; a symbolic link is not a candidate) is 50%.
    assert "the file collector analysed 2 of 4 files (50%)" in " ".join(data["reasons"])
    assert data["status"] != "error"
    strict_data = json.loads(strict.stdout)
    assert strict_data["status"] == "error"
    assert strict_data["decided_by"] == "min-coverage"
