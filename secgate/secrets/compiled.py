"""A rule compiled for the detector, and the hit it reports."""

from __future__ import annotations

from dataclasses import dataclass

from secgate.models import Confidence
from secgate.secrets.regex import Pattern, compile_pattern
from secgate.secrets.rulemodel import Rule


@dataclass(frozen=True)
class Hit:
    """One secret found: where, by which rule, and its value (for hashing and redaction)."""

    rule: Rule
    line: int
    column: int
    end_line: int
    start: int
    end: int
    secret: bytes
    line_text: bytes
    """The first line of the match, raw (the caller redacts it)."""
    line_offset: int
    """Byte offset of :attr:`line_text` in the scanned data."""
    confidence: Confidence
    allowed_by: str | None = None
    decoded_from: str | None = None
    """The source coding (``utf-7``…) of the decoded view this hit was found in: its
    line, column and offsets are then those of the decoded text (what Python runs)."""


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    order: int
    pattern: Pattern
    group: int
    """Group holding the secret; -1: the first group that matched, else the whole match."""
    name_group: int
    allow_regexes: tuple[tuple[Pattern, str], ...]
    stopwords: tuple[bytes, ...]


def compile_rule(rule: Rule, order: int, engine: str) -> CompiledRule:
    pattern = compile_pattern(rule.regex, engine)
    group: int
    if isinstance(rule.secret_group, int):
        group = rule.secret_group
    elif isinstance(rule.secret_group, str):
        group = pattern.groupindex[rule.secret_group]
    elif "secret" in pattern.groupindex:
        group = pattern.groupindex["secret"]
    else:
        group = -1 if pattern.groups else 0
    allow_regexes = tuple(
        (compile_pattern(src, engine), allow.regex_target)
        for allow in rule.allowlists
        for src in allow.regexes
    )
    return CompiledRule(
        rule=rule,
        order=order,
        pattern=pattern,
        group=group,
        name_group=pattern.groupindex.get("name", 0),
        allow_regexes=allow_regexes,
        stopwords=tuple(
            w.lower().encode("utf-8") for allow in rule.allowlists for w in allow.stopwords
        ),
    )
