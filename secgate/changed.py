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
from secgate.jobs import flagged_text
from secgate.models import content_fingerprint
from secgate.newcode import git

if TYPE_CHECKING:
    from collections.abc import Iterable

    from secgate.files import FileSet
    from secgate.jobs import LineCache
    from secgate.models import Finding
    from secgate.newcode import RefCheckout


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


def base_files(
    findings: Iterable[Finding], scanners: frozenset[str], lines: LineCache, base: RefCheckout
) -> dict[str, frozenset[str]]:
    """For each per-file scanner in *scanners*, the files its scan of the base must cover.

    The base's findings only count through their fingerprints, matched against the working
    tree's *findings* (read with *lines*). A content fingerprint hashes the scanner, the
    rule, the path and the flagged lines' text with whitespace runs collapsed
    (:func:`secgate.jobs.fill_fingerprint`), so a finding at the base can share one only if
    the base's version of the same path (in the checkout *base*) holds that text: the base scan
    needs only those paths, and a scanner with no finding in the working tree needs none (a
    pull request's new lines cost no second semgrep start). A scanner that fingerprints a
    finding its own way (a secret's value, a hashed message) keeps every changed file. The
    paths returned are among ``base.changed``, relative to the git top.
    """
    changed, prefix = base.changed, base.prefix
    wanted: dict[str, set[str]] = {name: set() for name in scanners}
    everything: set[str] = set()
    tokens: dict[str, str | None] = {}
    for finding in findings:
        name = finding.scanner
        if name not in wanted or name in everything:
            continue
        text = flagged_text(finding, lines)
        if (
            finding.package is not None
            or text is None
            or finding.fingerprint != content_fingerprint(name, finding.rule_id, finding.path, text)
        ):
            everything.add(name)
            continue
        path = prefix + finding.path
        if path not in tokens:
            tokens[path] = _tokens(base.root / finding.path)
        there = tokens[path]
        words = " ".join(text.split())
        if there is not None and (not words or f" {words} " in there):
            wanted[name].add(path)
    return {
        name: changed if name in everything else frozenset(paths & changed)
        for name, paths in wanted.items()
    }


def _tokens(path: Path) -> str | None:
    """The file's text as its whitespace-separated words, each run of whitespace one space,
    with a space at both ends (None: no such file at the base, or unreadable)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return f" {' '.join(data.decode('utf-8', 'replace').split())} "


def scope_line(commit: str, count: int) -> str:
    """The report's ``scope`` text: nobody should mistake a changed-only run for a full one."""
    noun = "file" if count == 1 else "files"
    return f"changed files since {commit[:12]} ({count} {noun})"
