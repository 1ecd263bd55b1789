"""Which files semgrep can take, and the text it must be given for the others.

semgrep aborts its whole run over one target it cannot take ("Invalid scanning root"), so
the files it would reject (gone, unreadable, not a regular file, without the owner read bit)
are found before it starts and listed as gaps, each with its :class:`~secgate.models.GapKind`.

semgrep reads every file as UTF-8 with ``\\n`` line ends. Python does not: it honours a
``coding:`` declaration and takes a lone ``\\r`` as a line end too. So a Python file that
Python reads differently is analysed as Python reads it, from a copy:

- **CR-only line endings** (old Mac style): semgrep sees one line, and a leading ``# comment``
  hides the rest. The copy has them as ``\\n``; line numbers do not change.
- **A declared coding** (``utf-7``, ``unicode_escape``, ``raw_unicode_escape``, ``latin-1``…)
  that makes the text differ from a UTF-8 reading: the copy is the decoded text, in UTF-8.
  Line numbers, columns and snippets are those of the decoded text, as Python (and bandit)
  count them; for ``utf-7`` and the escape codecs they can differ from the raw file's, since
  an encoded ``\\n`` (``+AAo-``, ``\\n``, ``\\u000a``) starts a new line only once decoded.
  Such findings carry ``properties["analysed_as"]`` saying so.

Copies go to a private temporary folder outside the scanned tree (mirroring each file's
relative path) and are removed with it; semgrep runs on them in a start of its own from that
folder, so its paths are the original relative paths. A declared coding that Python does not
know (a codec registered at run time could turn the file into other code) or that does not
decode the file is a gap of kind ``encoding``; semgrep still analyses its bytes as UTF-8.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import re
import stat
import tempfile
import tokenize
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from secgate.files import UnreadableFileError, read_regular
from secgate.models import GapKind, SkippedFile

#: File name endings semgrep analyses as Python (its ``lang.json``).
PYTHON_SUFFIXES = (".py", ".pyi")
#: Longest coding name quoted in a reason (it is text from the scanned tree).
CODING_MAX = 40

#: semgrep error types about one target, and the gap kind each makes of it.
TARGET_ERROR_KINDS: Mapping[str, GapKind] = {
    "partialparsing": GapKind.UNPARSABLE,
    "parseerror": GapKind.UNPARSABLE,
    "syntaxerror": GapKind.UNPARSABLE,
    "lexicalerror": GapKind.UNPARSABLE,
    "otherparseerror": GapKind.UNPARSABLE,
    "othersyntaxerror": GapKind.UNPARSABLE,
    "astbuildererror": GapKind.UNPARSABLE,
    "timeout": GapKind.TIMED_OUT,
    "outofmemory": GapKind.TOO_BIG,
    "stackoverflow": GapKind.TOO_BIG,
    "toomanymatches": GapKind.OTHER,
    "matchingerror": GapKind.OTHER,
    "internalmatchingerror": GapKind.OTHER,
}
#: The order in which one kind of a file's several errors names the gap.
_KIND_ORDER = (GapKind.UNPARSABLE, GapKind.TIMED_OUT, GapKind.TOO_BIG, GapKind.OTHER)

#: Flags for the pre-check's open: never follow a link, never block on a FIFO.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NOCTTY", 0)
)
_INVALID_ROOT = re.compile(r"Invalid scanning root: (.+?)(?: is a symbolic link\.)?$", re.MULTILINE)
#: A ``coding`` declaration as Python looks for it (PEP 263), in one of the first two lines.
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)
_LONE_CR = re.compile(r"\r(?!\n)")


def error_kind(error_type: str) -> GapKind:
    """The gap kind of a per-target semgrep error (*error_type* normalised: lower case,
    no spaces or underscores); ``other`` for a type this table does not know."""
    return TARGET_ERROR_KINDS.get(error_type, GapKind.OTHER)


def first_kind(kinds: Iterable[GapKind]) -> GapKind:
    """The kind that names a gap with several semgrep errors (a parse error first)."""
    found = set(kinds)
    return next((kind for kind in _KIND_ORDER if kind in found), GapKind.OTHER)


# --------------------------------------------------------------------------- rejected files


def probe(root: Path, rel: str) -> SkippedFile | None:
    """Why semgrep would reject *rel* (under *root*), as a gap, or None if it can take it.

    It is gone, a symbolic link, not a regular file (a FIFO would hang semgrep), cannot be
    opened, or lacks the owner read bit (semgrep checks the mode bits itself, so it refuses
    a mode-000 file even when it runs as root and could read it).
    """
    path = f"{root}/{rel}"
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return _open_gap(rel, exc)
    if stat.S_ISLNK(mode):
        return SkippedFile(path=rel, reason="symbolic link, not followed", kind=GapKind.SYMLINK)
    if not stat.S_ISREG(mode):
        return SkippedFile(
            path=rel, reason="not a regular file; not scanned", kind=GapKind.NOT_REGULAR
        )
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        return _open_gap(rel, exc)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced meanwhile
            return SkippedFile(
                path=rel, reason="not a regular file; not scanned", kind=GapKind.NOT_REGULAR
            )
    finally:
        os.close(fd)
    if not mode & stat.S_IRUSR:
        return SkippedFile(
            path=rel,
            reason=f"no owner read permission (mode {stat.S_IMODE(mode):04o}): "
            "semgrep refuses such a file; not scanned",
            kind=GapKind.UNREADABLE,
        )
    return None


def _open_gap(rel: str, exc: OSError) -> SkippedFile:
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return SkippedFile(
            path=rel,
            reason="vanished before the scan (no such file); not scanned",
            kind=GapKind.VANISHED,
        )
    if exc.errno == errno.ELOOP:
        return SkippedFile(path=rel, reason="symbolic link, not followed", kind=GapKind.SYMLINK)
    return SkippedFile(
        path=rel,
        reason=f"cannot be read: {exc.strerror or exc}; not scanned",
        kind=GapKind.UNREADABLE,
    )


def unscannable_targets(root: Path, targets: Iterable[str]) -> dict[str, SkippedFile]:
    """The *targets* semgrep would reject, each with its gap (see :func:`probe`)."""
    found: dict[str, SkippedFile] = {}
    for rel in targets:
        gap = probe(root, rel)
        if gap is not None:
            found[rel] = gap
    return found


def invalid_roots(errors: Iterable[Mapping[str, Any]], chunk: Iterable[str]) -> set[str]:
    """The files of *chunk* (``./``-prefixed) that semgrep called invalid scanning roots."""
    wanted = {c.removeprefix("./") for c in chunk}
    named = {
        match.removeprefix("./")
        for error in errors
        for match in _INVALID_ROOT.findall(str(error.get("message") or ""))
    }
    return named & wanted


def gone_while_running(root: Path, rels: Iterable[str]) -> dict[str, SkippedFile]:
    """Gaps for files semgrep rejected mid-run: re-checked, so the kind says what became of
    each (vanished, unreadable, replaced); one that looks fine again changed meanwhile."""
    gaps: dict[str, SkippedFile] = {}
    for rel in rels:
        gap = probe(root, rel)
        if gap is None:
            gaps[rel] = SkippedFile(
                path=rel,
                reason="vanished or became unreadable while semgrep ran; not scanned",
                kind=GapKind.VANISHED,
            )
        else:
            reason = gap.reason.removesuffix("; not scanned").replace(" before the scan", "")
            gaps[rel] = SkippedFile(
                path=rel, reason=f"{reason} while semgrep ran; not scanned", kind=gap.kind
            )
    return gaps


# --------------------------------------------------------------------------- copies


@dataclass(frozen=True)
class SourceCopy:
    """The text semgrep analyses in place of one Python file, as Python reads the file."""

    rel: str
    text: str
    coding: str | None
    """The declared coding it was decoded from; None when it is UTF-8."""
    normalised: bool
    """Whether lone ``\\r`` line ends were turned into ``\\n``."""

    @property
    def analysed_as(self) -> str:
        """How the analysed text differs from the file's bytes, for findings and details."""
        parts = []
        if self.coding is not None:
            parts.append(
                f"decoded from its declared coding {self.coding} (lines as Python counts them)"
            )
        if self.normalised:
            parts.append("CR line endings read as line breaks")
        return "; ".join(parts)


def _short(name: str) -> str:
    text = "".join(c if c.isprintable() and c != "\\" else "?" for c in name)
    return text if len(text) <= CODING_MAX else text[: CODING_MAX - 3] + "..."


def python_text(rel: str, data: bytes) -> SourceCopy | SkippedFile | None:
    """What *data* (the bytes of the Python file *rel*) is to Python, when semgrep would read
    it otherwise: a :class:`SourceCopy`; a gap (kind ``encoding``) when its declared coding
    is unknown or does not decode it; None when semgrep reads it as Python does (or the file
    is not UTF-8 and declares nothing: Python cannot run it, semgrep says what it makes of it).
    """
    # Python turns \r\n and lone \r into \n before it looks for the declaration.
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    head = b"\n".join(lines.split(b"\n", 2)[:2])
    coding: str | None = None
    declared = bool(_COOKIE.search(head))
    if not declared and b"\r" not in data:
        return None  # the common case: UTF-8 or not, semgrep reads it as Python would
    if declared:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(lines).readline)
        except SyntaxError as exc:
            message = str(exc.msg if hasattr(exc, "msg") else exc)
            if message.startswith("unknown encoding"):
                name = _short(message.partition(":")[2].strip())
                return SkippedFile(
                    path=rel,
                    reason=f"declares a source coding Python does not know ({name}): a codec "
                    "registered at run time could make other code of it; semgrep read its "
                    "bytes as UTF-8",
                    kind=GapKind.ENCODING,
                )
            if message.startswith("encoding problem"):
                return SkippedFile(
                    path=rel,
                    reason="its coding declaration contradicts its UTF-8 byte order mark, so "
                    "Python refuses it; semgrep read its bytes as UTF-8",
                    kind=GapKind.ENCODING,
                )
            return None  # not UTF-8 and no usable declaration: semgrep's own reading
        name = codecs.lookup(encoding).name
        if name not in ("utf-8", "utf-8-sig"):
            coding = name
    if coding is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if not _LONE_CR.search(text):
            return None
    else:
        try:
            text = data.decode(coding)
        except (UnicodeDecodeError, ValueError) as exc:
            return SkippedFile(
                path=rel,
                reason=f"declares the source coding {_short(coding)}, which does not decode it "
                f"({_short(type(exc).__name__)}); semgrep read its bytes as UTF-8",
                kind=GapKind.ENCODING,
            )
        with contextlib.suppress(UnicodeDecodeError):
            if data.decode("utf-8") == text:
                coding = None  # e.g. latin-1 declared over ASCII: nothing hidden
        if coding is None and not _LONE_CR.search(text):
            return None
    normalised = bool(_LONE_CR.search(text))
    if normalised:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceCopy(rel=rel, text=text, coding=coding, normalised=normalised)


@dataclass
class CopyPlan:
    """The Python files semgrep analyses from a copy, and the encoding gaps found."""

    copies: dict[str, SourceCopy]
    gaps: dict[str, SkippedFile]


def plan_copies(root: Path, targets: Iterable[str]) -> CopyPlan:
    """Read every Python file among *targets*: those Python reads otherwise than semgrep
    would get a copy, those with a coding nobody can decode are gaps."""
    plan = CopyPlan(copies={}, gaps={})
    for rel in targets:
        if not rel.endswith(PYTHON_SUFFIXES):
            continue
        try:
            data = read_regular(f"{root}/{rel}")
        except UnreadableFileError:
            continue  # semgrep meets it too, and the run-time checks list it
        found = python_text(rel, data)
        if isinstance(found, SourceCopy):
            plan.copies[rel] = found
        elif found is not None:
            plan.gaps[rel] = found
    return plan


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True


def private_base(root: Path) -> str | None:
    """A folder for secgate's temporary files outside the scanned *root*, or None."""
    for candidate in (tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"):  # noqa: S108  # nosec B108 - a private mkdtemp inside it
        base = Path(candidate)
        if base.is_dir() and os.access(base, os.W_OK | os.X_OK) and not _inside(base, root):
            return str(base)
    return None


def write_copies(copies: Mapping[str, SourceCopy], folder: Path, root: Path) -> dict[str, str]:
    """Write each copy under *folder* at its relative path; return the files that could not
    be written (with why). *folder* must be private and outside the scanned *root*."""
    failed: dict[str, str] = {}
    if _inside(folder, root):
        return dict.fromkeys(copies, "no private folder outside the scanned tree for its copy")
    for rel, copy in copies.items():
        parts = PurePosixPath(rel).parts
        if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
            failed[rel] = "its path cannot be mirrored in a private folder"
            continue
        target = folder.joinpath(*parts)
        try:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with open(target, "xb") as out:  # noqa: PTH123 - exclusive create, never overwrite
                out.write(copy.text.encode("utf-8", "replace"))
        except OSError as exc:
            failed[rel] = f"its copy could not be written: {exc.strerror or exc}"
    return failed


@dataclass
class TargetSplit:
    """How the targets reach semgrep: the starts to make, the copies, the encoding gaps."""

    jobs: list[tuple[Path, list[str]]]
    """(the folder semgrep starts in, the relative paths it analyses there)."""
    copies: dict[str, SourceCopy]
    gaps: dict[str, SkippedFile]


def split_targets(targets: Sequence[str], root: Path, folder: Path) -> TargetSplit:
    """The semgrep starts for *targets* (relative to *root*).

    Python files that Python reads otherwise than semgrep would are written, as Python reads
    them, under *folder* (private, outside the tree) at their relative paths; semgrep analyses
    them there in a start of its own, so its paths are the files' own. Every other file, and
    one whose copy could not be written (listed as a gap), is analysed where it is.
    """
    plan = plan_copies(root, targets)
    gaps = dict(plan.gaps)
    failed = write_copies(plan.copies, folder, root) if plan.copies else {}
    for rel, why in failed.items():
        copy = plan.copies.pop(rel)
        gaps[rel] = SkippedFile(
            path=rel,
            reason=f"Python reads it otherwise than semgrep ({copy.analysed_as}), but {why}; "
            "semgrep read its bytes as they are",
            kind=GapKind.ENCODING if copy.coding else GapKind.OTHER,
        )
    direct = [t for t in targets if t not in plan.copies]
    jobs = [(root, direct)] if direct else []
    if plan.copies:
        jobs.append((folder, [t for t in targets if t in plan.copies]))
    return TargetSplit(jobs=jobs, copies=plan.copies, gaps=gaps)
