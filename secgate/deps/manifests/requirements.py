"""Dependency manifests: every declared dependency, with the file and line that declares it.

Read here:

- ``requirements*.txt`` (and ``*.txt`` in a ``requirements/`` folder), with ``-r``/``-c``
  includes (relative to the including file; symlinks followed, never outside the scanned
  root nor inside ``.git/``; each declaration records the chains of top-level files that
  include it, :attr:`Declaration.chains`, so that it is judged where it is installed), line
  continuations, comments, ``--hash`` and other per-requirement options, extras and
  environment markers (kept, not evaluated: a dependency is audited whatever platform it
  is meant for). Editable, URL, VCS and local-path requirements are declarations of kind
  ``not-auditable``: there is no version to look up, and they are listed, never dropped.
- ``pyproject.toml``: PEP 621 ``[project] dependencies`` and ``optional-dependencies``,
  PEP 735 ``[dependency-groups]`` (``include-group`` entries are followed where they are
  declared).
- Lock files: ``uv.lock``, ``poetry.lock``, ``Pipfile.lock`` and ``pylock.toml`` /
  ``pylock.<name>.toml`` (PEP 751).
- Optionally the installed environment (``importlib.metadata``).

Every name, version, specifier and marker goes through ``packaging``. TOML carries no line
numbers, so :class:`TomlLocator` finds each declaration by a small lexer over the text
(strings, comments and table headers; never a bare substring search).

A malformed manifest (bad TOML or JSON, an invalid requirement, an include that is missing)
is a :class:`ManifestProblem` naming the file and line; the other manifests, and the other
lines of a requirements file, are still read. The scanned repository is not trusted: a
problem quotes at most a short, redacted excerpt of a line, never the line, and URL
credentials (``https://user:token@…``) are shown as ``***``. The scanner lists problems as
gaps (with their :class:`~secgate.models.GapKind`), and the coverage policy judges them: a
gate does not pass what it could not read unseen.
"""

from __future__ import annotations

import bisect
import enum
import fnmatch
import json
import os
import re
import shlex
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from secgate.models import GapKind
from secgate.secrets.redact import ELLIPSIS, preview, redact_line

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


# --------------------------------------------------------------------------- which files


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


def read_manifests(
    root: Path, files: Sequence[str], *, extra_patterns: Sequence[str] = ()
) -> Manifests:
    """Read every manifest among *files* (relative POSIX paths under *root*)."""
    result = Manifests()
    requirements = _RequirementsReader(root, result)
    for rel in sorted(files):
        fmt = manifest_format(rel, extra_patterns)
        if fmt is None:
            continue
        if fmt == "requirements":
            requirements.read_top_level(rel)
            continue
        text = _read_text(root, rel, result)
        if text is None:
            continue
        result.files.append(rel)
        reader = _READERS[fmt]
        reader(rel, text, result)
    result.files = sorted(set(result.files))
    return result


# --------------------------------------------------------------------------- hostile text

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


def _real(path: Path | str) -> Path:
    return Path(os.path.realpath(path))


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _in_git_dir(rel_parts: Sequence[str]) -> bool:
    return ".git" in rel_parts


def _untrusted_location(root: Path, rel: str) -> str | None:
    """Why *rel* (under *root*) must not be read, or None: symlinks are followed first."""
    real_root = _real(root)
    real = _real(root / rel)
    if not _inside(real, real_root):
        return "outside the scanned tree"
    if _in_git_dir(PurePosixPath(rel).parts) or _in_git_dir(real.relative_to(real_root).parts):
        return "inside .git/"
    return None


def _read_text(root: Path, rel: str, result: Manifests, line: int | None = None) -> str | None:
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


# --------------------------------------------------------------------------- requirements


_COMMENT = re.compile(r"(^|\s+)#.*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_VCS = re.compile(r"^(git|hg|svn|bzr)\+", re.IGNORECASE)
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_ARCHIVE = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar")

# pip's requirements-file options. Global ones do not change what is installed.
_GLOBAL_WITH_VALUE = {
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--no-binary",
    "--only-binary",
    "--trusted-host",
    "--use-feature",
}
_GLOBAL_FLAGS = {
    "--no-index",
    "--pre",
    "--prefer-binary",
    "--require-hashes",
    "-Z",
    "--always-unzip",
}
_PER_REQUIREMENT = {"--hash", "--global-option", "--install-option", "--config-settings", "-C"}
_INCLUDE = {"-r", "--requirement"}
_CONSTRAINT = {"-c", "--constraint"}
_EDITABLE = {"-e", "--editable"}
_TAKES_VALUE = _GLOBAL_WITH_VALUE | _PER_REQUIREMENT | _INCLUDE | _CONSTRAINT | _EDITABLE


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """``(first physical line, text)`` of each logical line, comments removed, as pip reads.

    A line ending in a backslash continues on the next one (unless it is a comment line).
    """
    buffer: list[str] = []
    first: int | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if first is None:
            first = number
        if line.endswith("\\") and not _COMMENT.match(line):
            buffer.append(line[:-1])
            continue
        buffer.append(line)
        joined = _COMMENT.sub("", "".join(buffer)).strip()
        if joined:
            yield first, joined
        buffer, first = [], None
    if buffer and first is not None:
        joined = _COMMENT.sub("", "".join(buffer)).strip()
        if joined:
            yield first, joined


def _split_options(line: str) -> tuple[str, str]:
    """pip's ``break_args_options``: the requirement part and the options part."""
    tokens = line.split(" ")
    args: list[str] = []
    for token in tokens:
        if token.startswith("-"):
            break
        args.append(token)
    return " ".join(args).strip(), " ".join(tokens[len(args) :]).strip()


def _parse_options(text: str) -> list[tuple[str, str | None]]:
    """``[(option, value)]``; raises ValueError for an unknown option or a missing value."""
    tokens = shlex.split(text, comments=False, posix=True)
    parsed: list[tuple[str, str | None]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.startswith("--") and "=" in token:
            name, value = token.split("=", 1)
            parsed.append((name, value))
            continue
        if token.startswith("-") and not token.startswith("--") and len(token) > 2:
            name, value = token[:2], token[2:]
            if name in _TAKES_VALUE:
                parsed.append((name, value))
                continue
        if token in _TAKES_VALUE:
            if index >= len(tokens):
                raise ValueError(f"option {excerpt(token)} needs a value")
            parsed.append((token, tokens[index]))
            index += 1
        elif token in _GLOBAL_FLAGS:
            parsed.append((token, None))
        else:
            raise ValueError(f"unknown option {excerpt(token)!r}")
    return parsed


def _direct_reason(text: str) -> str | None:
    """Why *text* (a whole requirement) is not auditable, or None when it is a name."""
    if _VCS.match(text):
        return "VCS requirement"
    if _SCHEME.match(text) or text.lower().startswith("file:"):
        return "URL requirement"
    return None


def _looks_like_path(text: str) -> bool:
    return (
        text.startswith((".", "/", "~"))
        or "/" in text.split(";", 1)[0]
        or "\\" in text
        or text.lower().split(";", 1)[0].strip().endswith(_ARCHIVE)
    )


def _display_name(text: str) -> str:
    match = _EGG.search(text)
    return match.group(1) if match else safe_text(text.split(";", 1)[0].strip())


def _invalid_requirement(exc: InvalidRequirement, text: str) -> str:
    """``invalid requirement 'pytz>dev': Expected …``: the kind, a short redacted excerpt.

    packaging's message repeats the whole line under its first line; only that first line
    (what is wrong) is kept.
    """
    lines = str(exc).strip().splitlines()
    kind = lines[0].strip() if lines else "cannot parse"
    return f"invalid requirement {excerpt(text)!r}: {excerpt(kind, 80)}"


def exact_pin(requirement: Requirement) -> str | None:
    """The version an ``==`` (not wildcard) or ``===`` specifier pins, else None."""
    for spec in requirement.specifier:
        if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith(".*")):
            return spec.version
    return None


def declaration_from_requirement(
    text: str, path: str, line: int | None, origin: str, group: str | None = None
) -> Declaration:
    """A declaration from one PEP 508 requirement string; raises InvalidRequirement."""
    requirement = Requirement(text)
    if requirement.url:
        reason = "VCS requirement" if _VCS.match(requirement.url) else "direct URL reference"
        shown = safe_text(text)
        return Declaration(
            requirement.name, None, path, line, Kind.NOT_AUDITABLE, origin, shown, group, reason
        )
    version = exact_pin(requirement)
    kind = Kind.PINNED if version is not None else Kind.UNPINNED
    return Declaration(requirement.name, version, path, line, kind, origin, text, group)


@dataclass
class _Tree:
    """One top-level requirements file and what it includes."""

    declarations: list[Declaration] = field(default_factory=list)
    constraints: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Canonical name to (pinned version, ``file:line``)."""


class _RequirementsReader:
    def __init__(self, root: Path, result: Manifests) -> None:
        self.root = root
        self.result = result
        self.real_root = _real(root)
        self.emitted: dict[tuple[str, int | None, str, str | None, str | None], int] = {}
        """A declaration already in the result (its index there), with its pin."""
        self.reported: set[tuple[str, int | None, str]] = set()

    def problem(
        self,
        path: str,
        line: int | None,
        message: str,
        kind: GapKind = GapKind.INVALID_REQUIREMENT,
    ) -> None:
        key = (path, line, message)
        if key not in self.reported:
            self.reported.add(key)
            self.result.problems.append(ManifestProblem(path, line, message, kind))

    def read_top_level(self, rel: str) -> None:
        """Read *rel* as ``pip install -r rel`` would, and everything it includes.

        A line reached from several top-level files (``docs/requirements.txt`` read on its
        own and through ``-r docs/requirements.txt``) is one declaration that records every
        chain it was reached by; the same line pinned differently by two trees' constraints
        is two (each is what one install gets).
        """
        tree = _Tree()
        self._read_file(rel, tree, stack=(), constraint=False, line=None)
        for decl in tree.declarations:
            final = decl
            if decl.kind is Kind.UNPINNED and decl.key in tree.constraints:
                version, where = tree.constraints[decl.key]
                final = replace(decl, kind=Kind.PINNED, version=version, via=where)
            key = (final.path, final.line, final.requirement, final.version, final.via)
            index = self.emitted.get(key)
            if index is None:
                self.emitted[key] = len(self.result.declarations)
                self.result.declarations.append(final)
                continue
            known = self.result.declarations[index]
            chains = tuple(dict.fromkeys((*known.chains, *final.chains)))
            self.result.declarations[index] = replace(known, chains=chains)

    def _resolve(self, parent: str, target: str, line: int, option: str) -> str | None:
        """The target of ``-r``/``-c`` *target* (relative to the root), or None.

        The scanned repository is not trusted: the target, symlinks followed, must stay in
        the scanned root and outside ``.git/``; else it is not read (its lines would be
        quoted in problems: a ``-r .git/config`` must not put a credential in the report).
        """
        flag = "-c" if option in _CONSTRAINT else "-r"
        if _SCHEME.match(target):
            self.problem(
                parent,
                line,
                f"remote include {excerpt(target)!r} cannot be read offline",
                GapKind.INCLUDE,
            )
            return None
        base = (self.root / parent).parent
        lexical = Path(os.path.normpath(base / target))
        real = _real(lexical)
        if not _inside(lexical, self.root) or not _inside(real, self.real_root):
            self.problem(
                parent,
                line,
                f"{flag} target is outside the scanned root (symlinks followed), not read",
                GapKind.INCLUDE,
            )
            return None
        rel_parts = lexical.relative_to(self.root).parts
        real_parts = real.relative_to(self.real_root).parts
        if _in_git_dir(rel_parts) or _in_git_dir(real_parts):
            self.problem(parent, line, f"{flag} target is inside .git/, not read", GapKind.INCLUDE)
            return None
        if not real.is_file():
            self.problem(
                parent, line, f"included file {excerpt(target)!r} not found", GapKind.INCLUDE
            )
            return None
        return PurePosixPath(*real_parts).as_posix()

    def _read_file(
        self,
        rel: str,
        tree: _Tree,
        *,
        stack: tuple[str, ...],
        constraint: bool,
        line: int | None,
    ) -> None:
        if rel in stack:
            return  # an include cycle: each file is read once per tree
        text = _read_text(self.root, rel, self.result, line)
        if text is None:
            return
        self.result.files.append(rel)
        for number, logical in logical_lines(text):
            self._read_line(rel, number, logical, tree, stack=(*stack, rel), constraint=constraint)

    def _read_line(
        self,
        rel: str,
        number: int,
        logical: str,
        tree: _Tree,
        *,
        stack: tuple[str, ...],
        constraint: bool,
    ) -> None:
        args, option_text = _split_options(logical)
        try:
            options = _parse_options(option_text) if option_text else []
        except ValueError as exc:
            self.problem(rel, number, str(exc))
            return
        for name, value in options:
            if value is None:
                continue
            if name in _INCLUDE or name in _CONSTRAINT:
                target = self._resolve(rel, value, number, name)
                if target is not None:
                    self._read_file(
                        target,
                        tree,
                        stack=stack,
                        constraint=constraint or name in _CONSTRAINT,
                        line=number,
                    )
            elif name in _EDITABLE and not constraint:
                tree.declarations.append(
                    Declaration(
                        _display_name(value),
                        None,
                        rel,
                        number,
                        Kind.NOT_AUDITABLE,
                        "requirements",
                        f"-e {safe_text(value)}",
                        reason="editable requirement",
                        chains=(stack[:-1],),
                    )
                )
        if not args:
            return
        self._read_requirement(rel, number, args, tree, constraint=constraint, chain=stack[:-1])

    def _read_requirement(
        self,
        rel: str,
        number: int,
        text: str,
        tree: _Tree,
        *,
        constraint: bool,
        chain: tuple[str, ...],
    ) -> None:
        """One requirement of *rel*, reached from the top-level file through *chain*."""
        reason = _direct_reason(text)
        decl: Declaration | None = None
        if reason is None:
            try:
                decl = declaration_from_requirement(text, rel, number, "requirements")
            except InvalidRequirement as exc:
                if not _looks_like_path(text):
                    self.problem(rel, number, _invalid_requirement(exc, text))
                    return
                reason = "local path requirement"
        if decl is None:
            decl = Declaration(
                _display_name(text),
                None,
                rel,
                number,
                Kind.NOT_AUDITABLE,
                "requirements",
                safe_text(text),
                reason=reason,
            )
        if constraint:
            if decl.kind is Kind.PINNED and decl.version is not None:
                tree.constraints.setdefault(decl.key, (decl.version, f"{rel}:{number}"))
            return
        tree.declarations.append(replace(decl, chains=(chain,)))


# --------------------------------------------------------------------------- TOML lines


_TOML_TOKEN = re.compile(
    r'''(?P<comment>\#[^\n]*)
    |(?P<mlbasic>"""(?:[^"\\]|\\.|"(?!""))*""")
    |(?P<mlliteral>\'\'\'(?:[^']|'(?!''))*\'\'\')
    |(?P<basic>"(?:[^"\\\n]|\\.)*")
    |(?P<literal>'[^'\n]*')
    |(?P<open>[\[{])
    |(?P<close>[\]}])
    |(?P<other>[^"'\#\[\]{}]+|["'])''',
    re.VERBOSE,
)
_HEADER = re.compile(r"[ \t]*(\[\[?)[ \t]*(.*?)[ \t]*(\]\]?)[ \t]*(?:#[^\n]*)?(?=\n|$)")
_KEY_PART = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)""")


def _decode_string(token: str, kind: str) -> str:
    if kind == "literal":
        return token[1:-1]
    if kind == "mlliteral":
        inner = token[3:-3]
        return inner[1:] if inner.startswith("\n") else inner
    if "\\" not in token:
        inner = token[3:-3] if kind == "mlbasic" else token[1:-1]
        return inner[1:] if kind == "mlbasic" and inner.startswith("\n") else inner
    try:
        value = tomllib.loads(f"v = {token}")["v"]
    except tomllib.TOMLDecodeError:
        return token
    return str(value)


def _header_name(inner: str) -> str:
    parts: list[str] = []
    position = 0
    while position < len(inner):
        match = _KEY_PART.match(inner, position)
        if not match or match.end() == position:
            return inner.strip()
        parts.append(match.group(1) or match.group(2) or match.group(3) or "")
        position = match.end()
    return ".".join(parts)


@dataclass(frozen=True)
class _TomlString:
    line: int
    value: str
    table: str


class TomlLocator:
    """The line of each string value and table header of a TOML document.

    ``tomllib`` gives values without positions; this lexer walks the same text (comments,
    all four string forms, brackets) so that a value can be found where it is declared,
    in the table it belongs to, and two equal values map to their own lines in order.
    """

    def __init__(self, text: str) -> None:
        self.strings: list[_TomlString] = []
        self.headers: list[tuple[int, str, bool]] = []
        """``(line, dotted name, is array of tables)``, in file order."""
        self._used: set[int] = set()
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
        table = ""
        depth = 0
        position = 0
        while position < len(text):
            line_start = text.rfind("\n", 0, position) + 1
            if depth == 0 and text[position] == "[" and not text[line_start:position].strip():
                header = _HEADER.match(text, line_start)
                if header:
                    table = _header_name(header.group(2))
                    line = bisect.bisect_right(starts, position)
                    self.headers.append((line, table, header.group(1) == "[["))
                    position = header.end()
                    continue
            match = _TOML_TOKEN.match(text, position)
            if match is None:  # pragma: no cover - the pattern matches any character
                position += 1
                continue
            kind = match.lastgroup or "other"
            if kind == "open":
                depth += 1
            elif kind == "close":
                depth = max(0, depth - 1)
            elif kind in ("basic", "literal", "mlbasic", "mlliteral"):
                line = bisect.bisect_right(starts, position)
                self.strings.append(_TomlString(line, _decode_string(match.group(), kind), table))
            position = match.end()

    def find(self, value: str, tables: Sequence[str] = ()) -> int | None:
        """The line of the first unclaimed string equal to *value*, preferring *tables*.

        Each found string is claimed, so equal declarations map to successive lines.
        """
        for restrict in (True, False) if tables else (False,):
            for index, entry in enumerate(self.strings):
                if index in self._used or entry.value != value:
                    continue
                if restrict and not any(
                    entry.table == t or entry.table.startswith(t + ".") for t in tables
                ):
                    continue
                self._used.add(index)
                return entry.line
        return None

    def array_blocks(self, name: str) -> list[tuple[int, int]]:
        """``(first line, line after the end)`` of each ``[[name]]`` table, in order.

        A block runs to the next ``[[name]]`` header or the next header outside ``name``
        (sub-tables such as ``[package.source]`` belong to the block).
        """
        blocks: list[tuple[int, int]] = []
        for index, (line, table, is_array) in enumerate(self.headers):
            if table != name or not is_array:
                continue
            end = 10**9
            for later_line, later_table, later_array in self.headers[index + 1 :]:
                if (later_table == name and later_array) or not later_table.startswith(name + "."):
                    end = later_line
                    break
            blocks.append((line, end))
        return blocks

    def table_at(self, line: int) -> str:
        """The table a line belongs to (``""`` before the first header)."""
        current = ""
        for header_line, table, _ in self.headers:
            if header_line > line:
                break
            current = table
        return current

    def key_line(self, text: str, key: str, tables: Sequence[str]) -> int | None:
        """The line where *key* is assigned (``key =``) inside one of *tables*."""
        pattern = re.compile(
            rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*[.=]"""
        )
        for number, raw in enumerate(text.splitlines(), 1):
            if pattern.match(raw) and self.table_at(number) in tables:
                return number
        return None

    def string_between(self, value: str, start: int, end: int) -> int | None:
        """The line of the first string equal to *value* on lines ``[start, end)``."""
        for entry in self.strings:
            if start <= entry.line < end and entry.value == value:
                return entry.line
        return None


_TOML_LINE = re.compile(r"at line (\d+)")


def _load_toml(rel: str, text: str, result: Manifests) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        line = int(match.group(1)) if match else None
        result.problems.append(
            ManifestProblem(rel, line, f"invalid TOML: {exc}", GapKind.UNPARSABLE)
        )
        return None


# --------------------------------------------------------------------------- pyproject.toml


@dataclass
class _PyprojectReader:
    rel: str
    text: str
    locator: TomlLocator
    result: Manifests

    def problem(self, line: int | None, message: str) -> None:
        self.result.problems.append(ManifestProblem(self.rel, line, message))

    def requirements(
        self,
        value: object,
        what: str,
        tables: Sequence[str],
        group: str | None,
        *,
        allow_includes: bool = False,
    ) -> None:
        key, table = what.rsplit(".", 1)[-1], tables[-1]
        if not isinstance(value, list):
            self.problem(
                self.locator.key_line(self.text, key, tables),
                f"{what} must be an array of requirement strings",
            )
            return
        for item in value:
            if allow_includes and isinstance(item, Mapping) and "include-group" in item:
                continue  # the included group is read where it is declared
            if not isinstance(item, str):
                self.problem(
                    self.locator.key_line(self.text, key, tables)
                    or self.locator.key_line(self.text, key, (table,)),
                    f"{what}: expected a requirement string, got {excerpt(repr(item))}",
                )
                continue
            line = self.locator.find(item, tables)
            try:
                decl = declaration_from_requirement(
                    item.strip(), self.rel, line, "pyproject", group
                )
            except InvalidRequirement as exc:
                self.problem(line, f"{what}: {_invalid_requirement(exc, item)}")
                continue
            self.result.declarations.append(decl)


def read_pyproject(rel: str, text: str, result: Manifests) -> None:
    """PEP 621 dependencies and optional-dependencies, PEP 735 dependency-groups."""
    data = _load_toml(rel, text, result)
    if data is None:
        return
    locator = TomlLocator(text)
    reader = _PyprojectReader(rel, text, locator, result)
    project = data.get("project", {})
    if not isinstance(project, Mapping):
        reader.problem(locator.key_line(text, "project", ("",)), "project must be a table")
        project = {}
    if "dependencies" in project:
        reader.requirements(project["dependencies"], "project.dependencies", ("project",), None)
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, Mapping):
        reader.problem(
            locator.key_line(text, "optional-dependencies", ("project",)),
            "project.optional-dependencies must be a table",
        )
        optional = {}
    for extra, items in optional.items():
        reader.requirements(
            items,
            f"project.optional-dependencies.{extra}",
            ("project", "project.optional-dependencies"),
            f"optional-dependencies.{extra}",
        )
    groups = data.get("dependency-groups", {})
    if not isinstance(groups, Mapping):
        reader.problem(
            locator.key_line(text, "dependency-groups", ("",)), "dependency-groups must be a table"
        )
        groups = {}
    for group, items in groups.items():
        reader.requirements(
            items,
            f"dependency-groups.{group}",
            ("dependency-groups",),
            f"dependency-groups.{group}",
            allow_includes=True,
        )


# --------------------------------------------------------------------------- lock files


def _lock_entry(
    *,
    rel: str,
    origin: str,
    line: int | None,
    name: str,
    version: object,
    reason: str | None,
    group: str | None = None,
) -> Declaration:
    if reason is None and not (isinstance(version, str) and version.strip()):
        reason = "no version in the lock"
    if reason is not None:
        return Declaration(
            name, None, rel, line, Kind.NOT_AUDITABLE, origin, name, group, reason=reason
        )
    text = str(version).strip()
    return Declaration(name, text, rel, line, Kind.PINNED, origin, f"{name}=={text}", group)


def _array_of_tables(
    rel: str, text: str, key: str, result: Manifests
) -> Iterator[tuple[int | None, str, Mapping[str, Any]]]:
    """``(line, name, entry)`` of each ``[[key]]`` entry of a TOML lock file."""
    data = _load_toml(rel, text, result)
    if data is None:
        return
    entries = data.get(key, [])
    if not isinstance(entries, list):
        result.problems.append(ManifestProblem(rel, None, f"{key} must be an array of tables"))
        return
    locator = TomlLocator(text)
    blocks = locator.array_blocks(key)
    for index, entry in enumerate(entries):
        start, end = blocks[index] if index < len(blocks) else (None, None)
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if not isinstance(name, str) or not name.strip():
            result.problems.append(
                ManifestProblem(rel, start, f"{key} entry {index + 1} has no name")
            )
            continue
        line = start
        if start is not None and end is not None:
            line = locator.string_between(name, start, end) or start
        yield line, name.strip(), entry


def _table(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def read_uv_lock(rel: str, text: str, result: Manifests) -> None:
    """``uv.lock``: every ``[[package]]``; registry packages are auditable."""
    for line, name, entry in _array_of_tables(rel, text, "package", result):
        source = _table(entry.get("source"))
        reason = None
        if "git" in source:
            reason = "VCS dependency (git)"
        elif "url" in source:
            reason = "URL dependency"
        elif any(k in source for k in ("editable", "virtual", "directory", "path")):
            reason = "local project or path"
        result.declarations.append(
            _lock_entry(
                rel=rel,
                origin="uv.lock",
                line=line,
                name=name,
                version=entry.get("version"),
                reason=reason,
            )
        )


def read_poetry_lock(rel: str, text: str, result: Manifests) -> None:
    """``poetry.lock``: every ``[[package]]``; git, url, file and directory ones are not."""
    for line, name, entry in _array_of_tables(rel, text, "package", result):
        source = _table(entry.get("source"))
        kind = str(source.get("type", "")).lower()
        reason = None
        if kind == "git":
            reason = "VCS dependency (git)"
        elif kind == "url":
            reason = "URL dependency"
        elif kind in ("file", "directory"):
            reason = "local project or path"
        result.declarations.append(
            _lock_entry(
                rel=rel,
                origin="poetry.lock",
                line=line,
                name=name,
                version=entry.get("version"),
                reason=reason,
            )
        )


def read_pylock(rel: str, text: str, result: Manifests) -> None:
    """``pylock.toml`` (PEP 751): every ``[[packages]]``; vcs and directory ones are not."""
    for line, name, entry in _array_of_tables(rel, text, "packages", result):
        reason = None
        if "vcs" in entry:
            reason = "VCS dependency"
        elif "directory" in entry:
            reason = "local project or path"
        result.declarations.append(
            _lock_entry(
                rel=rel,
                origin="pylock.toml",
                line=line,
                name=name,
                version=entry.get("version"),
                reason=reason,
            )
        )


_JSON_KEY = re.compile(r'^(\s*)"((?:[^"\\]|\\.)*)"\s*:')


def read_pipfile_lock(rel: str, text: str, result: Manifests) -> None:
    """``Pipfile.lock``: every package of every category (``default``, ``develop``…)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        result.problems.append(
            ManifestProblem(rel, exc.lineno, f"invalid JSON: {exc.msg}", GapKind.UNPARSABLE)
        )
        return
    if not isinstance(data, dict):
        result.problems.append(
            ManifestProblem(rel, 1, "expected a JSON object", GapKind.UNPARSABLE)
        )
        return
    # Where each "category": { ... } key and each package key inside it sits.
    lines: dict[tuple[str, str], int] = {}
    category: str | None = None
    category_indent = package_indent = -1
    for number, raw in enumerate(text.splitlines(), 1):
        match = _JSON_KEY.match(raw)
        if not match:
            continue
        indent, key = len(match.group(1)), match.group(2)
        top_level = category is None or indent <= category_indent
        if top_level and key in data and isinstance(data[key], dict):
            category, category_indent, package_indent = key, indent, -1
        elif category is not None and indent > category_indent:
            if package_indent < 0:
                package_indent = indent  # the first key inside a category is a package
            if indent == package_indent:  # not "hashes", "version"… inside a package
                lines.setdefault((category, key), number)
    for section, packages in data.items():
        if section.startswith("_") or not isinstance(packages, dict):
            continue
        for name, entry in packages.items():
            line = lines.get((section, name))
            if not isinstance(entry, Mapping):
                result.problems.append(
                    ManifestProblem(rel, line, f"{section}.{name}: expected an object")
                )
                continue
            reason = None
            if "git" in entry or any(k in entry for k in ("hg", "svn", "bzr")):
                reason = "VCS dependency"
            elif "path" in entry or entry.get("editable"):
                reason = "local project or path"
            elif "file" in entry:
                reason = "URL dependency"
            version = entry.get("version")
            if reason is None and isinstance(version, str) and version.startswith("=="):
                version = version[2:]
            elif reason is None and isinstance(version, str) and version.startswith("==="):
                version = version[3:]
            elif reason is None:
                reason = f"no exact version in the lock ({version!r})"
            result.declarations.append(
                _lock_entry(
                    rel=rel,
                    origin="Pipfile.lock",
                    line=line,
                    name=name,
                    version=version,
                    reason=reason,
                    group=section,
                )
            )


_READERS = {
    "pyproject": read_pyproject,
    "uv.lock": read_uv_lock,
    "poetry.lock": read_poetry_lock,
    "Pipfile.lock": read_pipfile_lock,
    "pylock.toml": read_pylock,
}


# --------------------------------------------------------------------------- installed


def installed_declarations() -> list[Declaration]:
    """Every distribution installed in the environment secgate runs in.

    Editable, VCS and URL installs (PEP 610 ``direct_url.json``) are ``not-auditable``.
    """
    import importlib.metadata  # noqa: PLC0415

    found: dict[str, Declaration] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if not name:
            continue
        key = canonicalize_name(name)
        if key in found:
            continue  # an earlier sys.path entry shadows later copies, as for imports
        reason = None
        direct = dist.read_text("direct_url.json")
        if direct:
            try:
                info = json.loads(direct)
            except json.JSONDecodeError:
                info = {}
            if isinstance(info, dict):
                if info.get("dir_info", {}).get("editable"):
                    reason = "editable install"
                elif "vcs_info" in info:
                    reason = "VCS install"
                elif "archive_info" not in info and "dir_info" in info:
                    reason = "installed from a local folder"
        version = dist.version
        if reason is None:
            found[key] = Declaration(
                name, version, INSTALLED_PATH, None, Kind.PINNED, "installed", f"{name}=={version}"
            )
        else:
            found[key] = Declaration(
                name,
                None,
                INSTALLED_PATH,
                None,
                Kind.NOT_AUDITABLE,
                "installed",
                f"{name} {version}",
                reason=reason,
            )
    return [found[k] for k in sorted(found)]
