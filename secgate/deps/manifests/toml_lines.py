"""TOML documents read with the line of each value: TOML parsers give values, not positions.

:class:`TomlLocator` finds each declaration by a small lexer over the text (strings,
comments and table headers; never a bare substring search).
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from secgate.deps.manifests.core import (
    ManifestProblem,
    Manifests,
)
from secgate.models import GapKind

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


def load_toml(rel: str, text: str, result: Manifests) -> dict[str, Any] | None:
    """The parsed document, or None with an ``unparsable`` problem giving the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        line = int(match.group(1)) if match else None
        result.problems.append(
            ManifestProblem(rel, line, f"invalid TOML: {exc}", GapKind.UNPARSABLE)
        )
        return None
