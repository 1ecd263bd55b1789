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

One module per job: :mod:`~secgate.deps.manifests.core` (the types every reader produces,
which files are manifests), :mod:`~secgate.deps.manifests.trust` (redacted excerpts, which
files may be read), :mod:`~secgate.deps.manifests.requirements`,
:mod:`~secgate.deps.manifests.pyproject`, :mod:`~secgate.deps.manifests.locks`,
:mod:`~secgate.deps.manifests.installed` (one per format),
:mod:`~secgate.deps.manifests.toml_lines` (the line of each TOML value); this module
says which reader reads which file (:func:`read_manifests`) and gathers the public names.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from secgate.deps.manifests.core import (
    INSTALLED_PATH,
    LOCK_FORMATS,
    Declaration,
    Kind,
    ManifestProblem,
    Manifests,
    manifest_format,
)
from secgate.deps.manifests.installed import installed_declarations
from secgate.deps.manifests.locks import (
    read_pipfile_lock,
    read_poetry_lock,
    read_pylock,
    read_uv_lock,
)
from secgate.deps.manifests.pyproject import read_pyproject
from secgate.deps.manifests.requirements import (
    RequirementsReader,
    declaration_from_requirement,
    exact_pin,
    logical_lines,
)
from secgate.deps.manifests.toml_lines import TomlLocator
from secgate.deps.manifests.trust import (
    EXCERPT_LIMIT,
    excerpt,
    read_text,
    redact_url_userinfo,
    safe_text,
)

__all__ = [
    "EXCERPT_LIMIT",
    "INSTALLED_PATH",
    "LOCK_FORMATS",
    "Declaration",
    "Kind",
    "ManifestProblem",
    "Manifests",
    "TomlLocator",
    "declaration_from_requirement",
    "exact_pin",
    "excerpt",
    "installed_declarations",
    "logical_lines",
    "manifest_format",
    "read_manifests",
    "read_pipfile_lock",
    "read_poetry_lock",
    "read_pylock",
    "read_pyproject",
    "read_uv_lock",
    "redact_url_userinfo",
    "safe_text",
]

_READERS = {
    "pyproject": read_pyproject,
    "uv.lock": read_uv_lock,
    "poetry.lock": read_poetry_lock,
    "Pipfile.lock": read_pipfile_lock,
    "pylock.toml": read_pylock,
}


def read_manifests(
    root: Path, files: Sequence[str], *, extra_patterns: Sequence[str] = ()
) -> Manifests:
    """Read every manifest among *files* (relative POSIX paths under *root*)."""
    result = Manifests()
    requirements = RequirementsReader(root, result)
    for rel in sorted(files):
        fmt = manifest_format(rel, extra_patterns)
        if fmt is None:
            continue
        if fmt == "requirements":
            requirements.read_top_level(rel)
            continue
        text = read_text(root, rel, result)
        if text is None:
            continue
        result.files.append(rel)
        reader = _READERS[fmt]
        reader(rel, text, result)
    result.files = sorted(set(result.files))
    return result
