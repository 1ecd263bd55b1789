"""The scanned repository is not trusted: what of a manifest may be quoted, which files read.

A problem quotes at most a short, redacted excerpt of a line, never the line, and URL
credentials (``https://user:token@…``) are shown as ``***``. A manifest (or an include
target), symlinks followed, is read only inside the scanned root and outside ``.git/``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from secgate.deps.manifests.core import (
    ManifestProblem,
    Manifests,
)
from secgate.models import GapKind
from secgate.secrets.redact import ELLIPSIS, preview, redact_line

#: The longest excerpt of a manifest line a problem quotes.
EXCERPT_LIMIT = 40
# ``user:password@`` after ``scheme://``; a password with a ``/`` in it (not valid, but
# the repository is hostile) is still hidden: any ``…:…@`` before the first ``@`` is.
_USERINFO = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@\s]*|[^\s@]*?:[^\s@]*)@"
)
_LONG_TOKEN = re.compile(rb"[A-Za-z0-9+/=_.~-]{16,}")


def redact_url_userinfo(text: str) -> str:
    """*text* with the ``user:password@`` part of every URL replaced by ``***@``."""
    return _USERINFO.sub(lambda m: f"{m.group('scheme')}***@", text)


def safe_text(text: str) -> str:
    """*text* from a manifest, fit for a report: URL credentials and random tokens hidden.

    The scanned repository is not trusted: a requirement can carry a token in its URL
    (``git+https://x-access-token:…@github.com/o/r``) or a key in a query string.
    """
    # Redacted one URL part at a time: a whole URL path is long and varied enough to look
    # random, a token inside it (a query value, a path segment) is what must be hidden.
    # A well-formed wheel or sdist file name is shown as it is.
    parts = _URL_PARTS.split(redact_url_userinfo(text))
    return "".join(
        part
        if _is_distribution_file(part)
        else redact_line(part.encode("utf-8", "surrogateescape"), ())
        for part in parts
    )


_URL_PARTS = re.compile(r"([/?#&])")


def _is_distribution_file(name: str) -> bool:
    try:
        if name.endswith(".whl"):
            parse_wheel_filename(name)
        else:
            parse_sdist_filename(name)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return False
    return True


def excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """At most *limit* characters of a line secgate could not parse, every long token hidden.

    Unlike :func:`safe_text`, every run of 16 or more token characters is replaced by its
    preview, random-looking or not: the line may be anything (a file that is not a
    manifest at all), so it is never quoted whole.
    """
    data = redact_url_userinfo(" ".join(text.split())).encode("utf-8", "surrogateescape")
    marks = [(m.start(), m.end(), preview(m.group())) for m in _LONG_TOKEN.finditer(data)]
    shown = redact_line(data, marks, limit=len(data) + 1)
    return shown if len(shown) <= limit else shown[: limit - 1] + ELLIPSIS


def real_path(path: Path | str) -> Path:
    """*path* with every symlink followed."""
    return Path(os.path.realpath(path))


def is_inside(path: Path, root: Path) -> bool:
    """True when *path* is *root* or below it (lexically: resolve both first)."""
    return path == root or path.is_relative_to(root)


def in_git_dir(rel_parts: Sequence[str]) -> bool:
    """True when a relative path (as its parts) lies inside a ``.git/`` folder."""
    return ".git" in rel_parts


def _untrusted_location(root: Path, rel: str) -> str | None:
    """Why *rel* (under *root*) must not be read, or None: symlinks are followed first."""
    real_root = real_path(root)
    real = real_path(root / rel)
    if not is_inside(real, real_root):
        return "outside the scanned tree"
    if in_git_dir(PurePosixPath(rel).parts) or in_git_dir(real.relative_to(real_root).parts):
        return "inside .git/"
    return None


def read_text(root: Path, rel: str, result: Manifests, line: int | None = None) -> str | None:
    """The text of manifest *rel*, or None with a problem in *result* saying why not.

    Not read when it lies (symlinks followed) outside *root* or inside ``.git/``; *line*
    is the line of the including file that named it, for an include target.
    """
    where = _untrusted_location(root, rel)
    if where is not None:
        result.problems.append(
            ManifestProblem(rel, line, f"not read: the file is {where}", GapKind.UNREADABLE)
        )
        return None
    try:
        data = (root / rel).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        result.problems.append(
            ManifestProblem(rel, line, f"cannot read: {reason}", GapKind.UNREADABLE)
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_no = data[: exc.start].count(b"\n") + 1
        result.problems.append(ManifestProblem(rel, line_no, "not valid UTF-8", GapKind.ENCODING))
        return None
