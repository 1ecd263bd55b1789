"""Lock files: ``uv.lock``, ``poetry.lock``, ``Pipfile.lock`` and ``pylock.toml`` (PEP 751).

Every locked package is a declaration; registry packages are pinned (auditable), VCS,
URL and local ones are ``not-auditable`` with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from secgate.deps.manifests.core import (
    Declaration,
    Kind,
    ManifestProblem,
    Manifests,
)
from secgate.deps.manifests.toml_lines import TomlLocator, load_toml
from secgate.models import GapKind


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
    data = load_toml(rel, text, result)
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
