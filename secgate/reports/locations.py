"""Where report paths start: the repository root, as GitHub and GitLab read them.

A finding's ``path`` is relative to the scanned root. Code-scanning services resolve report
paths from the repository's root, so a scan of ``services/api`` inside a monorepo must say
``services/api/app/run.py``, not ``app/run.py``. :func:`report_base` finds that base: the
git top level when the scanned root lies in a git work tree, else the current directory when
the scanned root lies under it, else the scanned root itself (then paths stay as they are).

Git runs with an argument list, a timeout, no terminal prompt, none of the caller's ``GIT_*``
redirections and the options that keep a hostile repository's config from running anything;
a missing, failing or hanging git only means "not in a work tree".
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from secgate import process

#: Seconds ``git rev-parse --show-toplevel`` may take.
GIT_TIMEOUT = 10.0

_GIT_OPTIONS = (
    "--no-pager",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
)


@dataclass(frozen=True)
class ReportBase:
    """The folder report paths are relative to, and the scanned root's place in it."""

    base: Path
    """The repository root (git top level), else the current directory, else the root."""
    prefix: str
    """The scanned root relative to :attr:`base`, in POSIX form with a final ``/``; ``""``
    when the scanned root is the base."""
    kind: str
    """``git`` (the git top level), ``cwd`` or ``root``."""

    def path(self, path: str) -> str:
        """*path* (relative to the scanned root) relative to :attr:`base`."""
        return f"{self.prefix}{path}" if path else self.prefix.rstrip("/")

    def location(self, path: str, line: int | None) -> str:
        """``path:line`` relative to :attr:`base` (just the path when there is no line)."""
        where = self.path(path)
        return f"{where}:{line}" if line else where


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        LC_ALL="C",
    )
    return env


def git_top_level(folder: Path) -> Path | None:
    """The top level of the git work tree holding *folder*, or None (no git, no work tree)."""
    git = shutil.which("git")
    try:
        if git is None or not folder.is_dir():
            return None
    except (OSError, ValueError):
        return None
    try:
        done = process.run(
            [git, *_GIT_OPTIONS, "rev-parse", "--show-toplevel"],
            cwd=folder,
            timeout=GIT_TIMEOUT,
            env=_git_env(),
            max_output=64 * 1024,
        )
    except (process.ProcessError, OSError, ValueError):
        return None
    top = done.stdout.decode("utf-8", "surrogateescape").strip("\n")
    if done.returncode != 0 or not top:
        return None
    return Path(os.path.realpath(top))


def _relative(root: Path, base: Path) -> str | None:
    if root == base:
        return ""
    if not root.is_relative_to(base):
        return None
    return root.relative_to(base).as_posix() + "/"


def report_base(root: str | os.PathLike[str], cwd: Path | None = None) -> ReportBase:
    """Where the report paths of a scan of *root* start (see the module's docstring)."""
    try:
        real_root = Path(os.path.realpath(root))
    except (OSError, ValueError):  # a root no system call takes (a NUL in its name)
        return ReportBase(Path.cwd() / root, "", "root")
    top = git_top_level(real_root)
    if top is not None:
        prefix = _relative(real_root, top)
        if prefix is not None:
            return ReportBase(top, prefix, "git")
    here = Path(os.path.realpath(cwd if cwd is not None else Path.cwd()))
    prefix = _relative(real_root, here)
    if prefix is not None:
        return ReportBase(here, prefix, "cwd")
    return ReportBase(real_root, "", "root")
