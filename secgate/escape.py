"""Make untrusted text safe to write into a line-oriented log.

The scanned repository is hostile: a file name, a snippet or a scanner's error text can
hold a newline followed by ``Verdict: PASS``, a GitHub Actions workflow command
(``::error::…``, ``::add-mask::…``), an Azure Pipelines logging command (``##vso[…]``,
``##[error]…``), an ANSI escape that rewrites the terminal, or a bidi override that makes
a line read differently from what it says. Reporters pass every string that came from the
scanned tree or a scanner through :func:`escape_text`, and every finished output line
through :func:`safe_line`.

:func:`escape_text` shows the dangerous characters as Python-style escapes (``\\n``,
``\\x1b``, ``\\u202e``), so the text stays readable and on one line. A backslash already
in the text is left as it is: ordinary output (Windows-looking messages, regexes) stays
byte-identical, at the price that a literal ``\\n`` (two characters) and an escaped
newline look the same. That ambiguity cannot forge anything: neither is a line break.
Paths cannot hold a backslash at all (findings store POSIX paths).
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

#: C0 controls and DEL; C1 controls; the Arabic letter mark; LRM/RLM; U+2028/U+2029;
#: the bidi embeddings, overrides and isolates; lone surrogates (from undecodable file
#: names); the non-characters U+FFFE/U+FFFF that XML 1.0 cannot hold.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
    "\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)

#: CI log commands. GitHub Actions reads ``::command::`` at the start of a line after
#: leading whitespace; the ``##[…]`` and ``##vso[…]`` forms are found anywhere in a line.
_LINE_COMMAND = re.compile(r"^(\s*):")
_ANYWHERE_COMMAND = re.compile(r"#(?=#(?:vso)?\[)", re.IGNORECASE)


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    point = ord(char)
    return f"\\x{point:02x}" if point <= 0xFF else f"\\u{point:04x}"


def escape_text(s: str) -> str:
    """*s* with every control, line-separator and bidi character shown as an escape.

    ``"a\\nb"`` becomes ``"a\\\\nb"`` (a backslash and an ``n``), ``"\\x1b[31m"`` becomes
    ``"\\\\x1b[31m"``, ``"\\u202e"`` becomes ``"\\\\u202e"``. The result holds no line
    break of any kind (``str.splitlines`` returns at most one line), no terminal escape,
    no bidi control and no lone surrogate, so it can be encoded as UTF-8 and written to
    any log. Other text, backslashes included, is returned unchanged.
    """
    return _UNSAFE.sub(_escape_char, s)


def safe_line(s: str) -> str:
    """One output line that a CI runner will not read as a command.

    A line whose first non-blank characters are ``::`` gets its first colon escaped
    (``\\x3a``), and the ``#`` opening any ``##[`` or ``##vso[`` is escaped (``\\x23``).
    Lines without those sequences are returned unchanged. *s* must already be a single
    line (build it from :func:`escape_text` output).
    """
    if "#" in s:
        s = _ANYWHERE_COMMAND.sub(r"\\x23", s)
    if s.lstrip().startswith("::"):
        s = _LINE_COMMAND.sub(r"\1\\x3a", s, count=1)
    return s


def safe_lines(text: str) -> str:
    """*text* with :func:`safe_line` applied to each of its ``\\n``-separated lines."""
    return "\n".join(safe_line(line) for line in text.split("\n"))
