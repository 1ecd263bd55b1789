"""gitignore-style globs that never crash and never stall, whatever a repository writes.

A ``.gitignore`` or config glob comes from the scanned tree: every line git accepts is
accepted (a line that cannot be compiled matches nothing, as in git), and matching runs on
google-re2 in linear time when it is installed, so a pathological line or ten thousand
lines cannot stall collection.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any


def utf8(text: str) -> bool:
    """Whether *text* (a file name) encodes as UTF-8 (it may hold surrogate escapes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def escaped(text: str) -> str:
    """A file name that is not UTF-8, its bytes shown as ``\\xNN`` escapes."""
    return os.fsencode(text).decode("utf-8", "backslashreplace")


class Globs:
    """Gitignore-style globs, compiled once; every line git accepts is accepted.

    A line the matcher cannot compile (``a\\``, ``[z-a]``, a lone ``\\``, a line too large
    for the regex engine) matches nothing, as git's own matcher treats such lines: it is
    skipped, never an exception. Matching uses google-re2 (linear time, one pass for all
    lines) when it is installed, so neither a pathological line (``*a*a*a…b``) nor ten
    thousand lines make collection slow; names that are not UTF-8 are matched in their
    escaped form (re2 only takes UTF-8).
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.lines: tuple[str, ...] = ()
        self._spec: Any = None
        self._re2 = False
        lines = [line for line in patterns if _significant(line)]
        for backend in ("re2", "simple"):
            kept = _compilable(lines, backend)
            if kept is None:
                continue
            spec = _compile(kept, backend)
            if spec is not None:
                self.lines, self._spec, self._re2 = tuple(kept), spec, backend == "re2"
                return

    def check(self, path: str) -> tuple[bool | None, str | None]:
        """(whether the last deciding line ignores *path*, that line), or (None, None)."""
        if self._spec is None:
            return None, None
        if self._re2 and not utf8(path):
            path = escaped(path)
        result = self._spec.check_file(path)
        if result.include is None or result.index is None:
            return None, None
        return bool(result.include), self.lines[result.index]

    def match_file(self, path: str) -> bool:
        """Whether *path* (a folder ends with ``/``) is matched (ignored) by the globs."""
        return self.check(path)[0] is True


def _significant(line: str) -> bool:
    stripped = line.rstrip("\r\n")
    return bool(stripped.strip()) and not stripped.startswith("#")


#: Memory re2 may use for one compiled set of globs (its default, 8 MiB, holds about
#: 3,000 .gitignore lines; a set that still does not fit drops to the Python matcher).
RE2_MAX_MEM = 1 << 30


def _re2_budget() -> None:
    """Let pathspec's re2 sets use :data:`RE2_MAX_MEM` (pathspec exposes no option for it)."""
    try:
        from pathspec._backends.re2 import _base  # noqa: PLC0415

        options = _base.RE2_OPTIONS
        if options is not None and options.max_mem < RE2_MAX_MEM:
            options.max_mem = RE2_MAX_MEM
    except Exception:  # noqa: BLE001, S110 - another pathspec layout: its default budget
        pass


def _compile(lines: Sequence[str], backend: str) -> Any:
    """A pathspec GitIgnoreSpec of *lines* with *backend*, or None if it cannot compile."""
    import pathspec  # noqa: PLC0415 - keeps `import secgate` light

    if backend == "re2":
        _re2_budget()

    try:
        return pathspec.GitIgnoreSpec.from_lines(list(lines), backend=backend)
    except TypeError:  # pathspec < 1.0: one backend, the pure-Python one
        if backend != "simple":
            return None
        try:
            return pathspec.GitIgnoreSpec.from_lines(list(lines))
        except Exception:  # noqa: BLE001 - pathspec raises several types for bad lines
            return None
    except Exception:  # noqa: BLE001 - re.error, GitIgnorePatternError, re2's error, …
        return None


def _compilable(lines: list[str], backend: str) -> list[str] | None:
    """*lines* minus those *backend* cannot compile; None when the backend is missing."""
    if backend == "re2":
        try:
            import re2  # type: ignore[import-not-found,unused-ignore]  # noqa: F401, PLC0415
        except ImportError:
            return None
    if _compile(lines, backend) is not None:
        return lines
    return [line for line in lines if _compile([line], backend) is not None]


def spec_of(patterns: Sequence[str]) -> Globs:
    """A gitignore-style matcher for *patterns*."""
    return Globs(patterns)
