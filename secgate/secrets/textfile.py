"""The file-level driver: a file's bytes, read once, and the decisions made before scanning.

The size is checked before the file is read; a file with NUL bytes in its first 8 KiB is
decoded from UTF-16/UTF-32 when a byte-order mark says so, else scanned with each NUL read
as a space when its name (:func:`text_by_name`) or content (:func:`mostly_text`) says it is
text, else skipped as binary. A Python file is also decoded by its declared source coding
when that can spell text in other bytes (:func:`python_source_view`); an unknown declared
coding is an ``encoding`` gap.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from secgate.models import GapKind
from secgate.secrets.compiled import Hit

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
BINARY_PROBE = 8192


@dataclass
class FileResult:
    """What one file gave: hits, or the reason (and kind of gap) it was skipped.

    A Python file whose declared coding is unknown has both: the hits of its raw bytes,
    and a gap of kind ``encoding`` (what Python would decode it to is unknown).
    """

    hits: list[Hit] = field(default_factory=list)
    skipped: str | None = None
    size: int = 0
    kind: GapKind | None = None
    """The kind of gap when :attr:`skipped` is set."""


def _decode_bom(data: bytes) -> bytes | None:
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, "replace").encode("utf-8", "replace")
    return None


#: Names and endings of files that are text whatever bytes they hold: shells, dotenv
#: loaders and interpreters read them even with a NUL in them, so the detector does too.
_TEXT_NAMES = frozenset(
    {
        "dockerfile",
        "containerfile",
        "makefile",
        "gnumakefile",
        "jenkinsfile",
        "vagrantfile",
        "procfile",
        "gemfile",
        "rakefile",
        "brewfile",
        ".bashrc",
        ".bash_profile",
        ".bash_login",
        ".profile",
        ".zshrc",
        ".zprofile",
        ".zshenv",
        ".kshrc",
        ".npmrc",
        ".yarnrc",
        ".pypirc",
        ".netrc",
        ".pgpass",
        ".gitconfig",
        ".git-credentials",
        ".htpasswd",
        ".envrc",
        "credentials",
        "config",
    }
)
_TEXT_SUFFIXES = (
    ".sh",
    ".bash",
    ".zsh",
    ".ksh",
    ".fish",
    ".ps1",
    ".psm1",
    ".psd1",
    ".bat",
    ".cmd",
    ".env",
    ".ini",
    ".cfg",
    ".conf",
    ".cnf",
    ".toml",
    ".yaml",
    ".yml",
    ".json",
    ".jsonc",
    ".json5",
    ".py",
    ".pyw",
    ".pyi",
    ".properties",
    ".txt",
    ".md",
    ".rst",
    ".xml",
    ".tf",
    ".tfvars",
    ".hcl",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".jsx",
    ".tsx",
    ".rb",
    ".php",
    ".go",
    ".java",
    ".kt",
    ".cs",
    ".rs",
    ".swift",
    ".scala",
    ".groovy",
    ".gradle",
    ".pl",
    ".pm",
    ".lua",
    ".sql",
    ".html",
    ".htm",
    ".pem",
    ".key",
    ".crt",
    ".csv",
    ".service",
    ".tpl",
    ".j2",
    ".erb",
    ".dist",
    ".example",
    ".sample",
    ".template",
)
#: C0 controls that text does not hold (tab, newlines, form feed and ESC excepted), and DEL.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\v\f\r\x1b") + b"\x7f"
_HIGH_BYTES = bytes(range(128, 256))
#: Python files: decoded by their declared source coding (PEP 263) as well.
PYTHON_SUFFIXES = (".py", ".pyw", ".pyi")
_CODING_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")


def text_by_name(rel: str) -> bool:
    """Whether the name of *rel* says it is text (``.env*``, ``*.sh``, ``Dockerfile``…)."""
    name = rel.rsplit("/", 1)[-1].lower()
    return (
        name in _TEXT_NAMES
        or name.startswith((".env", "dockerfile", "containerfile"))
        or name.endswith(_TEXT_SUFFIXES)
        or name.endswith((".dockerfile", ".containerfile"))
    )


def mostly_text(probe: bytes) -> bool:
    """Whether *probe* (a file's first bytes) reads as text despite a NUL in it.

    Text: at most 5% control bytes (NUL included; tab, newlines and ESC are text), and
    either at most 30% non-ASCII bytes or valid UTF-8. Images, archives and compiled files
    hold far more control bytes than that.
    """
    if not probe:
        return True
    controls = len(probe) - len(probe.translate(None, _CONTROL_BYTES))
    if controls * 20 > len(probe):
        return False
    high = len(probe) - len(probe.translate(None, _HIGH_BYTES))
    if high * 10 <= len(probe) * 3:
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(probe, final=False)
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class SourceView:
    """What Python decodes a source file to, when that differs from its bytes."""

    codec: str | None = None
    text: bytes | None = None
    """The decoded source as UTF-8, or None when the bytes already say it all."""
    problem: str | None = None
    """Why the file could not be decoded as Python would (an ``encoding`` gap)."""


def _declared_coding(data: bytes) -> bytes | None:
    """The PEP 263 coding cookie of the first two lines, as written (or None)."""
    lines = data.split(b"\n", 2)
    first = _CODING_COOKIE.match(lines[0])
    if first:
        return first.group(1)
    if len(lines) > 1 and _BLANK_OR_COMMENT.match(lines[0]):
        second = _CODING_COOKIE.match(lines[1])
        if second:
            return second.group(1)
    return None


def python_source_view(data: bytes) -> SourceView:
    """The text Python runs from *data*, a ``.py`` file, per its declared coding.

    UTF-8 (the default) and codecs that leave the bytes as they are need no second look.
    A coding such as ``utf-7``, ``unicode_escape`` or ``raw_unicode_escape`` can spell a
    key in bytes no rule matches (``+AEE-KIA…``, ``\\x41KIA…``): the decoded text is
    returned, for the detector to scan as well. Its hits report lines and columns of the
    decoded text. An unknown or unusable declared coding is a problem (a gap).
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        declared = _declared_coding(data)
        if declared is None:
            return SourceView()  # not UTF-8 and no cookie: Python refuses it; bytes scanned
        shown = declared[:40].decode("ascii", "replace")
        try:
            codecs.lookup(shown)
        except LookupError:
            return SourceView(
                problem=f"declares the source coding {shown!r}, which Python does not know: "
                "not decoded (its bytes were scanned as they are)"
            )
        return SourceView()
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:  # pragma: no cover - detect_encoding looked it up already
        return SourceView(problem=f"declares the unknown source coding {encoding!r}")
    if codec in ("utf-8", "utf-8-sig"):
        return SourceView()
    try:
        text = data.decode(encoding, "replace")
    except (LookupError, UnicodeError, TypeError, ValueError):
        return SourceView(
            codec=codec,
            problem=f"cannot be decoded as its declared source coding {codec!r}: "
            "not decoded (its bytes were scanned as they are)",
        )
    decoded = text.encode("utf-8", "surrogatepass")
    if decoded == data:
        return SourceView(codec=codec)
    return SourceView(codec=codec, text=decoded)


def too_big(size: int, limit: int) -> str:
    """The reason a file of *size* bytes is skipped under the size *limit*."""
    return (
        f"larger than the size limit ({size:,} bytes > {limit:,}; "
        "raise scanners.secrets.max-file-size to scan it)"
    )


def read_file(path: Path | str, max_file_size: int) -> bytes | FileResult:
    """The bytes of the file at *path*, or the gap when it is too big or unreadable."""
    try:
        with open(path, "rb") as handle:  # noqa: PTH123 - a str path is cheaper per file
            size = os.fstat(handle.fileno()).st_size
            if size > max_file_size:
                return FileResult(
                    skipped=too_big(size, max_file_size), size=size, kind=GapKind.TOO_BIG
                )
            return handle.read()
    except OSError as exc:
        return FileResult(
            skipped=f"cannot read: {exc.strerror or type(exc).__name__}",
            kind=GapKind.UNREADABLE,
        )


def text_bytes(data: bytes, rel: str, max_file_size: int) -> bytes | FileResult:
    """The bytes to scan of the file *rel*, or the gap when it is too big or binary."""
    if len(data) > max_file_size:
        return FileResult(
            skipped=too_big(len(data), max_file_size), size=len(data), kind=GapKind.TOO_BIG
        )
    if b"\x00" in data[:BINARY_PROBE]:
        decoded = _decode_bom(data)
        if decoded is not None:
            return decoded
        if text_by_name(rel) or mostly_text(data[:BINARY_PROBE]):
            # bash, python-dotenv and Python read such a file; NUL is a separator here.
            return data.replace(b"\x00", b" ")
        return FileResult(
            skipped="binary file (NUL bytes), not scanned",
            size=len(data),
            kind=GapKind.BINARY,
        )
    return data


def add_source_view(result: FileResult, data: bytes, scan: Callable[[bytes], list[Hit]]) -> None:
    """Add to *result* the hits of what Python decodes *data* (a ``.py`` file) to.

    Hits already found in the raw bytes (same rule, same secret) are not added twice; an
    unknown or unusable declared coding is recorded as an ``encoding`` gap.
    """
    view = python_source_view(data)
    if view.problem is not None:
        result.skipped = view.problem
        result.kind = GapKind.ENCODING
    elif view.text is not None:
        seen = {(h.rule.id, h.secret) for h in result.hits}
        result.hits.extend(
            replace(hit, decoded_from=view.codec)
            for hit in scan(view.text)
            if (hit.rule.id, hit.secret) not in seen
        )
