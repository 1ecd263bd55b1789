"""The regular-expression engine the detector runs on: google-re2 if it can, ``re`` otherwise.

RE2 matches in time linear in the input, so a crafted line cannot make a rule backtrack for
hours (ReDoS); it also runs a large alternation of keywords as one DFA pass, which is what
makes the keyword pre-filter cheap. Python's ``re`` is the fallback when the ``google-re2``
wheel is not installed (or ``SECGATE_REGEX_ENGINE=re`` asks for it): same results on
secgate's rules, slower, and without the linear-time guarantee.

Every pattern is compiled for **bytes** (RE2 in Latin-1 mode, so each byte is one
character): files are scanned as they are on disk, whatever their encoding, and invalid
UTF-8 cannot break a match or crash the scan.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

ENGINE_ENV = "SECGATE_REGEX_ENGINE"


class RegexSyntaxError(ValueError):
    """A pattern that the selected engine cannot compile."""


class Match(Protocol):
    """The subset of a match object both engines provide."""

    def start(self, group: int = 0) -> int:
        """Start offset of *group*."""
        ...

    def end(self, group: int = 0) -> int:
        """End offset of *group*."""
        ...

    def group(self, group: int = 0) -> bytes | None:
        """Text of *group*."""
        ...


class _SpanMatch:
    """A match from RE2's raw spans (group offsets), without the wrapper's per-call work."""

    __slots__ = ("_data", "_spans")

    def __init__(self, data: bytes, spans: Sequence[tuple[int, int]]) -> None:
        self._data = data
        self._spans = spans

    def start(self, group: int = 0) -> int:
        return self._spans[group][0]

    def end(self, group: int = 0) -> int:
        return self._spans[group][1]

    def group(self, group: int = 0) -> bytes | None:
        start, end = self._spans[group]
        return None if start < 0 else self._data[start:end]


@dataclass(frozen=True)
class Pattern:
    """A compiled bytes pattern on one engine, with a uniform interface."""

    source: str
    engine: str
    compiled: Any
    groups: int
    groupindex: dict[str, int]
    raw: Any = None
    """RE2's underlying object, called directly: the Python wrapper's per-call overhead
    is most of the cost of matching a short line."""

    def search(self, data: bytes, pos: int = 0, endpos: int | None = None) -> Match | None:
        """The first match in ``data[pos:endpos]`` (offsets stay relative to *data*)."""
        end = len(data) if endpos is None else endpos
        if self.raw is not None:
            spans = self.raw.Match(_UNANCHORED, data, pos, end)
            return None if spans[0][0] < 0 else _SpanMatch(data, spans)
        match: Match | None = self.compiled.search(data, pos, end)
        return match

    def finditer(self, data: bytes, pos: int = 0, endpos: int | None = None) -> Iterator[Match]:
        """Every non-overlapping match in ``data[pos:endpos]``."""
        end = len(data) if endpos is None else endpos
        if self.raw is None:
            it: Iterator[Match] = self.compiled.finditer(data, pos, end)
            return it
        return self._re2_finditer(data, pos, end)

    def _re2_finditer(self, data: bytes, pos: int, end: int) -> Iterator[Match]:
        raw = self.raw
        while pos <= end:
            spans = raw.Match(_UNANCHORED, data, pos, end)
            first_start, first_end = spans[0]
            if first_start < 0:
                return
            yield _SpanMatch(data, spans)
            pos = first_end + 1 if first_end == first_start else first_end

    def spans(self, data: bytes) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of every match of the whole pattern: the pre-filter's fast path."""
        if self.raw is None:
            for match in self.compiled.finditer(data):
                yield match.span()
            return
        raw = self.raw
        pos, end = 0, len(data)
        while pos <= end:
            span = raw.Match(_UNANCHORED, data, pos, end)[0]
            start, stop = span
            if start < 0:
                return
            yield span
            pos = stop + 1 if stop == start else stop


_UNANCHORED: Any = None


@lru_cache(maxsize=1)
def _re2() -> Any:
    try:
        import re2  # noqa: PLC0415 - optional dependency, imported on first use
    except ImportError:
        return None
    return re2


def engine_name(preferred: str | None = None) -> str:
    """``"re2"`` or ``"re"``: the engine patterns are compiled with.

    *preferred* (or ``SECGATE_REGEX_ENGINE``) may ask for ``re``; ``re2`` is used whenever
    it is installed and not refused.
    """
    wanted = (preferred or os.environ.get(ENGINE_ENV) or "re2").strip().lower()
    if wanted not in ("re", "re2"):
        raise RegexSyntaxError(f"{ENGINE_ENV}={wanted!r}: expected 're2' or 're'")
    if wanted == "re2" and _re2() is not None:
        return "re2"
    return "re"


def _index_of(groupindex: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value in dict(groupindex).items():
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        out[name] = int(value)
    return out


@lru_cache(maxsize=4096)
def compile_pattern(source: str, engine: str | None = None) -> Pattern:
    """Compile *source* (a ``str`` pattern, ASCII in practice) for bytes on *engine*.

    Raises :class:`RegexSyntaxError` with the engine's message when it does not compile.
    """
    chosen = engine_name(engine)
    try:
        raw = source.encode("latin-1")
    except UnicodeEncodeError:
        raise RegexSyntaxError(
            "only Latin-1 characters are supported in secret patterns; "
            "write other characters as byte escapes"
        ) from None
    if chosen == "re2":
        re2 = _re2()
        options = re2.Options()
        options.log_errors = False
        options.encoding = re2.Options.Encoding.LATIN1
        try:
            compiled = re2.compile(raw, options)
        except re2.error as exc:
            message = exc.args[0] if exc.args else exc
            if isinstance(message, bytes):
                message = message.decode("latin-1", "replace")
            raise RegexSyntaxError(f"RE2 cannot compile it: {message}") from None
        raw_regexp = getattr(compiled, "_regexp", None)
        global _UNANCHORED  # noqa: PLW0603 - resolved once from the installed re2
        anchor = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
        if raw_regexp is None or anchor is None or not hasattr(raw_regexp, "Match"):
            raw_regexp = None  # another google-re2 layout: use its public API
        else:
            _UNANCHORED = anchor
        return Pattern(
            source,
            "re2",
            compiled,
            compiled.groups,
            _index_of(compiled.groupindex),
            raw=raw_regexp,
        )
    try:
        compiled = re.compile(raw)
    except re.error as exc:
        raise RegexSyntaxError(f"Python re cannot compile it: {exc}") from None
    return Pattern(source, "re", compiled, compiled.groups, _index_of(compiled.groupindex))


def check_portable(source: str) -> None:
    """Raise :class:`RegexSyntaxError` unless *source* compiles on both engines.

    secgate's own rules must run the same with or without google-re2, so they stay in the
    syntax both accept (no look-around, no back-references, flags only at the start or in
    scoped groups).
    """
    compile_pattern(source, "re")
    if _re2() is not None:
        compile_pattern(source, "re2")


class PathMatcher:
    """Which of many path patterns match a path, in one call.

    With RE2 this is a ``re2.Set``: every pattern in one automaton, one pass over the path
    however many rules have path filters. With ``re`` it is a loop.
    """

    def __init__(self, patterns: Sequence[str], engine: str | None = None) -> None:
        self.engine = engine_name(engine)
        self.patterns = tuple(patterns)
        self._set: Any = None
        self._compiled: tuple[re.Pattern[str], ...] = ()
        if not self.patterns:
            return
        if self.engine == "re2":
            re2 = _re2()
            options = re2.Options()
            options.log_errors = False
            matcher = re2.Set.SearchSet(options)
            for index, pattern in enumerate(self.patterns):
                if matcher.Add(pattern) != index:
                    raise RegexSyntaxError(f"RE2 cannot compile the path pattern {pattern!r}")
            matcher.Compile()
            self._set = matcher
        else:
            self._compiled = tuple(re.compile(p) for p in self.patterns)

    def matches(self, path: str) -> frozenset[int]:
        """Indexes of the patterns that match somewhere in *path*."""
        if not self.patterns:
            return frozenset()
        if self._set is not None:
            found = self._set.Match(path)
            return frozenset(found) if found else frozenset()
        return frozenset(i for i, p in enumerate(self._compiled) if p.search(path))
