"""What every manifest reader produces: declarations, problems, and which files are manifests.

A :class:`Declaration` is one dependency with the file and line that declares it; a
:class:`ManifestProblem` is a manifest (or one line of it) that could not be read;
:class:`Manifests` holds both for a tree and answers which lock file covers a declaration.
"""

from __future__ import annotations

import enum
import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from packaging.utils import (
    canonicalize_name,
)

from secgate.models import GapKind

#: The pseudo-path of dependencies found in the installed environment.
INSTALLED_PATH = "installed-environment"

LOCK_FORMATS = ("uv.lock", "poetry.lock", "Pipfile.lock", "pylock.toml")
_PYLOCK = re.compile(r"^pylock\.[^./\\]+\.toml$")


class Kind(enum.StrEnum):
    """What can be done with a declaration."""

    PINNED = "pinned"
    """An exact version (``==``/``===`` pin, constraint pin, or lock entry): auditable."""
    UNPINNED = "unpinned"
    """A range: cannot be audited exactly without resolving."""
    NOT_AUDITABLE = "not-auditable"
    """Editable, URL, VCS or local path: no version to look up."""


@dataclass(frozen=True)
class Declaration:
    """One dependency as a manifest declares it."""

    name: str
    """Distribution name as written (``not-auditable`` entries: what identifies them)."""
    version: str | None
    """The exact version, for ``pinned``."""
    path: str
    """Manifest, relative to the scanned root, POSIX."""
    line: int | None
    kind: Kind
    origin: str
    """``requirements``, ``pyproject``, ``uv.lock``, ``poetry.lock``, ``Pipfile.lock``,
    ``pylock.toml`` or ``installed``."""
    requirement: str = ""
    """The declaration as written (``django>=3.2``), for messages."""
    group: str | None = None
    """``optional-dependencies.dev``, ``dependency-groups.test``, ``develop``…"""
    reason: str | None = None
    """Why a ``not-auditable`` entry cannot be audited."""
    via: str | None = None
    """``constraints.txt:3`` when the pin came from a constraints file."""
    chains: tuple[tuple[str, ...], ...] = ()
    """How the declaration is installed: for each top-level requirements file that reaches
    it, the ``-r`` chain from that file down to (not including) :attr:`path`; ``()`` when
    :attr:`path` is itself read as a top-level manifest. Empty: :attr:`path` only."""

    @property
    def key(self) -> str:
        """PEP 503 normalised name."""
        return canonicalize_name(self.name)

    @property
    def locked(self) -> bool:
        """True for an entry of a lock file."""
        return self.origin in LOCK_FORMATS

    @property
    def location(self) -> str:
        """``path:line`` for messages."""
        return f"{self.path}:{self.line}" if self.line else self.path

    def entry_points(self) -> list[tuple[str, tuple[str, ...]]]:
        """``(top-level manifest, include chain)`` for each way the declaration is installed.

        ``pip install -r requirements.txt`` installs what ``docs/requirements.txt`` declares
        when the first includes the second: the declaration is then judged by the path
        policy of ``requirements.txt``, the manifest that is installed.
        """
        if not self.chains:
            return [(self.path, ())]
        return [(chain[0] if chain else self.path, chain) for chain in self.chains]


@dataclass(frozen=True)
class ManifestProblem:
    """A manifest (or one line of it) that could not be read."""

    path: str
    line: int | None
    message: str
    kind: GapKind = GapKind.INVALID_REQUIREMENT
    """What kind of gap: a line kind (the file was read) unless the whole file was not."""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class Manifests:
    """Everything read from a tree's manifests."""

    declarations: list[Declaration] = field(default_factory=list)
    problems: list[ManifestProblem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    """Manifests read (included requirement files too), relative POSIX paths."""
    _lock_index: tuple[int, dict[str, dict[str, list[Declaration]]]] | None = field(
        default=None, repr=False, compare=False
    )

    def _locks(self) -> dict[str, dict[str, list[Declaration]]]:
        """Folder to package key to the entries of the first lock there that has it."""
        cached = self._lock_index
        if cached is not None and cached[0] == len(self.declarations):
            return cached[1]
        locks: dict[str, dict[str, list[Declaration]]] = {}
        for decl in self.declarations:
            if decl.locked:
                folder = str(PurePosixPath(decl.path).parent)
                entries = locks.setdefault("" if folder == "." else folder, {}).setdefault(
                    decl.key, []
                )
                if not entries or entries[0].path == decl.path:
                    entries.append(decl)  # a uv lock may hold one package at two versions
        self._lock_index = (len(self.declarations), locks)
        return locks

    def covering_entries(self, decl: Declaration) -> list[Declaration]:
        """The entries of the lock file that pins *decl*'s package for its manifest.

        A lock covers the manifests in its own folder and below (a uv workspace's lock sits
        at the workspace root), and only for the packages it actually contains; the nearest
        one wins. Empty when no lock covers it (or *decl* is a lock entry itself).
        """
        if decl.locked or decl.path == INSTALLED_PATH:
            return []
        locks = self._locks()
        folder = PurePosixPath(decl.path).parent
        for candidate in (folder, *folder.parents):
            key = "" if str(candidate) == "." else str(candidate)
            found = locks.get(key, {}).get(decl.key)
            if found:
                return list(found)
        return []

    def covering_lock(self, decl: Declaration) -> str | None:
        """The lock file that pins *decl*'s package for its manifest, or None."""
        entries = self.covering_entries(decl)
        return entries[0].path if entries else None


def manifest_format(path: str, extra_patterns: Sequence[str] = ()) -> str | None:
    """The format of the manifest at relative *path*, or None when it is not one."""
    pure = PurePosixPath(path)
    name = pure.name
    if name in ("uv.lock", "poetry.lock", "Pipfile.lock", "pylock.toml"):
        return name
    if _PYLOCK.match(name):
        return "pylock.toml"
    if name == "pyproject.toml":
        return "pyproject"
    if fnmatch.fnmatchcase(name, "requirements*.txt"):
        return "requirements"
    # requirements/extras/redis.txt too: setup.py files read such folders for extras.
    if name.endswith(".txt") and "requirements" in pure.parent.parts:
        return "requirements"
    for pattern in extra_patterns:
        if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(name, pattern):
            return "requirements"
    return None
