"""semgrep rules: reading the bundled pack and the configured rule files, checking them
(a missing path, a registry config without ``registry = true``, invalid YAML, an empty set,
an id defined twice) and merging the active ones into the one config file semgrep gets.

Also how a rule's (or result's) severity, confidence and CWEs map to secgate's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secgate.errors import ScannerError
from secgate.models import Confidence, Severity
from secgate.plugins import bundled_rules
from secgate.scanners.semgrep.options import SemgrepOptions
from secgate.scanners.semgrep.prefilter import compile_prefilter

#: The one config file the local rules are merged into for a scan.
MERGED_CONFIG = "secgate-rules.yaml"

_CWE = re.compile(r"CWE-(\d+)", re.IGNORECASE)
_SEVERITIES = {
    "CRITICAL": Severity.CRITICAL,
    "ERROR": Severity.HIGH,
    "HIGH": Severity.HIGH,
    "WARNING": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "INFO": Severity.LOW,
    "LOW": Severity.LOW,
    "INVENTORY": Severity.INFO,
    "EXPERIMENT": Severity.INFO,
}


@dataclass(frozen=True)
class Rule:
    """One semgrep rule as read from its YAML file."""

    id: str
    languages: tuple[str, ...]
    severity: Severity
    confidence: Confidence
    message: str
    cwe: tuple[int, ...]
    references: tuple[str, ...]
    has_path_filter: bool
    source: Path
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The rule as written, for the merged config semgrep gets."""
    prefilter: str | None = None
    """``metadata.secgate-prefilter``: a regex every file it can match in contains."""


@dataclass(frozen=True)
class RuleSet:
    """The rules a scan runs: those read from local rule files, and registry configs."""

    files: tuple[Path, ...]
    """Every local rule file, sorted (what the cache token hashes)."""
    rules: dict[str, Rule] = field(default_factory=dict)
    registry: tuple[str, ...] = ()

    def active(self, excluded: Iterable[str]) -> dict[str, Rule]:
        """The rules that run, without *excluded* ids."""
        skip = set(excluded)
        return {rule_id: rule for rule_id, rule in self.rules.items() if rule_id not in skip}

    def write_config(
        self, path: Path, excluded: Iterable[str], only: Collection[str] | None = None
    ) -> list[tuple[int, int, Rule]]:
        """Write every active local rule (or those in *only*) into one config file; return
        each rule's lines.

        semgrep validates each config file in a round trip of its own: 62 files took
        12 s to load where one file with the same rules takes under a second. The file is
        block YAML whose scalars are all JSON literals (JSON strings are YAML strings), so
        every pattern reads back exactly as written and semgrep's error positions point at
        the rule, which the returned line ranges map back to its source file.
        """
        lines = ["rules:"]
        spans: list[tuple[int, int, Rule]] = []
        for rule in self.active(excluded).values():
            if only is not None and rule.id not in only:
                continue
            block = _yaml_lines([dict(rule.raw)], 2)
            spans.append((len(lines) + 1, len(lines) + len(block), rule))
            lines.extend(block)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return spans


def _yaml_scalar(value: object) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _yaml_lines(value: object, indent: int) -> list[str]:
    """Block YAML for *value* with every scalar written as a JSON literal."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = _yaml_scalar(str(key))
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{name}:")
                lines.extend(_yaml_lines(item, indent + 2))
            else:
                lines.append(f"{pad}{name}: {_yaml_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = _yaml_lines(item, indent + 2)
                nested[0] = f"{pad}- {nested[0][indent + 2 :]}"
                lines.extend(nested)
            else:
                lines.append(f"{pad}- {_yaml_scalar(item)}")
    else:
        lines.append(f"{pad}{_yaml_scalar(value)}")
    return lines


def _is_rule_file(path: Path) -> bool:
    """semgrep's test for a config file in a folder: .yml/.yaml, not a test or fix file."""
    suffixes = [s.lower() for s in path.suffixes]
    if not suffixes or suffixes[-1] not in (".yml", ".yaml"):
        return False
    return ".test" not in suffixes[:-1] and ".fixed" not in suffixes[:-1]


def _rule_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and _is_rule_file(p)
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


def as_mapping(value: object) -> Mapping[str, Any]:
    """*value* if it is a mapping (a rule's ``metadata``), else an empty one."""
    return value if isinstance(value, dict) else {}


def parse_cwes(value: object) -> tuple[int, ...]:
    """CWE ids from ``metadata.cwe`` (a string like ``"CWE-78: ..."`` or a list of them)."""
    items = value if isinstance(value, list) else [value]
    found: list[int] = []
    for item in items:
        if isinstance(item, str | int):
            for match in _CWE.findall(str(item)):
                number = int(match)
                if number not in found:
                    found.append(number)
    return tuple(found)


def parse_references(value: object) -> tuple[str, ...]:
    """The non-empty strings of ``metadata.references`` (one string or a list)."""
    items = value if isinstance(value, list) else [value]
    return tuple(str(item) for item in items if isinstance(item, str) and item.strip())


def map_severity(severity: object, metadata: Mapping[str, Any] | None) -> Severity:
    """secgate's severity for a semgrep rule or result.

    ``metadata.severity`` (a secgate severity name) wins, then ``metadata.impact``
    (HIGH/MEDIUM/LOW, as in semgrep's registry), then the rule's own severity:
    ERROR -> high, WARNING -> medium, INFO -> low (semgrep's newer CRITICAL/HIGH/MEDIUM/LOW
    map to themselves).
    """
    meta = metadata or {}
    explicit = meta.get("severity")
    if isinstance(explicit, str) and explicit.lower() in Severity._value2member_map_:
        return Severity(explicit.lower())
    impact = meta.get("impact")
    if isinstance(impact, str) and impact.upper() in ("HIGH", "MEDIUM", "LOW"):
        return Severity(impact.lower())
    if isinstance(severity, str) and severity.upper() in _SEVERITIES:
        return _SEVERITIES[severity.upper()]
    return Severity.MEDIUM


def map_confidence(metadata: Mapping[str, Any] | None) -> Confidence:
    """``metadata.confidence`` (HIGH/MEDIUM/LOW), medium when absent."""
    value = (metadata or {}).get("confidence")
    if isinstance(value, str) and value.lower() in Confidence._value2member_map_:
        return Confidence(value.lower())
    return Confidence.MEDIUM


def clip(text: str, limit: int) -> str:
    """*text* cut to *limit* characters, ``...`` marking a cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(text: str, limit: int = 300) -> str:
    """The first sentence of *text* on one line, for listings; ``$IMAGE`` reads ``<image>``."""
    flat = re.sub(
        r"\$([A-Z][A-Z0-9_]*)", lambda m: f"<{m.group(1).lower()}>", " ".join(text.split())
    )
    match = re.search(r"(?<=[.!?])\s", flat)
    return clip(flat[: match.start()] if match else flat, limit)


#: Parsed rule files by (path, size, mtime): one run reads them for the cache token, the rule
#: listing and the scan; a pure-Python YAML parse of the pack costs ~0.1 s each time.
_PARSED: dict[tuple[str, int, int], list[Rule]] = {}


def _read_rules(path: Path) -> list[Rule]:
    try:
        stat = path.stat()
    except OSError as exc:
        raise ScannerError(f"{path}: cannot read semgrep rules: {exc.strerror or exc}") from None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _PARSED:
        _PARSED[key] = _parse_rules(path)
    return list(_PARSED[key])


def _parse_rules(path: Path) -> list[Rule]:
    import yaml  # noqa: PLC0415 - heavy import only when rules are read

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506  # nosec B506 - a safe loader
    except OSError as exc:
        raise ScannerError(f"{path}: cannot read semgrep rules: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        reason = " ".join(str(exc).split())
        raise ScannerError(f"{path}: invalid YAML in semgrep rules: {reason}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ScannerError(f"{path}: not a semgrep rule file (expected a top-level `rules:` list)")
    rules = []
    for index, raw in enumerate(data["rules"]):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise ScannerError(f"{path}: rules[{index}] has no `id`")
        metadata = as_mapping(raw.get("metadata"))
        languages = raw.get("languages") or []
        rules.append(
            Rule(
                id=raw["id"],
                languages=tuple(str(lang).lower() for lang in languages)
                if isinstance(languages, list)
                else (),
                severity=map_severity(raw.get("severity"), metadata),
                confidence=map_confidence(metadata),
                message=str(raw.get("message") or ""),
                cwe=parse_cwes(metadata.get("cwe")),
                references=parse_references(metadata.get("references")),
                has_path_filter=bool(raw.get("paths")),
                source=path,
                raw=raw,
                prefilter=compile_prefilter(raw, raw["id"], path),
            )
        )
    return rules


def load_rule_set(options: SemgrepOptions, base: Path) -> RuleSet:
    """The rule configs *options* ask for, relative paths resolved against *base*.

    Raises :class:`ScannerError` for a missing path, a registry config without
    ``registry = true``, an unreadable or invalid rule file, or an empty rule set.
    """
    roots: list[Path] = []
    registry: list[str] = []
    if options.bundled_rules:
        roots.append(bundled_rules("semgrep"))
    for entry in options.rules:
        candidate = Path(entry).expanduser()
        if not candidate.is_absolute():
            candidate = base / candidate
        if candidate.exists():
            roots.append(candidate.resolve())
        elif options.registry:
            registry.append(entry)
        else:
            raise ScannerError(
                f"scanners.semgrep.rules: {entry!r} is not a file or folder under {base}; "
                "registry configs (p/..., r/..., URLs) need scanners.semgrep.registry = true "
                "and network access"
            )
    files: list[Path] = []
    for root in roots:
        found = _rule_files(root)
        if not found:
            raise ScannerError(f"scanners.semgrep.rules: {root} holds no .yml/.yaml rule file")
        files.extend(found)
    rules: dict[str, Rule] = {}
    for path in files:
        for rule in _read_rules(path):
            if rule.id in rules:
                raise ScannerError(
                    f"semgrep rule id {rule.id!r} is defined twice ({rules[rule.id].source} and "
                    f"{path}): rename one (ids must be unique across the rule pack and "
                    "scanners.semgrep.rules)"
                )
            rules[rule.id] = rule
    if not rules and not registry:
        raise ScannerError(
            "no semgrep rules to run: scanners.semgrep.bundled-rules is false and "
            "scanners.semgrep.rules is empty"
        )
    return RuleSet(
        files=tuple(files),
        rules=rules,
        registry=tuple(registry),
    )
