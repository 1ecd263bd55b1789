"""Why bandit could not look at a Python file, as a gap kind and a reason.

Bandit says only "syntax error while parsing AST from file" for every file it cannot
parse; these helpers say what is wrong (binary content, an undecodable coding, a syntax
error, syntax newer than this Python) and which :class:`~secgate.models.GapKind` it is,
worded so that :func:`secgate.models.classify_gap` gives the same kind back from the
reason alone (a result cache keeps only the reason).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

from secgate.models import GapKind, classify_gap
from secgate.pysyntax import newer_python_reason

__all__ = [
    "SOURCE_LINES",
    "declares_coding",
    "explain_unparsable",
    "read_gap_kind",
    "source_text",
    "unparsable_gap",
]

#: Line ends as Python's tokenizer sees them (str.splitlines also splits on form feeds).
SOURCE_LINES = re.compile(r"\r\n|\r|\n")
_PYTHON2_HINTS = (
    "Missing parentheses in call to",
    "multiple exception types must be parenthesized",
    "leading zeros in decimal integer literals",
)


def explain_unparsable(data: bytes) -> str | None:
    """Why Python cannot parse *data*, in a few words; None when it parses."""
    gap = unparsable_gap(data)
    return None if gap is None else gap[1]


def source_text(data: bytes) -> str | None:
    """*data* decoded as Python decodes source (its ``coding:`` declaration, else UTF-8)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return None


def unparsable_gap(data: bytes) -> tuple[GapKind, str] | None:
    """The gap kind and reason when Python cannot parse *data*; None when it parses.

    A syntax error caused by syntax newer than this Python (a 3.12 f-string on 3.11) is
    :attr:`GapKind.NEWER_PYTHON`; every reason is worded so that
    :func:`secgate.models.classify_gap` gives the same kind back (a result cache keeps
    reasons only).
    """
    if b"\x00" in data:
        return GapKind.BINARY, "binary content (null bytes), not Python source"
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        return (
            GapKind.ENCODING,
            f"not valid {exc.encoding} text at byte {exc.start} (missing coding declaration?)",
        )
    except (SyntaxError, LookupError) as exc:
        return GapKind.ENCODING, f"cannot decode: {exc}"
    try:
        ast.parse(data)
    except SyntaxError as exc:
        newer = newer_python_reason(text, exc)
        if newer is not None:
            return GapKind.NEWER_PYTHON, f"line {exc.lineno}: {newer}"
        hint = " (Python 2 code?)" if any(h in (exc.msg or "") for h in _PYTHON2_HINTS) else ""
        return GapKind.UNPARSABLE, f"line {exc.lineno}: {exc.msg}{hint}"
    except (ValueError, MemoryError, RecursionError) as exc:
        return GapKind.UNPARSABLE, f"cannot parse: {type(exc).__name__}: {exc}"
    return None


def declares_coding(data: bytes) -> bool:
    """Whether *data* declares a source coding other than UTF-8 (a BOM is UTF-8)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except (SyntaxError, LookupError):
        return True
    return encoding not in ("utf-8", "utf-8-sig")


def read_gap_kind(reason: str) -> GapKind:
    """The kind of a gap :func:`secgate.files.read_regular` gave *reason* for."""
    kind = classify_gap(reason)
    return kind if kind is not GapKind.OTHER else GapKind.UNREADABLE
