"""``--changed-only``: the set of files a change touched, read from git.

A pull-request gate with ``--new-since REF --changed-only`` lets per-file scanners analyse
only the files that differ between REF's merge base with HEAD (the base ``--new-since``
compares with, see :mod:`secgate.newcode`) and the working tree: added, modified, both sides
of a rename, deleted (the base's version only), and untracked files git does not ignore. The
same set is scanned at the base, so a finding moved between two changed files keeps its
fingerprint match and stays pre-existing. Commits the target branch gained after the branch
point neither add files to the set nor findings to the change. Every path comes from ``-z``
output (no quoting, any byte).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from secgate.errors import UsageError
from secgate.newcode import git

if TYPE_CHECKING:
    from secgate.files import FileSet


@dataclass(frozen=True)
class Change:
    """One entry of ``git diff --name-status -z -M``: a status letter and its path(s)."""

    status: str
    """A, M, D, R, C, T (the letter; a rename's score is dropped)."""
    path: str
    """The path now (for a rename or copy, the new one); relative to the git top."""
    old_path: str | None = None
    """For a rename or copy, the path at the base."""


def parse_name_status(output: str) -> list[Change]:
    """Parse ``git diff --name-status -z``: ``STATUS\\0PATH\\0`` or ``RNNN\\0OLD\\0NEW\\0``."""
    fields = output.split("\0")
    if fields and fields[-1] == "":
        fields.pop()
    changes: list[Change] = []
    index = 0
    while index < len(fields):
        status = fields[index][:1]
        if not status or index + 1 >= len(fields):
            raise UsageError(f"git diff: unexpected --name-status output near {fields[index]!r}")
        if status in "RC":
            if index + 2 >= len(fields):
                raise UsageError("git diff: a rename without its new path")
            changes.append(Change(status, fields[index + 2], fields[index + 1]))
            index += 3
        else:
            changes.append(Change(status, fields[index + 1]))
            index += 2
    return changes


@dataclass(frozen=True)
class ChangeSet:
    """What differs between a base commit and the working tree (paths relative to the top)."""

    base: str
    """The commit compared with (``--new-since``'s merge base)."""
    changes: tuple[Change, ...]
    untracked: frozenset[str]
    """Untracked files git does not ignore."""

    @property
    def current(self) -> frozenset[str]:
        """Paths to scan now: added, modified, renamed-to, copied-to, untracked."""
        now = {c.path for c in self.changes if c.status != "D"}
        return frozenset(now | self.untracked)

    @property
    def at_base(self) -> frozenset[str]:
        """Paths to scan at the base: modified, deleted, renamed-from (what existed there)."""
        paths = {c.path for c in self.changes if c.status not in "AC"}
        paths |= {c.old_path for c in self.changes if c.status == "R" and c.old_path}
        return frozenset(paths)

    @property
    def paths(self) -> frozenset[str]:
        """Every path the change touched, on either side."""
        return self.current | self.at_base


def change_set(root: Path, base: str) -> ChangeSet:
    """The files that differ between commit *base* and the working tree of *root*'s repo."""
    top = Path(git("rev-parse", "--show-toplevel", cwd=root).strip())
    diff = git("diff", "--name-status", "-z", "-M", "--no-ext-diff", base, "--", cwd=top)
    others = git("ls-files", "--others", "--exclude-standard", "-z", cwd=top)
    untracked = frozenset(p for p in others.split("\0") if p)
    return ChangeSet(base=base, changes=tuple(parse_name_status(diff)), untracked=untracked)


def restrict(fileset: FileSet, changed: frozenset[str], prefix: str) -> FileSet:
    """*fileset* with only the files (and skipped files) whose top-relative path changed."""
    files = tuple(f for f in fileset.files if prefix + f in changed)
    skipped = tuple(s for s in fileset.skipped if prefix + s.path in changed)
    return dataclasses.replace(fileset, files=files, skipped=skipped)


def scope_line(commit: str, count: int) -> str:
    """The report's ``scope`` text: nobody should mistake a changed-only run for a full one."""
    noun = "file" if count == 1 else "files"
    return f"changed files since {commit[:12]} ({count} {noun})"
