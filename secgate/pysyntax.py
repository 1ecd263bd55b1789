"""Tell "needs a newer Python" from a real syntax error.

A scanner that parses Python with the running interpreter (bandit does) cannot parse code
written for a newer one: on Python 3.11 a PEP 701 f-string such as ``f"{d["k"]}"``, a
``type X = int`` alias or ``def f[T](x: T)`` is a :class:`SyntaxError` like a typo. A gate
must tell them apart: one means "run me on a newer Python", the other "this file is broken".

:func:`newer_python_reason` does it by rewriting: every construct of a newer grammar this
Python rejects (f-strings and template strings by PEP 701's rules, PEP 695 type parameters
and aliases, PEP 758 unparenthesized ``except`` lists) is checked against that grammar and
replaced by old syntax, and the file is parsed again. Only when the rewritten file parses
is the error put down to the newer syntax: a file that also holds a genuine error stays a
syntax error, because a newer Python would reject it too. Heuristic (it does not implement
a whole grammar), but it never calls a file broken code that a newer Python parses unless
that file also holds something this module does not know, and never calls newer syntax
what is broken in every version unless the broken part is hidden inside a rewritten
construct it checked.
"""

from __future__ import annotations

import ast
import itertools
import re
import sys
import warnings
from dataclasses import dataclass, field

__all__ = ["Feature", "newer_python_reason", "newer_syntax"]

Version = tuple[int, int]


@dataclass(frozen=True)
class Feature:
    """A piece of newer syntax: what it is and the first Python that parses it."""

    name: str
    version: Version


F_STRING = Feature("PEP 701 f-string", (3, 12))
TYPE_ALIAS = Feature("PEP 695 type alias", (3, 12))
TYPE_PARAMS = Feature("PEP 695 type parameters", (3, 12))
TYPE_DEFAULTS = Feature("PEP 696 type parameter default", (3, 13))
EXCEPT_LIST = Feature("PEP 758 except without parentheses", (3, 14))
T_STRING = Feature("PEP 750 template string", (3, 14))

#: Rewriting rounds before giving up (each round rewrites every construct it finds).
MAX_ROUNDS = 8

_PREFIXES = frozenset(
    "".join(cased)
    for base in ("", "r", "u", "b", "br", "rb", "f", "fr", "rf", "t", "tr", "rt")
    for cased in itertools.product(*({c, c.upper()} for c in base))
)
_OPEN = {"(": ")", "[": "]", "{": "}"}
_IDENT = r"[^\W\d]\w*"
_TYPE_ALIAS = re.compile(rf"(?m)^([ \t]*)type[ \t]+({_IDENT})[ \t]*")
_GENERIC_DEF = re.compile(rf"\b(?:def|class)[ \t]+{_IDENT}[ \t]*(?=\[)")
_EXCEPT = re.compile(r"(?m)^[ \t]*except(?!\w)[ \t]*\*?[ \t]*")


class _Unscannable(Exception):
    """The source is not tokenizable by any Python's rules (unterminated string, say)."""


@dataclass
class _Str:
    """A string literal: its span in the source and, for f/t-strings, its fields."""

    start: int
    end: int
    kind: str  # "plain", "f" or "t"
    fields: list[_Field] = field(default_factory=list)


@dataclass
class _Field:
    """One ``{...}`` replacement field: its expression and the strings nested in it."""

    expr_start: int
    expr_end: int
    end: int = 0
    """Just after the field's closing brace."""
    strings: list[_Str] = field(default_factory=list)
    conversion: str | None = None
    spec_fields: list[_Field] = field(default_factory=list)


class _Scanner:
    """Finds comments and string literals by the newest rules (PEP 701 f-strings)."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.n = len(source)

    def at_string(self, i: int) -> tuple[int, str, bool, str] | None:
        """(quote start, kind, raw, quote) when a string literal starts at *i*."""
        j = i
        while j < self.n and j - i < 2 and self.src[j].isalpha():
            j += 1
        prefix = self.src[i:j]
        if j >= self.n or self.src[j] not in "'\"" or prefix not in _PREFIXES:
            return None
        low = prefix.lower()
        kind = "f" if "f" in low else "t" if "t" in low else "plain"
        quote = self.src[j] * 3 if self.src.startswith(self.src[j] * 3, j) else self.src[j]
        return j, kind, "r" in low, quote

    def code(self, i: int, stop: str | None, out: list[_Str]) -> int:
        """Scan code from *i* (collecting strings into *out*) to *stop* at depth 0.

        With ``stop`` None, scans to the end of the source; otherwise returns the index of
        the first character of *stop* found outside brackets, strings and comments.
        """
        src, n = self.src, self.n
        depth: list[str] = []
        while i < n:
            c = src[i]
            if c == "#":
                while i < n and src[i] != "\n":
                    i += 1
                continue
            if c in "'\"" or ((c.isalpha() or c == "_") and (i == 0 or not _word(src[i - 1]))):
                found = self.at_string(i)
                if found is not None:
                    i = self.string(i, found, out)
                    continue
                while i < n and _word(src[i]):
                    i += 1
                continue
            if stop is not None and not depth and c in stop:
                if c == "!" and src.startswith("!=", i):
                    i += 2
                    continue
                if c == "=" and (src.startswith("==", i) or src[i - 1] in "=!<>:"):
                    i += 1
                    continue
                return i
            if c in _OPEN:
                depth.append(_OPEN[c])
            elif c in ")]}" and (not depth or depth.pop() != c):
                raise _Unscannable
            i += 1
        if stop is not None or depth:
            raise _Unscannable
        return i

    def string(self, start: int, found: tuple[int, str, bool, str], out: list[_Str]) -> int:
        """Scan the string whose prefix starts at *start*; return the index after it.

        *found* is what :meth:`at_string` said of it.
        """
        qstart, kind, raw, quote = found
        item = _Str(start, start, kind)
        i = self.literal(qstart + len(quote), quote, raw, None if kind == "plain" else item.fields)
        item.end = i
        out.append(item)
        return i

    def literal(self, i: int, quote: str, raw: bool, fields: list[_Field] | None) -> int:
        """Scan a literal part up to and past *quote*; f/t-string fields go into *fields*."""
        src, n = self.src, self.n
        while i < n:
            if src.startswith(quote, i):
                return i + len(quote)
            c = src[i]
            if c == "\\":
                if fields is not None and src.startswith(("\\{", "\\}"), i):
                    i += 1  # a backslash does not escape a brace
                    continue
                if fields is not None and not raw and src.startswith("\\N{", i):
                    close = src.find("}", i)
                    if close < 0:
                        raise _Unscannable
                    i = close + 1
                    continue
                i += 2
                continue
            if c == "\n" and len(quote) == 1:
                raise _Unscannable
            if fields is not None and c in "{}":
                if src.startswith(c * 2, i):
                    i += 2
                    continue
                if c == "}":
                    raise _Unscannable
                i = self.replacement_field(i + 1, fields, quote)
                continue
            i += 1
        raise _Unscannable

    def replacement_field(self, i: int, fields: list[_Field], quote: str) -> int:
        """Scan a field after its ``{``; return the index after its ``}``."""
        src = self.src
        item = _Field(i, i)
        end = self.code(i, "}!:=", item.strings)
        expr_end = end
        if src[end] == "=":  # f"{x=}": the debug specifier
            end = self.skip_blanks(end + 1)
            if end >= self.n or src[end] not in "}!:":
                raise _Unscannable
        item.expr_end = expr_end
        if src[end] == "!":
            m = re.compile(r"!([^\W\d]\w*)").match(src, end)
            if m is None:
                raise _Unscannable
            item.conversion = m.group(1)
            end = m.end()
        if end < self.n and src[end] == ":":
            end = self.spec(end + 1, item.spec_fields, quote)
        if end >= self.n or src[end] != "}":
            raise _Unscannable
        item.end = end + 1
        fields.append(item)
        return end + 1

    def spec(self, i: int, fields: list[_Field], quote: str) -> int:
        """Scan a format spec; return the index of the ``}`` that ends its field."""
        src, n = self.src, self.n
        while i < n:
            c = src[i]
            if c == "}":
                return i
            if src.startswith(quote, i):  # the string ends inside the field
                raise _Unscannable
            if c == "{":
                i = self.replacement_field(i + 1, fields, quote)
                continue
            if c == "\n":
                raise _Unscannable
            i += 1
        raise _Unscannable

    def skip_blanks(self, i: int) -> int:
        while i < self.n and self.src[i] in " \t\n\r\f":
            i += 1
        return i


def _word(c: str) -> bool:
    return c.isalnum() or c == "_"


def _parses(text: str, mode: str = "exec") -> bool:
    # Fragments parsed here are no one's code: no "invalid escape sequence" warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text, mode=mode)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


def _field_features(src: str, item: _Field) -> set[Feature] | None:
    """The newer features nested in a valid PEP 701 field; None when it is not valid."""
    if item.conversion is not None and item.conversion not in ("s", "r", "a"):
        return None
    found: set[Feature] = set()
    for nested in item.strings:
        inner = _string_features(src, nested)
        if inner is None:
            return None
        found |= inner
    expr = _replace(
        src, item.expr_start, item.expr_end, [(s.start, s.end, '""') for s in item.strings]
    )
    # A backslash outside strings is only a line continuation, never the field's last word.
    if not _code_in(expr) or _stray_backslash(expr) or not _parses(f"(\n{expr}\n)", "eval"):
        return None
    for spec_field in item.spec_fields:
        inner = _field_features(src, spec_field)
        if inner is None:
            return None
        found |= inner
    return found


def _string_features(src: str, item: _Str) -> set[Feature] | None:
    """The newer features a string literal needs beyond PEP 701; None when it is invalid."""
    # The literal parts (escapes such as a bad "\\x") as a plain string of the same quotes;
    # a field becomes "0": after a backslash that is a valid (octal) escape, as "\\{" is.
    literal = _replace(
        src, item.start, item.end, [(f.expr_start - 1, f.end, "0") for f in item.fields]
    )
    head = re.match(r"[A-Za-z]*", literal)
    prefix = head.group() if head else ""
    plain = re.sub("[fFtT]", "", prefix) + literal[len(prefix) :]
    if not _parses(plain, "eval"):
        return None
    found = {T_STRING} if item.kind == "t" else set()
    for item_field in item.fields:
        inner = _field_features(src, item_field)
        if inner is None:
            return None
        found |= inner
    return found


def _stray_backslash(code: str) -> bool:
    """A backslash that is no line continuation: wrapped in brackets, it would become one."""
    return re.search(r"\\(?!\r?\n)", code) is not None


def _order(feature: Feature) -> tuple[Version, str]:
    return feature.version, feature.name


def _code_in(text: str) -> bool:
    """Whether *text* (strings already replaced) holds anything but blanks and comments."""
    return bool(re.sub(r"#[^\n]*|\\\r?\n", "", text).strip())


def _replace(src: str, start: int, end: int, edits: list[tuple[int, int, str]]) -> str:
    """``src[start:end]`` with each ``(s, e, text)`` edit inside it applied."""
    parts: list[str] = []
    at = start
    for s, e, text in sorted(edits):
        parts.append(src[at:s])
        parts.append(text)
        at = e
    parts.append(src[at:end])
    return "".join(parts)


def _masked(src: str, strings: list[_Str]) -> str:
    """*src* with every string literal blanked (newlines kept): code for the regexes."""
    chars = list(src)
    for item in strings:
        for k in range(item.start, item.end):
            if chars[k] != "\n":
                chars[k] = " "
    # Comments too: a commented-out `def f[T]` is not code.
    text = "".join(chars)
    return re.sub(r"#[^\n]*", lambda m: " " * len(m.group()), text)


def _matching(code: str, i: int) -> int:
    """The index of the bracket closing the one at *i* in blanked *code*, or -1."""
    depth: list[str] = []
    for k in range(i, len(code)):
        c = code[k]
        if c in _OPEN:
            depth.append(_OPEN[c])
        elif c in ")]}":
            if not depth or depth.pop() != c:
                return -1
            if not depth:
                return k
    return -1


def _type_params(src: str, code: str, open_at: int) -> tuple[int, Feature] | None:
    """The end of a ``[...]`` type parameter list at *open_at*, and its feature."""
    close = _matching(code, open_at)
    if close < 0:
        return None
    inner = src[open_at + 1 : close]
    blank = code[open_at + 1 : close]
    if not inner.strip() or _stray_backslash(blank) or re.search(r"(^|,)\s*[*/]\s*(,|$)", blank):
        return None
    if re.search(r"(^|,)\s*\*{1,2}\s*[^\W\d]\w*\s*:", blank):  # *Ts and **P take no bound
        return None
    # A parameter list of a function accepts what a type parameter list does (a name, a
    # bound, *Ts, **P, a default), so this Python checks the pieces.
    if not _parses(f"def _(\n{inner}\n): pass"):
        return None
    has_default = "=" in re.sub(r"[\[({][^\])}]*[\])}]", "", blank)
    return close + 1, TYPE_DEFAULTS if has_default else TYPE_PARAMS


def _rewrites(src: str, running: Version) -> tuple[list[tuple[int, int, str]], list[Feature]]:
    """Edits that turn newer syntax in *src* into syntax this Python parses."""
    strings: list[_Str] = []
    _Scanner(src).code(0, None, strings)
    edits: list[tuple[int, int, str]] = []
    features: list[Feature] = []

    def add(start: int, end: int, text: str, *needed: Feature) -> None:
        if running < max(f.version for f in needed):
            edits.append((start, end, text))
            features.extend(sorted((f for f in needed if running < f.version), key=_order))

    for item in strings:
        if item.kind == "plain" or (
            item.kind == "f" and _parses(src[item.start : item.end], "eval")
        ):
            continue
        nested = _string_features(src, item)
        if nested is not None:
            add(item.start, item.end, '""', *({F_STRING} if item.kind == "f" else set()), *nested)
    code = _masked(src, strings)
    for m in _TYPE_ALIAS.finditer(code):
        end = m.end()
        if src[m.start() : end] != code[m.start() : end]:  # a string in `type X`
            continue
        feature = TYPE_ALIAS
        if end < len(code) and code[end] == "[":
            params = _type_params(src, code, end)
            if params is None:
                continue
            end, found = params
            feature = max(feature, found, key=lambda f: f.version)
        equals = re.compile(r"[ \t]*=(?!=)").match(code, end)
        if equals is None:
            continue
        # The value is one expression: no starred or chained assignment as in `X = *y`.
        stop = _logical_line_end(code, equals.end())
        value = src[equals.end() : stop]
        blank = code[equals.end() : stop]
        if (
            not _code_in(blank)
            or _has_top_level_comma(blank)
            or _stray_backslash(blank)
            or not _parses(f"(\n{value}\n)", "eval")
        ):
            continue
        add(m.start(), end, f"{m.group(1)}{m.group(2)} ", feature)
    for m in _GENERIC_DEF.finditer(code):
        params = _type_params(src, code, m.end())
        if params is not None and re.compile(r"[ \t]*[(:]").match(code, params[0]):
            end, feature = params
            add(m.end(), end, "", feature)
    for m in _EXCEPT.finditer(code):
        colon = _top_level_colon(code, m.end())
        if colon < 0:
            continue
        body = code[m.end() : colon]
        if not _has_top_level_comma(body) or re.search(r"\bas\b", body) or _stray_backslash(body):
            continue
        if _parses(f"(\n{src[m.end() : colon]}\n)", "eval"):
            add(m.end(), colon, f"({src[m.end() : colon].strip()})", EXCEPT_LIST)
    return edits, features


def _logical_line_end(code: str, i: int) -> int:
    """Where the logical line of blanked *code* going on at *i* ends (newline or ``;``)."""
    depth = 0
    k = i
    while k < len(code):
        c = code[k]
        if c in _OPEN:
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "\\" and code.startswith("\\\n", k):
            k += 2
            continue
        elif c in "\n;" and depth <= 0:
            return k
        k += 1
    return k


def _top_level_colon(code: str, i: int) -> int:
    depth = 0
    for k in range(i, len(code)):
        c = code[k]
        if c in _OPEN:
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == ":" and depth == 0:
            return k
        elif c == "\n" and depth == 0:
            return -1
    return -1


def _has_top_level_comma(code: str) -> bool:
    depth = 0
    for c in code:
        if c in _OPEN:
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            return True
    return False


def newer_syntax(source: str, *, running: Version | None = None) -> list[Feature]:
    """The newer syntax that keeps this Python from parsing *source*; [] when it is not that.

    Empty when *source* parses as it is, when it holds a genuine syntax error (one that
    is still there once every newer construct is rewritten), and when *running* (default:
    this interpreter) already parses every construct found.
    """
    running = running or (sys.version_info.major, sys.version_info.minor)
    text = source
    found: list[Feature] = []
    for _ in range(MAX_ROUNDS):
        if _parses(text):
            return found
        try:
            edits, features = _rewrites(text, running)
        except (_Unscannable, RecursionError):
            return []
        if not edits:
            return []
        found.extend(f for f in features if f not in found)
        text = _replace(text, 0, len(text), edits)
    return found if _parses(text) else []


def newer_python_reason(
    source: str, error: SyntaxError, *, running: Version | None = None
) -> str | None:
    """Why *source* failed with *error* when a newer Python would parse it; else None.

    *error* is what this Python raised for *source*; None also when *running* (default:
    this interpreter) is new enough for every newer construct found.
    """
    del error  # the rewrite-and-parse-again check decides; the message varies too much
    running = running or (sys.version_info.major, sys.version_info.minor)
    features = newer_syntax(source, running=running)
    if not features:
        return None
    need = max(f.version for f in features)
    names = ", ".join(f.name for f in sorted(features, key=_order))
    return (
        f"uses Python {need[0]}.{need[1]}+ syntax ({names}) this Python "
        f"{running[0]}.{running[1]} cannot parse: run secgate on a newer Python"
    )
