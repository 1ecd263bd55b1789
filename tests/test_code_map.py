"""The README's map of the code names every module, and every module it names exists."""

from __future__ import annotations

import re
from pathlib import Path

import secgate

PACKAGE = Path(secgate.__file__).resolve().parent
README = PACKAGE.parent / "README.md"


def _map_text() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("**Map of the code.**")
    return text[start : text.index("\n## ", start)]


def test_every_module_is_on_the_map() -> None:
    table = _map_text()
    named = set(re.findall(r"`([a-z_/]+(?:\.py)?)`", table))
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.name in {"__init__.py", "__main__.py"}:
            continue
        stem = rel.with_suffix("").name
        if len(rel.parts) == 1:
            ok = rel.name in named
        else:
            ok = f"{rel.parts[0]}/" in named and (stem in named or rel.name in named)
        if not ok:
            missing.append(rel.as_posix())
    assert missing == []


def test_every_module_the_map_names_exists() -> None:
    for name in re.findall(r"\| `([a-z_]+\.py)`", _map_text()):
        assert (PACKAGE / name).is_file(), name
