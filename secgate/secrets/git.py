"""Where the staged and history modes get their text: git, run as a subprocess.

* :func:`staged_blobs`: the staged (index) content of every file added, copied, modified or
  renamed in the index, read with ``git cat-file --batch`` (one process for all files).
* :func:`history_additions`: every line added by each commit of a revision range, from one
  streamed ``git log -p -U0``; each chunk names the commit, its author date and the path.

Paths are relative to the scanned root (``--relative``), POSIX, like the working-tree mode.
Git's own error text goes into :class:`~secgate.errors.ScannerError` messages; it never holds
file content.
"""

from __future__ import annotations

import codecs
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from secgate.errors import ScannerError

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
COMMIT_MARK = b"\x00secgate-commit "


def _git() -> str:
    git = shutil.which("git")
    if git is None:
        raise ScannerError(
            "git is not installed or not on PATH: the staged and history modes need it"
        )
    return git


def _run(root: Path, args: list[str], timeout: float) -> bytes:
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argument list, git from PATH
            [_git(), "-C", str(root), "-c", "core.quotepath=off", *args],
            capture_output=True,
            timeout=max(1.0, timeout),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ScannerError(f"git {args[0]} timed out") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ScannerError(f"git {args[0]} failed: {message[-1] if message else proc.returncode}")
    return proc.stdout


def require_repository(root: Path, timeout: float = 30.0) -> None:
    """Raise :class:`ScannerError` unless *root* is inside a git work tree."""
    try:
        out = _run(root, ["rev-parse", "--is-inside-work-tree"], timeout)
    except ScannerError as exc:
        raise ScannerError(
            f"{root} is not inside a git repository; the staged and history modes read git ({exc})"
        ) from None
    if out.strip() != b"true":
        raise ScannerError(f"{root} is not inside a git work tree")


def has_commits(root: Path, timeout: float = 30.0) -> bool:
    """Whether the repository at *root* has a HEAD commit (a new repository has none)."""
    try:
        _run(root, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], timeout)
    except ScannerError:
        return False
    return True


def _unquote(path: bytes) -> bytes:
    """Undo git's C-style quoting of unusual paths (``"a\\tb"``)."""
    if len(path) >= 2 and path.startswith(b'"') and path.endswith(b'"'):
        decoded, _ = codecs.escape_decode(path[1:-1])
        return bytes(decoded)
    return path


def decode_path(path: bytes) -> str:
    """A git path as text (invalid UTF-8 replaced)."""
    return path.decode("utf-8", "replace")


def staged_paths(root: Path, timeout: float) -> list[str]:
    """Files added, copied, modified or renamed in the index, relative to *root*."""
    out = _run(
        root,
        ["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR", "--relative", "--"],
        timeout,
    )
    return [decode_path(p) for p in out.split(b"\x00") if p]


def staged_blobs(
    root: Path, paths: list[str], timeout: float, cancel: threading.Event | None = None
) -> Iterator[tuple[str, bytes | None]]:
    """``(path, staged content)`` for each path; content None when git has no blob for it."""
    if not paths:
        return
    request = b"".join(f":./{p}\n".encode("utf-8", "surrogateescape") for p in paths)
    proc = subprocess.Popen(  # noqa: S603 - fixed argument list; one process streams every blob
        [_git(), "-C", str(root), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None  # noqa: S101 - PIPEs above
    writer = threading.Thread(target=_feed, args=(proc.stdin, request), daemon=True)
    writer.start()
    try:
        for path in paths:
            if cancel is not None and cancel.is_set():
                return
            header = proc.stdout.readline()
            parts = header.split()
            if len(parts) != 3 or parts[1] != b"blob":
                yield path, None
                continue
            size = int(parts[2])
            content = proc.stdout.read(size)
            proc.stdout.read(1)  # the newline after each object
            yield path, content
    finally:
        proc.stdout.close()
        try:
            proc.wait(timeout=max(1.0, timeout))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _feed(stream: object, data: bytes) -> None:
    try:
        stream.write(data)  # type: ignore[attr-defined]
        stream.close()  # type: ignore[attr-defined]
    except (BrokenPipeError, ValueError):
        pass


@dataclass
class Addition:
    """The lines one commit added to one file: ``(line number, text)`` pairs, in order."""

    commit: str
    author_date: str
    path: str
    lines: list[tuple[int, bytes]] = field(default_factory=list)


def validate_range(rev_range: str) -> str:
    """Refuse a revision range git could read as an option."""
    value = rev_range.strip()
    if not value or value.startswith("-"):
        raise ScannerError(
            f"history-range {rev_range!r}: expected a revision range such as "
            "'HEAD', 'main..HEAD' or 'v1.0..v2.0'"
        )
    return value


def history_additions(
    root: Path,
    rev_range: str,
    timeout: float,
    cancel: threading.Event | None = None,
    seen: set[str] | None = None,
) -> Iterator[Addition]:
    """Every line added in the commits of *rev_range*, grouped by commit and file.

    Every commit read is added to *seen* (when given), with added lines or not.

    Merge commits contribute nothing of their own (``git log -p`` shows no merge diff), so
    a line is attributed to the commit that introduced it. Binary files are skipped.
    """
    rev = validate_range(rev_range)
    args = [
        _git(),
        "-C",
        str(root),
        "-c",
        "core.quotepath=off",
        "log",
        "-p",
        "-U0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-renames",
        "--relative",
        "--format=%x00secgate-commit %H %aI",
        "--end-of-options",
        rev,
        "--",
    ]
    proc = subprocess.Popen(  # noqa: S603 - fixed list; the range follows --end-of-options
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None  # noqa: S101 - PIPEs above
    errors: list[bytes] = []
    stderr = proc.stderr
    reader = threading.Thread(target=lambda: errors.append(stderr.read()), daemon=True)
    reader.start()
    commit = date = ""
    current: Addition | None = None
    in_header = False
    new_line = 0
    try:
        for raw in proc.stdout:
            if cancel is not None and cancel.is_set():
                proc.kill()
                return
            line = raw[:-1] if raw.endswith(b"\n") else raw
            if line.startswith(COMMIT_MARK):
                if current is not None and current.lines:
                    yield current
                current = None
                _, sha, when = line.split(b" ", 2)
                commit, date = sha.decode("ascii"), when.decode("ascii").strip()
                if seen is not None:
                    seen.add(commit)
                continue
            if line.startswith(b"diff --git "):
                if current is not None and current.lines:
                    yield current
                current = None
                in_header = True
                continue
            if in_header:
                if line.startswith(b"+++ "):
                    target = line[4:]
                    if target != b"/dev/null":
                        target = _unquote(target)
                        if target.startswith(b"b/"):
                            target = target[2:]
                        current = Addition(commit, date, decode_path(target))
                    continue
                if line.startswith(b"@@"):
                    in_header = False
                else:
                    continue
            if line.startswith(b"@@"):
                hunk = _HUNK.match(line)
                new_line = int(hunk.group(1)) if hunk else 0
                continue
            if current is None:
                continue
            if line.startswith(b"+"):
                current.lines.append((new_line, line[1:]))
                new_line += 1
            elif line.startswith(b" "):
                new_line += 1
        if current is not None and current.lines:
            yield current
    finally:
        proc.stdout.close()
        try:
            code = proc.wait(timeout=max(1.0, timeout))
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        reader.join(timeout=5)
    if code != 0 and not (cancel is not None and cancel.is_set()):
        text = b"".join(errors).decode("utf-8", "replace").strip().splitlines()
        raise ScannerError(f"git log {rev} failed: {text[-1] if text else f'exit code {code}'}")
