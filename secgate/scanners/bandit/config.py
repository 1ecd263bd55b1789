"""Bandit's settings read from the scanned tree, and what they turn off.

secgate reads exactly one bandit config from the scanned tree: the ``[tool.bandit]`` table
of the root's ``pyproject.toml`` (unless ``scanners.bandit.use-pyproject = false``), as
``bandit -c pyproject.toml`` would. It never reads a ``.bandit`` ini file, a
``bandit.yaml`` or a ``-c`` file of the tree's choosing. From that table bandit (run
in-process) uses ``tests``, ``skips`` and the settings of its configurable tests
(``[tool.bandit.shell_injection]``, ``[tool.bandit.assert_used]``…); secgate itself used
to apply ``exclude_dirs`` and ``include`` to its file list and no longer does: which files
are scanned is secgate's collector's decision (``exclude``, ``scanners.bandit.exclude``),
so that the tree cannot drop files unseen.

Each of those settings can switch detection off, and a reviewer of the CI log must see
it: :func:`tree_weakenings` turns them into the lines of ``ScanOutput.weakenings``.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from typing import Any

from secgate.errors import ScannerError

#: Where secgate reads bandit's settings in the scanned root.
PYPROJECT = "pyproject.toml"
#: Keys of ``[tool.bandit]`` secgate reads but does not apply to its file list.
NOT_APPLIED = ("exclude_dirs", "include")


def tool_bandit_table(path: Path) -> dict[str, Any] | None:
    """The ``[tool.bandit]`` table of a pyproject.toml, or None when there is none."""
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScannerError(f"{path}: cannot read [tool.bandit]: {exc}") from None
    tool = data.get("tool")
    if isinstance(tool, dict) and "bandit" in tool:
        table = tool["bandit"]
        return table if isinstance(table, dict) else {"": table}
    return None


def tool_bandit_file(root: Path) -> Path | None:
    """The root's pyproject.toml when it has a ``[tool.bandit]`` table."""
    path = root / PYPROJECT
    return path if tool_bandit_table(path) is not None else None


def plugin_defaults(extman: Any) -> dict[str, Any]:
    """Bandit's default settings of each configurable test, by settings name."""
    defaults: dict[str, Any] = {}
    for ext in extman.plugins:
        name = getattr(ext.plugin, "_takes_config", None)
        if not isinstance(name, str) or name in defaults:
            continue
        module = importlib.import_module(ext.plugin.__module__)
        generate = getattr(module, "gen_config", None)
        defaults[name] = generate(name) if callable(generate) else None
    return defaults


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:199] + "…"


def tree_weakenings(table: dict[str, Any], source: str, extman: Any) -> list[str]:
    """One line per setting of *table* (``[tool.bandit]``) that turns detection off or down.

    *source* names where the table came from (``pyproject.toml``). Lines look like
    ``[tool.bandit] in pyproject.toml: skips = ['B602']``; a key secgate reads but does not
    apply says so.
    """
    label = f"[tool.bandit] in {source}"
    lines: list[str] = []
    for key in ("skips", "tests"):
        value = table.get(key)
        if value:
            what = " (only these bandit tests run)" if key == "tests" else ""
            lines.append(f"{label}: {key} = {_shown(value)}{what}")
    for key in NOT_APPLIED:
        if key in table:
            lines.append(
                f"{label}: {key} = {_shown(table[key])} (not applied: secgate's own exclude "
                "settings decide which files bandit scans)"
            )
    for name, default in sorted(plugin_defaults(extman).items()):
        if name not in table:
            continue
        value = table[name]
        if not isinstance(value, dict) or not isinstance(default, dict):
            if value != default:
                lines.append(f"{label}: {name} = {_shown(value)}")
            continue
        if not value:
            lines.append(f"{label}: {name} = {{}} (every default setting of these tests dropped)")
            continue
        for key in sorted(set(value) | set(default)):
            if key not in value:
                was = default[key]
                shown = f"list of {len(was)}" if isinstance(was, list) else _shown(was)
                lines.append(f"{label}: {name}.{key} not set (bandit's default {shown} dropped)")
            elif key not in default or value[key] != default[key]:
                lines.append(f"{label}: {name}.{key} = {_shown(value[key])}")
    return lines
