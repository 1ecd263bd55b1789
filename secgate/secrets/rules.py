"""Secret rules' public names (moving into modules of one job each; see gitleaks)."""

from secgate.secrets.gitleaks import (
    SECGATE_SCHEMA,
    VALIDATORS,
    Allowlist,
    GitleaksOverrides,
    Rule,
    RuleKind,
    RuleSet,
    detect_format,
    gitleaks_overrides,
    load_rule_file,
    load_rules,
    parse_gitleaks,
    parse_secgate_rules,
    rules_to_toml,
    shannon_entropy,
    translate_go_regex,
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
