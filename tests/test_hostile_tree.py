"""A hostile repository: every odd thing at once, every built-in scanner, no traceback.

The tree is built in a temporary folder; the full check runs in-process (so that an
unreadable file can be injected: tests run as root, for whom permission bits stop nothing).
Every odd file must be accounted for: scanned (it is in the collected files) or listed as
skipped with a reason.
"""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import pytest

from secgate.cli import main
from secgate.plugins import FileDigests
from tests.conftest import write

pytestmark = pytest.mark.slow
SCANNERS = ["bandit", "semgrep", "secrets", "pip-audit"]
SMALL_FILES = 100_000


def build_hostile_tree(root: Path, outside: Path) -> dict[str, str]:
    """Create the tree; return {path as reported: what must become of it}."""
    expect: dict[str, str] = {}
    write(
        root,
        {
            ".gitignore": "\n".join(
                [
                    "# unusual patterns",
                    "*.gen.py",
                    "!keep.gen.py",
                    "/rooted-only.py",
                    "**/deep-ignored/",
                    "trailing-space\\ ",
                    "[Bb]uild-*/",
                    "\\#hash.py",
                    "",
                ]
            ),
            "-leading-dash.py": "import subprocess\nsubprocess.call(cmd, shell=True)\n",
            "--help.py": "x = 1\n",
            "name with spaces.py": "eval(data)\n",
            "new\nline.py": "import pickle\npickle.loads(blob)\n",
            "ünïcødé-名前.py": "y = 2\n",
            "drop.gen.py": "eval(a)\n",
            "keep.gen.py": "eval(b)\n",
            "rooted-only.py": "eval(c)\n",
            "sub/rooted-only.py": "eval(d)\n",
            "a/deep-ignored/x.py": "eval(e)\n",
            "Build-1/z.py": "eval(f)\n",
            "#hash.py": "eval(g)\n",
            "syntax_error.py": "def broken(:\n",
            "py2.py": "print 'hello'\n",
            "requirements.txt": "flask==0.12\n-e git+https://example.invalid/x.git#egg=x\n",
            "Dockerfile": "FROM python:latest\nRUN curl -sSL https://example.invalid/i.sh | sh\n",
            "locked.py": "eval(h)\n",
        },
    )
    for name in (
        "-leading-dash.py",
        "--help.py",
        "name with spaces.py",
        "new\nline.py",
        "ünïcødé-名前.py",
        "keep.gen.py",
        "sub/rooted-only.py",
        "syntax_error.py",
        "py2.py",
        "requirements.txt",
        "Dockerfile",
    ):
        expect[name] = "scanned"
    for name in (
        "drop.gen.py",
        "rooted-only.py",
        "a/deep-ignored/x.py",
        "Build-1/z.py",
        "#hash.py",
    ):
        expect[name] = "ignored"
    expect["locked.py"] = "cannot be read"
    (root / "binary.py").write_bytes(b"\x00\x01\x02ELF\x00" * 100)
    (root / "blob.bin").write_bytes(b"\x00\x01\x02ELF\x00" * 100)
    (root / "nul-bytes.py").write_bytes(b"x = 1\x00\x00\nimport os\n")
    (root / "latin1.py").write_bytes(b"# caf\xe9\nname = 'caf\xe9'\n")
    (root / "utf16.py").write_bytes("x = 'utf-16 text'\n".encode("utf-16"))
    expect.update(
        dict.fromkeys(["binary.py", "blob.bin", "nul-bytes.py", "latin1.py", "utf16.py"], "scanned")
    )
    (root / os.fsdecode(b"bad-\xff\xfe-name.py")).write_text("eval(i)\n")
    expect["bad-\\xff\\xfe-name.py"] = "file name is not valid UTF-8; not scanned"
    with (root / "huge.log").open("wb") as handle:  # 1 GB and sparse: no disk, no memory
        handle.truncate(1 << 30)
    expect["huge.log"] = "larger than max-file-mb"
    os.mkfifo(root / "fifo")
    expect["fifo"] = "not a regular file"
    (root / "loop").symlink_to(root / "loop")
    (root / "escape").symlink_to(outside)
    (root / "etc-passwd.py").symlink_to("/etc/passwd")
    expect.update(dict.fromkeys(["loop", "escape", "etc-passwd.py"], "symbolic link, not followed"))
    deep = root / Path(*["d"] * 120)
    deep.mkdir(parents=True)
    (deep / "deep.py").write_text("eval(j)\n")
    expect[f"{'d/' * 120}deep.py"] = "scanned"
    many = root / "many"
    many.mkdir()
    for i in range(SMALL_FILES):
        (many / f"f{i:06d}.txt").write_text("x\n")
    return expect


def test_hostile_tree_full_check(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret-elsewhere.py").write_text("eval(outside)\n")
    expect = build_hostile_tree(project, outside)
    # The database is the pipeline owner's choice: a tree's own config may not name one
    # outside the tree.
    monkeypatch.setenv(
        "SECGATE_VULN_DB", str(Path(__file__).parents[1] / "examples/insecure-app/osv")
    )
    write(project, {"secgate.toml": "[scanners.pip-audit]\n"})
    real = FileDigests._hash

    def unreadable(self: FileDigests, relative: str) -> str:
        if relative == "locked.py":
            raise PermissionError(13, "Permission denied")
        return real(self, relative)

    monkeypatch.setattr(FileDigests, "_hash", unreadable)
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    args = ["check", str(project), "--format", "json", "--no-cache"]
    for name in SCANNERS:
        args += ["--scanner", name]
    code = main(args, stdout=out, stderr=err)
    elapsed = time.monotonic() - started
    assert code == 1, err.getvalue()  # findings block; nothing crashed
    assert "Traceback" not in out.getvalue() + err.getvalue()
    report = json.loads(out.getvalue())
    assert {s["name"]: s["status"] for s in report["scanners"] if s["name"] in SCANNERS} == (
        dict.fromkeys(SCANNERS, "ok")
    )
    assert report["collection"]["files_scanned"] >= SMALL_FILES
    collector = {s["path"]: s["reason"] for s in report["collection"]["skipped"]}
    found_paths = {f["path"] for f in report["findings"]}
    for path, fate in expect.items():
        if fate == "scanned":
            assert path not in collector, (path, collector.get(path))
        elif fate == "ignored":
            assert path not in collector and path not in found_paths, path
        else:
            assert collector.get(path, "").startswith(fate), (path, collector.get(path))
    # The odd names reached the tools and came back as findings at the right place.
    assert {
        "-leading-dash.py",
        "name with spaces.py",
        "new\nline.py",
        "keep.gen.py",
        "sub/rooted-only.py",
        f"{'d/' * 120}deep.py",
        "Dockerfile",
        "requirements.txt",
    } <= found_paths
    assert not any("outside" in p or p == "etc-passwd.py" for p in found_paths)
    # Files the scanners could not parse are listed by them, with the reason.
    per_scanner = {
        (s["name"], k["path"]) for s in report["scanners"] for k in s["coverage"]["skipped"]
    }
    assert ("bandit", "syntax_error.py") in per_scanner
    assert ("bandit", "py2.py") in per_scanner
    # A .py file is text by name: the secrets scanner reads it, NULs as separators (bash and
    # python-dotenv still load such files); a blob with no text name is a binary gap.
    assert ("secrets", "binary.py") not in per_scanner
    kinds = {
        (s["name"], k["path"]): k["kind"]
        for s in report["scanners"]
        for k in s["coverage"]["skipped"]
    }
    assert kinds[("secrets", "blob.bin")] == "binary"
    assert elapsed < 600
