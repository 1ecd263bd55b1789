"""secgate's own TOML rule format: reading and validating it, and writing rules in it.

secgate's rule files (``rules/secrets/*.toml``) look like this::

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

Keys are kebab-case and validated (pydantic): an unknown key is an error naming the file
and rule.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from secgate.config import ConfigModel, format_validation_error
from secgate.errors import ConfigError
from secgate.models import Confidence, Severity
from secgate.secrets.rulemodel import Allowlist, Rule, RuleKind, check_patterns

SECGATE_SCHEMA = "secgate-secrets/1"


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


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read rule file: {exc.strerror or exc}") from None


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
            check_patterns(rule, f"{source}: {label}")
        rules.append(rule)
    return rules


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
