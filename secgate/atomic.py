"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write *data* to *path* through a temporary file in the same folder and a rename.

    A crash (even SIGKILL) part-way leaves the previous file untouched; only a stray
    ``.tmp`` file can remain, which later writes do not mind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


def atomic_write_text(path: Path, text: str, *, mode: int = 0o644) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def symlink_on_the_way(path: Path, root: Path) -> Path | None:
    """The first folder of *path* inside *root* that is a symbolic link, if any.

    Writing a report through such a link would let the scanned tree (which can commit
    symbolic links) choose where secgate writes.
    """
    target = Path(path).absolute()
    top = Path(root).absolute()
    if not target.is_relative_to(top):
        return None
    current = top
    for part in target.parent.relative_to(top).parts:
        current = current / part
        if current.is_symlink():
            return current
    return None
