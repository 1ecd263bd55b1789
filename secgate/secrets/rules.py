"""Loading the secret rules a scan uses: bundled plus extra files, minus the disabled ones.

The rule model, secgate's TOML format and the gitleaks format live in
:mod:`secgate.secrets.rulemodel`, :mod:`secgate.secrets.tomlrules` and
:mod:`secgate.secrets.gitleaks`; their public names are re-exported here.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from secgate.errors import ConfigError
from secgate.secrets.gitleaks import (
    GitleaksOverrides,
    detect_format,
    gitleaks_overrides,
    parse_gitleaks,
    translate_go_regex,
)
from secgate.secrets.rulemodel import VALIDATORS, Allowlist, Rule, RuleKind, shannon_entropy
from secgate.secrets.tomlrules import (
    SECGATE_SCHEMA,
    parse_secgate_rules,
    read_toml,
    rules_to_toml,
)

__all__ = [
    "SECGATE_SCHEMA",
    "VALIDATORS",
    "Allowlist",
    "GitleaksOverrides",
    "Rule",
    "RuleKind",
    "RuleSet",
    "detect_format",
    "gitleaks_overrides",
    "load_rule_file",
    "load_rules",
    "parse_gitleaks",
    "parse_secgate_rules",
    "rules_to_toml",
    "shannon_entropy",
    "translate_go_regex",
]


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


def load_rule_file(path: Path, *, check_regexes: bool = True) -> tuple[list[Rule], list[str]]:
    """Load one rule file of either format; ConfigError on anything wrong."""
    data = read_toml(path)
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
        data = read_toml(path)
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
