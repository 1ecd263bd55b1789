"""Requirements files, as ``pip install -r`` reads them.

``requirements*.txt`` (and ``*.txt`` in a ``requirements/`` folder), with ``-r``/``-c``
includes (relative to the including file; symlinks followed, never outside the scanned
root nor inside ``.git/``; each declaration records the chains of top-level files that
include it, :attr:`~secgate.deps.manifests.Declaration.chains`, so that it is judged where
it is installed), line continuations, comments, ``--hash`` and other per-requirement
options, extras and environment markers (kept, not evaluated: a dependency is audited
whatever platform it is meant for). Editable, URL, VCS and local-path requirements are
declarations of kind ``not-auditable``: there is no version to look up, and they are
listed, never dropped.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement

from secgate.deps.manifests.core import (
    Declaration,
    Kind,
    ManifestProblem,
    Manifests,
)
from secgate.deps.manifests.trust import (
    excerpt,
    in_git_dir,
    is_inside,
    read_text,
    real_path,
    safe_text,
)
from secgate.models import GapKind

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


def invalid_requirement(exc: InvalidRequirement, text: str) -> str:
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


class RequirementsReader:
    def __init__(self, root: Path, result: Manifests) -> None:
        self.root = root
        self.result = result
        self.real_root = real_path(root)
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
        real = real_path(lexical)
        if not is_inside(lexical, self.root) or not is_inside(real, self.real_root):
            self.problem(
                parent,
                line,
                f"{flag} target is outside the scanned root (symlinks followed), not read",
                GapKind.INCLUDE,
            )
            return None
        rel_parts = lexical.relative_to(self.root).parts
        real_parts = real.relative_to(self.real_root).parts
        if in_git_dir(rel_parts) or in_git_dir(real_parts):
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
        text = read_text(self.root, rel, self.result, line)
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
                    self.problem(rel, number, invalid_requirement(exc, text))
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
