"""The secret rule model: what a rule says a secret looks like, and what it must not report.

A rule says what a secret looks like (``regex``, and which group holds the secret), which
cheap literal ``keywords`` must appear on a line before the regex is even tried, how random
the secret must be (``entropy``, Shannon bits per character), how bad a leak is
(``severity``) and what is *not* a secret (an ``allowlist`` of placeholder words, regexes and
paths). Rules come from secgate's TOML files (:mod:`secgate.secrets.tomlrules`) or gitleaks
files (:mod:`secgate.secrets.gitleaks`), both checked by :func:`check_patterns`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from secgate.errors import ConfigError
from secgate.models import Confidence, Severity
from secgate.secrets.regex import RegexSyntaxError, check_portable, compile_pattern

#: Validators a rule may name: a structural check on the secret that raises confidence.
VALIDATORS = ("github-checksum", "npm-checksum", "jwt")

RuleKind = Literal["provider", "generic", "private-key"]


@dataclass(frozen=True)
class Allowlist:
    """What a rule must not report, although its regex matched.

    ``stopwords``: the secret contains one of these words (case-insensitive).
    ``regexes``: one matches the ``regex_target`` (``secret``, the whole ``match`` or the
    ``line``). ``paths``: one matches the file's path. Any one of them allows the match.
    """

    stopwords: tuple[str, ...] = ()
    regexes: tuple[str, ...] = ()
    regex_target: Literal["secret", "match", "line"] = "secret"
    paths: tuple[str, ...] = ()

    def merged(self, other: Allowlist) -> Allowlist:
        """Both lists' entries (the first list's ``regex_target`` wins)."""
        return Allowlist(
            stopwords=(*self.stopwords, *other.stopwords),
            regexes=(*self.regexes, *other.regexes),
            regex_target=self.regex_target,
            paths=(*self.paths, *other.paths),
        )


@dataclass(frozen=True)
class Rule:
    """One secret rule. Patterns are kept as source text; the detector compiles them."""

    id: str
    description: str
    regex: str
    keywords: tuple[str, ...]
    severity: Severity = Severity.HIGH
    confidence: Confidence = Confidence.HIGH
    secret_group: int | str | None = None
    """Which group holds the secret: a number, a name, or None for the group named
    ``secret``, else the first group that matched, else the whole match."""
    entropy: float | None = None
    """Minimum Shannon entropy (bits per character) of the secret."""
    kind: RuleKind = "provider"
    """``generic`` rules (secret-looking name = value) get the context filters (hashes,
    UUIDs, tests, docs, locale and lock files); ``provider`` rules match a provider's own
    token format and are reported wherever they appear."""
    paths: tuple[str, ...] = ()
    """Regexes on the file path: when set, the rule only runs on files matching one."""
    allowlists: tuple[Allowlist, ...] = ()
    validator: str | None = None
    multiline: bool = False
    """The match may span lines (private key blocks): the regex sees the text from the
    keyword's line on, not the line alone."""
    priority: int = 0
    """When two rules flag overlapping text, the higher priority wins (then the provider
    rule over the generic one, then the longer secret)."""
    help: str | None = None
    source: str = ""
    """The file the rule came from, for messages."""


def shannon_entropy(value: bytes | str) -> float:
    """Shannon entropy of *value* in bits per character (0 for an empty value)."""
    import math  # noqa: PLC0415 - only the detector's hot path needs it, once

    if not value:
        return 0.0
    counts: dict[int | str, int] = {}
    for char in value:
        counts[char] = counts.get(char, 0) + 1
    length = len(value)
    return -sum(n / length * math.log2(n / length) for n in counts.values())


def check_patterns(rule: Rule, where: str) -> None:
    for label, source in (
        ("regex", rule.regex),
        *(("paths", p) for p in rule.paths),
        *(("allowlist.regexes", r) for a in rule.allowlists for r in a.regexes),
        *(("allowlist.paths", p) for a in rule.allowlists for p in a.paths),
    ):
        try:
            check_portable(source)
        except RegexSyntaxError as exc:
            raise ConfigError(f"{where}: {label}: {exc}") from None
    pattern = compile_pattern(rule.regex)
    group = rule.secret_group
    if isinstance(group, int) and group > pattern.groups:
        raise ConfigError(
            f"{where}: secret-group {group}: the regex has only {pattern.groups} group(s)"
        )
    if isinstance(group, str) and group not in pattern.groupindex:
        raise ConfigError(f"{where}: secret-group {group!r}: the regex has no such named group")
