"""Secret rules: the model, secgate's TOML rule files, and gitleaks-format rule files.

A rule says what a secret looks like (``regex``, and which group holds the secret), which
cheap literal ``keywords`` must appear on a line before the regex is even tried, how random
the secret must be (``entropy``, Shannon bits per character), how bad a leak is
(``severity``) and what is *not* a secret (an ``allowlist`` of placeholder words, regexes and
paths).

secgate's own rule files (``rules/secrets/*.toml``) look like this::

    schema = "secgate-secrets/1"

    [[rules]]
    id = "github-pat-classic"
    description = "GitHub personal access token (classic)"
    regex = '''\\b(ghp_[A-Za-z0-9]{36})\\b'''
    keywords = ["ghp_"]
    severity = "critical"
    validator = "github-checksum"

    [rules.allowlist]
    stopwords = ["example"]

Keys are kebab-case and validated: an unknown key is an error naming the file and rule.
gitleaks rule files (``[[rules]]`` with ``id``, ``regex``, ``secretGroup``, ``keywords``,
``entropy``, ``path``, ``allowlist``/``allowlists``) load through :func:`load_gitleaks`; their
Go RE2 patterns are translated where Python's ``re`` reads them differently, and rejected
with the reason where it cannot (see :func:`translate_go_regex`).
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from secgate.config import ConfigModel, format_validation_error
from secgate.errors import ConfigError
from secgate.models import Confidence, Severity
from secgate.secrets.regex import RegexSyntaxError, check_portable, compile_pattern

SECGATE_SCHEMA = "secgate-secrets/1"

#: Validators a rule may name: a structural check on the secret that raises confidence.
VALIDATORS = ("github-checksum", "npm-checksum", "jwt")

RuleKind = Literal["provider", "generic", "private-key"]


# --------------------------------------------------------------------------- the model


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


# --------------------------------------------------------------------------- secgate TOML


class _AllowlistModel(ConfigModel):
    stopwords: tuple[str, ...] = ()
    regexes: tuple[str, ...] = ()
    regex_target: Literal["secret", "match", "line"] = "secret"
    paths: tuple[str, ...] = ()


class _RuleModel(ConfigModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    description: str
    regex: str
    keywords: tuple[str, ...] = Field(min_length=1)
    severity: Severity = Severity.HIGH
    confidence: Confidence = Confidence.HIGH
    secret_group: int | str | None = None
    entropy: float | None = Field(default=None, ge=0, le=8)
    kind: RuleKind = "provider"
    paths: tuple[str, ...] = ()
    allowlist: _AllowlistModel | None = None
    validator: Literal["github-checksum", "npm-checksum", "jwt"] | None = None
    multiline: bool = False
    priority: int = 0
    help: str | None = None

    @field_validator("keywords")
    @classmethod
    def _keywords_not_blank(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not k.strip() for k in value):
            raise ValueError("keywords must not be blank")
        return tuple(k.lower() for k in value)


class _RuleFileModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_: Literal["secgate-secrets/1"] = Field(alias="schema")
    rules: tuple[dict[str, Any], ...] = ()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read rule file: {exc.strerror or exc}") from None


def _check_patterns(rule: Rule, where: str) -> None:
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


def parse_secgate_rules(
    data: Mapping[str, Any], source: str, *, check_regexes: bool = True
) -> list[Rule]:
    """Validate a parsed secgate rule file; :class:`ConfigError` names file, rule and key.

    ``check_regexes`` compiles every pattern on both engines up front (for files users
    write); secgate's bundled rules skip it at run time, their tests compile them.
    """
    try:
        document = _RuleFileModel.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source, "", _RuleFileModel)) from None
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(document.rules):
        label = f"rules[{index}]" + (f" ({raw['id']})" if isinstance(raw.get("id"), str) else "")
        try:
            model = _RuleModel.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, source, label, _RuleModel)) from None
        if model.id in seen:
            raise ConfigError(f"{source}: {label}: rule id {model.id!r} defined twice")
        seen.add(model.id)
        allow = model.allowlist
        rule = Rule(
            id=model.id,
            description=model.description,
            regex=model.regex,
            keywords=model.keywords,
            severity=model.severity,
            confidence=model.confidence,
            secret_group=model.secret_group,
            entropy=model.entropy,
            kind=model.kind,
            paths=model.paths,
            allowlists=(
                (Allowlist(allow.stopwords, allow.regexes, allow.regex_target, allow.paths),)
                if allow
                else ()
            ),
            validator=model.validator,
            multiline=model.multiline,
            priority=model.priority,
            help=model.help,
            source=source,
        )
        if check_regexes:
            _check_patterns(rule, f"{source}: {label}")
        rules.append(rule)
    return rules


# --------------------------------------------------------------------------- gitleaks

_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}


def _group_end(pattern: str, start: int) -> int:
    """Index of the ``)`` closing the group that encloses *start* (len when top level)."""
    depth = 0
    i = start
    in_class = False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            if pattern.startswith("[^]", i) or pattern.startswith("[]", i):
                i += 2 if pattern[i + 1] == "]" else 3
                continue
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return len(pattern)


def translate_go_regex(pattern: str) -> str:
    """Rewrite a Go RE2 pattern (gitleaks) into the syntax both RE2 and Python ``re`` read.

    Handled: ``(?i)`` and other flag groups in the middle of a pattern (Python 3.11 allows
    them only at the start: they become scoped groups ``(?i:…)`` up to the end of the
    enclosing group), ``\\z`` (end of text), ``\\Q…\\E`` literals and POSIX classes such
    as ``[[:alnum:]]``. Rejected with the reason: Unicode classes ``\\pL`` / ``\\p{…}``,
    the ungreedy flag ``U`` and ``\\C``.
    """
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 : n if end < 0 else end]
                out.append(re.escape(literal))
                i = n if end < 0 else end + 2
                continue
            if nxt == "z":
                out.append("$")
                i += 2
                continue
            if nxt in "pP":
                raise RegexSyntaxError(
                    f"Unicode class \\{nxt} is not supported (Python's re has none); "
                    "spell the characters out"
                )
            if nxt == "C":
                raise RegexSyntaxError("\\C (any byte) is not supported")
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "[":
            # Copy a character class, expanding POSIX classes inside it.
            j = i + 1
            buf = ["["]
            if j < n and pattern[j] == "^":
                buf.append("^")
                j += 1
            if j < n and pattern[j] == "]":
                buf.append("\\]")
                j += 1
            while j < n and pattern[j] != "]":
                if pattern[j] == "\\" and j + 1 < n:
                    buf.append(pattern[j : j + 2])
                    j += 2
                    continue
                posix = re.match(r"\[:(\^?)([a-z]+):\]", pattern[j:])
                if posix:
                    negated, name = posix.groups()
                    if name not in _POSIX_CLASSES or negated:
                        raise RegexSyntaxError(f"POSIX class [:{negated}{name}:] is not supported")
                    buf.append(_POSIX_CLASSES[name])
                    j += posix.end()
                    continue
                if pattern[j] == "[":
                    buf.append("\\[")
                else:
                    buf.append(pattern[j])
                j += 1
            buf.append("]")
            out.append("".join(buf))
            i = j + 1
            continue
        if char == "(" and pattern.startswith("(?", i):
            flags = re.match(r"\(\?([imsU-]+)\)", pattern[i:])
            if flags:
                letters = flags.group(1)
                if "U" in letters:
                    raise RegexSyntaxError("the ungreedy flag (?U) is not supported")
                at_start = not "".join(out)
                if at_start:
                    out.append(flags.group(0))
                    i += flags.end()
                    continue
                end = _group_end(pattern, i + flags.end())
                inner = translate_go_regex(pattern[i + flags.end() : end])
                out.append(f"(?{letters}:{inner})")
                i = end
                continue
        out.append(char)
        i += 1
    return "".join(out)


def _gitleaks_allowlist(raw: Mapping[str, Any], where: str) -> Allowlist:
    known = {
        "description",
        "regexes",
        "regexTarget",
        "stopwords",
        "paths",
        "commits",
        "condition",
        "targetRules",
    }
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{where}: unknown allowlist key(s): {', '.join(sorted(unknown))}")
    if str(raw.get("condition", "OR")).upper() == "AND":
        raise ConfigError(f"{where}: condition = 'AND' allowlists are not supported")
    target: Literal["secret", "match", "line"]
    raw_target = raw.get("regexTarget", "secret") or "secret"
    if raw_target == "match":
        target = "match"
    elif raw_target == "line":
        target = "line"
    elif raw_target == "secret":
        target = "secret"
    else:
        raise ConfigError(f"{where}: regexTarget {raw_target!r}: expected secret, match or line")
    try:
        return Allowlist(
            stopwords=tuple(str(s) for s in raw.get("stopwords", ())),
            regexes=tuple(translate_go_regex(str(r)) for r in raw.get("regexes", ())),
            regex_target=target,
            paths=tuple(translate_go_regex(str(p)) for p in raw.get("paths", ())),
        )
    except RegexSyntaxError as exc:
        raise ConfigError(f"{where}: {exc}") from None


_GITLEAKS_RULE_KEYS = {
    "id",
    "description",
    "regex",
    "secretGroup",
    "entropy",
    "keywords",
    "path",
    "tags",
    "allowlist",
    "allowlists",
    "severity",
}


def parse_gitleaks(data: Mapping[str, Any], source: str) -> tuple[list[Rule], list[str]]:
    """Rules from a parsed gitleaks config, and notes on what was adapted.

    gitleaks rules carry no severity: they become ``high`` (or the ``severity`` key, a
    secgate extension gitleaks ignores). A rule without ``keywords`` gets one derived from
    the literal text at the start of its regex, else the whole file is its candidate (the
    regex then runs on every line: slower, and said in the notes). The global allowlist
    applies to every rule. ``[extend] useDefault`` is accepted: secgate's bundled rules
    play the part of gitleaks' defaults.
    """
    notes: list[str] = []
    extend = data.get("extend")
    if isinstance(extend, Mapping):
        if extend.get("path") or extend.get("url"):
            raise ConfigError(
                f"{source}: extend.path is not supported: merge the extended file's rules "
                "into this one, or list both files in the secrets scanner's `rules` option"
            )
        if extend.get("useDefault"):
            notes.append("extend.useDefault: secgate's bundled rules stand in for gitleaks'")
    overrides = gitleaks_overrides(data, source)
    global_allow = list(overrides.allowlists)
    own_ids = {
        str(r.get("id", "")).strip() for r in data.get("rules", ()) or () if isinstance(r, Mapping)
    }
    for _allow, targets in overrides.targeted:
        others = sorted(set(targets) - own_ids)
        if others:
            notes.append(
                f"an allowlist's targetRules names rules of other files ({', '.join(others)}): "
                "applied to them only where this file is loaded as a rule file"
            )
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise ConfigError(f"{source}: rules: expected an array of tables ([[rules]])")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules):
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{source}: rules[{index}]: expected a table")
        rule_id = str(raw.get("id", "")).strip()
        where = f"{source}: rules[{index}]" + (f" ({rule_id})" if rule_id else "")
        if not rule_id:
            raise ConfigError(f"{where}: id is missing")
        if rule_id in seen:
            raise ConfigError(f"{where}: rule id {rule_id!r} defined twice")
        seen.add(rule_id)
        unknown = set(raw) - _GITLEAKS_RULE_KEYS
        if unknown:
            raise ConfigError(f"{where}: unsupported key(s): {', '.join(sorted(unknown))}")
        if not raw.get("regex"):
            raise ConfigError(f"{where}: rules without a regex (path-only rules) are not supported")
        try:
            regex = translate_go_regex(str(raw["regex"]))
            paths = (translate_go_regex(str(raw["path"])),) if raw.get("path") else ()
        except RegexSyntaxError as exc:
            raise ConfigError(f"{where}: regex: {exc}") from None
        allows = list(global_allow)
        allows.extend(allow for allow, targets in overrides.targeted if rule_id in targets)
        if isinstance(raw.get("allowlist"), Mapping):
            allows.append(_gitleaks_allowlist(raw["allowlist"], f"{where}: allowlist"))
        for sub, allow in enumerate(raw.get("allowlists", ()) or ()):
            if isinstance(allow, Mapping):
                allows.append(_gitleaks_allowlist(allow, f"{where}: allowlists[{sub}]"))
        keywords = tuple(str(k).lower() for k in raw.get("keywords", ()) if str(k).strip())
        if not keywords:
            keywords = (_derived_keyword(regex),)
            if keywords == ("",):
                notes.append(f"{rule_id}: no keywords: its regex runs on every line")
        group = raw.get("secretGroup")
        try:
            severity = Severity(str(raw.get("severity", "high")).lower())
        except ValueError:
            raise ConfigError(
                f"{where}: severity {raw.get('severity')!r} is not one of "
                f"{', '.join(s.value for s in Severity)}"
            ) from None
        entropy = raw.get("entropy")
        rule = Rule(
            id=rule_id,
            description=str(raw.get("description") or rule_id),
            regex=regex,
            keywords=keywords,
            severity=severity,
            confidence=Confidence.MEDIUM,
            secret_group=int(group) if isinstance(group, int) and group > 0 else None,
            entropy=float(entropy) if isinstance(entropy, int | float) and entropy > 0 else None,
            kind="provider",
            paths=paths,
            allowlists=tuple(allows),
            source=source,
        )
        _check_patterns(rule, where)
        rules.append(rule)
    return rules, notes


@dataclass(frozen=True)
class GitleaksOverrides:
    """What a gitleaks config says about rules beyond its own ``[[rules]]``."""

    allowlists: tuple[Allowlist, ...] = ()
    """Global allowlists (``[allowlist]``, ``[[allowlists]]`` without ``targetRules``)."""
    targeted: tuple[tuple[Allowlist, tuple[str, ...]], ...] = ()
    """``[[allowlists]]`` with ``targetRules``: each with the rule ids it applies to."""
    use_default: bool = False
    """``[extend] useDefault = true``: the global allowlists apply to the default rules
    (secgate's bundled ones) too, as in gitleaks."""
    disabled: tuple[str, ...] = ()
    """``[extend] disabledRules``: rule ids (of the default rules) not to run."""


def gitleaks_overrides(data: Mapping[str, Any], source: str) -> GitleaksOverrides:
    """The allowlists and disabled rules of a gitleaks config, by what they apply to."""
    untargeted: list[Allowlist] = []
    targeted: list[tuple[Allowlist, tuple[str, ...]]] = []
    if isinstance(data.get("allowlist"), Mapping):
        untargeted.append(_gitleaks_allowlist(data["allowlist"], f"{source}: allowlist"))
    for index, raw in enumerate(data.get("allowlists", ()) or ()):
        if isinstance(raw, Mapping):
            allow = _gitleaks_allowlist(raw, f"{source}: allowlists[{index}]")
            targets = raw.get("targetRules")
            if targets:
                if not isinstance(targets, list):
                    raise ConfigError(
                        f"{source}: allowlists[{index}]: targetRules: expected a list of rule ids"
                    )
                targeted.append((allow, tuple(str(t) for t in targets)))
            else:
                untargeted.append(allow)
    extend = data.get("extend")
    use_default = False
    disabled: tuple[str, ...] = ()
    if isinstance(extend, Mapping):
        use_default = bool(extend.get("useDefault"))
        raw_disabled = extend.get("disabledRules") or []
        if not isinstance(raw_disabled, list):
            raise ConfigError(f"{source}: extend.disabledRules: expected a list of rule ids")
        disabled = tuple(str(r) for r in raw_disabled)
    return GitleaksOverrides(
        allowlists=tuple(untargeted),
        targeted=tuple(targeted),
        use_default=use_default,
        disabled=disabled,
    )


def _derived_keyword(regex: str) -> str:
    """A lowercase literal every match of *regex* contains, or "" when none is obvious."""
    body = re.sub(r"^\(\?[a-z]+\)", "", regex)
    literal = re.match(r"(?:\\b)?([A-Za-z0-9_-]{3,})", body)
    return literal.group(1).lower() if literal else ""


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class RuleSet:
    """The rules a scan uses, where they came from, and a digest of their files."""

    rules: tuple[Rule, ...]
    files: tuple[Path, ...] = ()
    digest: str = ""
    notes: tuple[str, ...] = field(default=())
    weakenings: tuple[str, ...] = field(default=())
    """What the scanned tree's own rule files switch off or allowlist (see load_rules)."""

    def by_id(self) -> dict[str, Rule]:
        """Rules by id."""
        return {rule.id: rule for rule in self.rules}


def detect_format(data: Mapping[str, Any]) -> Literal["secgate", "gitleaks"]:
    """``secgate`` when the file declares ``schema = "secgate-secrets/1"``, else gitleaks."""
    return "secgate" if "schema" in data else "gitleaks"


def load_rule_file(path: Path, *, check_regexes: bool = True) -> tuple[list[Rule], list[str]]:
    """Load one rule file of either format; ConfigError on anything wrong."""
    data = _read_toml(path)
    if detect_format(data) == "secgate":
        return parse_secgate_rules(data, str(path), check_regexes=check_regexes), []
    return parse_gitleaks(data, str(path))


def _inside(path: Path, root: Path | None) -> str | None:
    """*path* relative to *root* (both resolved) when it lies inside it, else None."""
    if root is None:
        return None
    resolved = Path(os.path.realpath(path))
    top = Path(os.path.realpath(root))
    if resolved == top or not resolved.is_relative_to(top):
        return None
    return resolved.relative_to(top).as_posix()


def _with_allowlist(rule: Rule, allow: Allowlist) -> Rule:
    return replace(rule, allowlists=(*rule.allowlists, allow))


def _describe_allowlist(allow: Allowlist) -> str:
    parts = [
        f"{len(values)} {label}"
        for values, label in (
            (allow.stopwords, "stopword(s)"),
            (allow.regexes, "regex(es)"),
            (allow.paths, "path(s)"),
        )
        if values
    ]
    return ", ".join(parts) or "no entry"


def load_rules(
    extra_files: Sequence[Path] = (),
    *,
    disabled: Iterable[str] = (),
    bundled: bool = True,
    tree_root: Path | None = None,
) -> RuleSet:
    """secgate's bundled rules (``rules/secrets/*.toml``) plus *extra_files*, minus *disabled*.

    A rule id defined twice across files is an error. An extra file from outside the
    scanned tree (the pipeline owner's) may redefine a bundled rule on purpose (its
    definition wins, and a note says so); a rule file inside *tree_root* (the scanned
    tree, whose content a pull request controls) may not: a rule id of its that reuses a
    bundled one is an error naming the file and the id. A *disabled* id that no rule has
    is an error (a typo would silently keep a rule on).

    gitleaks files act on the rules loaded before them as gitleaks does on its defaults:
    ``[extend] disabledRules`` switches rules off, ``[extend] useDefault = true`` applies
    the global allowlist to them, ``[[allowlists]] targetRules`` applies an allowlist to
    the rules it names. Each such change made by a file inside *tree_root* is listed in
    :attr:`RuleSet.weakenings`.
    """
    from secgate.plugins import bundled_rules  # noqa: PLC0415 - avoids an import cycle

    files: list[Path] = sorted(bundled_rules("secrets").glob("*.toml")) if bundled else []
    bundled_count = len(files)
    files.extend(Path(p) for p in extra_files)
    digest = hashlib.sha256()
    by_id: dict[str, Rule] = {}
    bundled_ids: set[str] = set()
    notes: list[str] = []
    weakenings: list[str] = []
    off: set[str] = set()
    for number, path in enumerate(files):
        try:
            digest.update(path.read_bytes())
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read rule file: {exc.strerror or exc}") from None
        digest.update(b"\x00")
        data = _read_toml(path)
        file_notes: list[str] = []
        overrides = GitleaksOverrides()
        if detect_format(data) == "secgate":
            rules = parse_secgate_rules(data, str(path), check_regexes=number >= bundled_count)
        else:
            rules, file_notes = parse_gitleaks(data, str(path))
            overrides = gitleaks_overrides(data, str(path))
        notes.extend(f"{path.name}: {note}" for note in file_notes)
        in_tree = _inside(path, tree_root) if number >= bundled_count else None
        for rule in rules:
            if rule.id in by_id:
                if number < bundled_count:
                    raise ConfigError(
                        f"{path}: rule id {rule.id!r} is already defined in {by_id[rule.id].source}"
                    )
                if in_tree is not None and rule.id in bundled_ids:
                    raise ConfigError(
                        f"{in_tree}: rule id {rule.id!r} reuses the id of a bundled secret rule "
                        f"({Path(by_id[rule.id].source).name}): a rule file from the scanned tree "
                        "may add rules, not replace secgate's own; give the rule an id of its own"
                    )
                notes.append(f"{path.name}: rule {rule.id!r} replaces the bundled one")
            by_id[rule.id] = rule
            if number < bundled_count:
                bundled_ids.add(rule.id)
        _apply_overrides(
            overrides,
            own=rules,
            by_id=by_id,
            off=off,
            shown=str(in_tree or path),
            in_tree=in_tree,
            weakenings=weakenings,
            notes=notes,
        )
    unknown = sorted(set(disabled) - set(by_id))
    if unknown:
        raise ConfigError(
            f"secrets: disable: unknown rule id(s): {', '.join(unknown)} "
            "(secgate rules lists the ids)"
        )
    off.update(disabled)
    kept = tuple(rule for rule in by_id.values() if rule.id not in off)
    digest.update(",".join(sorted(off)).encode())
    return RuleSet(
        rules=kept,
        files=tuple(files),
        digest=digest.hexdigest(),
        notes=tuple(notes),
        weakenings=tuple(weakenings),
    )


def _apply_overrides(
    overrides: GitleaksOverrides,
    *,
    own: Sequence[Rule],
    by_id: dict[str, Rule],
    off: set[str],
    shown: str,
    in_tree: str | None,
    weakenings: list[str],
    notes: list[str],
) -> None:
    """Apply one gitleaks file's disabledRules and allowlists to the rules loaded before it.

    Ids no loaded rule has (gitleaks' own default rule ids, say) are ignored, with a note.
    """
    own_ids = {rule.id for rule in own}
    earlier = [rule_id for rule_id in by_id if rule_id not in own_ids]
    unknown = sorted(
        {r for r in overrides.disabled if r not in by_id}
        | {t for _, targets in overrides.targeted for t in targets if t not in by_id}
    )
    if unknown:
        notes.append(f"{shown}: no such rule id(s), ignored: {', '.join(unknown)}")
    disabled = [r for r in dict.fromkeys(overrides.disabled) if r in by_id]
    if disabled:
        off.update(disabled)
        if in_tree is not None:
            weakenings.append(
                f"rule file {in_tree} switches off rule(s) {', '.join(disabled)} "
                "(extend.disabledRules)"
            )
    if overrides.use_default and overrides.allowlists and earlier:
        for allow in overrides.allowlists:
            for rule_id in earlier:
                by_id[rule_id] = _with_allowlist(by_id[rule_id], allow)
            if in_tree is not None:
                weakenings.append(
                    f"rule file {in_tree} allowlists matches of every bundled rule "
                    f"(global allowlist with extend.useDefault: {_describe_allowlist(allow)})"
                )
    for allow, targets in overrides.targeted:
        others = [t for t in dict.fromkeys(targets) if t not in own_ids and t in by_id]
        for rule_id in others:
            by_id[rule_id] = _with_allowlist(by_id[rule_id], allow)
        if others and in_tree is not None:
            weakenings.append(
                f"rule file {in_tree} allowlists matches of rule(s) {', '.join(others)} "
                f"(allowlists.targetRules: {_describe_allowlist(allow)})"
            )


# --------------------------------------------------------------------------- export


def _toml_string(value: str) -> str:
    if "'''" not in value and "\n" not in value and not value.endswith("'"):
        return f"'''{value}'''"
    import json  # noqa: PLC0415

    return json.dumps(value)


def rules_to_toml(rules: Sequence[Rule], *, header: str = "") -> str:
    """Write *rules* as a secgate rule file (the inverse of :func:`parse_secgate_rules`)."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines.append(f'schema = "{SECGATE_SCHEMA}"')
    for rule in rules:
        lines.extend(["", "[[rules]]"])
        lines.append(f"id = {_toml_string(rule.id)}")
        lines.append(f"description = {_toml_string(rule.description)}")
        lines.append(f"regex = {_toml_string(rule.regex)}")
        if rule.secret_group is not None:
            group = rule.secret_group
            lines.append(
                f"secret-group = {group}"
                if isinstance(group, int)
                else f"secret-group = {_toml_string(group)}"
            )
        lines.append("keywords = [" + ", ".join(_toml_string(k) for k in rule.keywords) + "]")
        if rule.entropy is not None:
            lines.append(f"entropy = {rule.entropy}")
        lines.append(f'severity = "{rule.severity.value}"')
        lines.append(f'confidence = "{rule.confidence.value}"')
        if rule.paths:
            lines.append("paths = [" + ", ".join(_toml_string(p) for p in rule.paths) + "]")
        merged = Allowlist()
        for allow in rule.allowlists:
            merged = merged.merged(allow)
        if merged.stopwords or merged.regexes or merged.paths:
            targets = {a.regex_target for a in rule.allowlists if a.regexes}
            if len(targets) > 1:
                raise ConfigError(
                    f"rule {rule.id!r}: allowlists with different regexTargets cannot be "
                    "merged into one secgate allowlist; reference the gitleaks file instead"
                )
            lines.append("[rules.allowlist]")
            if merged.stopwords:
                lines.append(
                    "stopwords = [" + ", ".join(_toml_string(s) for s in merged.stopwords) + "]"
                )
            if merged.regexes:
                lines.append(
                    "regexes = [" + ", ".join(_toml_string(r) for r in merged.regexes) + "]"
                )
                if targets and targets != {"secret"}:
                    lines.append(f'regex-target = "{targets.pop()}"')
            if merged.paths:
                lines.append("paths = [" + ", ".join(_toml_string(p) for p in merged.paths) + "]")
    return "\n".join(lines) + "\n"
