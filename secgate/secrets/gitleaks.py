"""gitleaks-format rule files: rules, allowlists, ``[extend]`` and ``targetRules``.

gitleaks rule files (``[[rules]]`` with ``id``, ``regex``, ``secretGroup``, ``keywords``,
``entropy``, ``path``, ``allowlist``/``allowlists``) are parsed by :func:`parse_gitleaks`;
their Go RE2 patterns are translated where Python's ``re`` reads them differently, and
rejected with the reason where it cannot (see :func:`translate_go_regex`). What a file says
about rules beyond its own (``[extend]``, global and targeted allowlists) is read by
:func:`gitleaks_overrides`, for :func:`secgate.secrets.rules.load_rules` to apply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from secgate.errors import ConfigError
from secgate.models import Confidence, Severity
from secgate.secrets.regex import RegexSyntaxError
from secgate.secrets.rulemodel import Allowlist, Rule, check_patterns

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
        check_patterns(rule, where)
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


def detect_format(data: Mapping[str, Any]) -> Literal["secgate", "gitleaks"]:
    """``secgate`` when the file declares ``schema = "secgate-secrets/1"``, else gitleaks."""
    return "secgate" if "schema" in data else "gitleaks"
