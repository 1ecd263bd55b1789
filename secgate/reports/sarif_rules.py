"""SARIF rule metadata: one general text per rule, its GitHub severity, precision and tags.

GitHub code scanning shows a rule's ``shortDescription``, ``fullDescription`` and ``help``
beside every alert of it, and expects them not to change between runs: a rule's metadata
comes from the rule, never from one finding (a finding's message, its version, its token).

- **Text** from each scanner's rule source, read where the scanner reads it: bandit's test
  docstring (its blacklist entry's message, ``{name}`` spelled out), the semgrep rule's
  message (metavariables removed), the secret rule's description and fix, a dependency
  advisory's own summary. A scanner this module does not know gets its
  :meth:`~secgate.plugins.Scanner.rules` description, else a fixed generic sentence.
  Descriptions are cut on a word boundary with an ellipsis (GitHub: 1024 characters).
- ``help.text`` and ``help.markdown`` hold what the rule finds and why, the fix, the CWEs
  and the documentation link; the Markdown escapes everything (rule files may come from
  the scanned tree).
- ``security-severity``: a dependency advisory's CVSS base score when it has one, else the
  rule's default severity (:data:`SECURITY_SEVERITY`), else, for rules whose severity is
  per finding (bandit's tests), the highest severity this run reported for it.
- ``precision``: taint rules and constructs dangerous whatever the data ``high``, pattern
  rules ``medium`` (``low`` when the rule says its confidence is low); bandit by its
  confidence; secret rules ``very-high`` for a provider's checksummed format or a private
  key, ``high`` for other provider formats, ``medium`` for the generic ones; advisories
  ``very-high`` (an exact version match).
- ``tags``: ``security`` and ``external/cwe/cwe-NNN`` for each CWE, at most
  :data:`MAX_TAGS` (GitHub rejects a rule with more than 20).
"""

from __future__ import annotations

import contextlib
import re
import sys
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secgate.models import Confidence, Finding, Severity

if TYPE_CHECKING:
    from secgate.models import Verdict
    from secgate.plugins import RuleInfo

INFORMATION_URI = "https://github.com/secgate-ci/secgate"
#: Where each bundled scanner is documented: the page of a rule that has none of its own.
SCANNER_DOCS = {
    "bandit": f"{INFORMATION_URI}#bandit-scanner",
    "pip-audit": f"{INFORMATION_URI}#dependency-audit",
    "secrets": f"{INFORMATION_URI}#secret-detection",
    "semgrep": f"{INFORMATION_URI}#semgrep-scanner-and-rule-pack",
}
SECRETS_DOC = SCANNER_DOCS["secrets"]
#: GitHub's limits: 1024 characters per description, 255 per rule name, 20 tags per rule.
MAX_DESCRIPTION = 1024
MAX_SHORT = 200
MAX_NAME = 255
MAX_TAGS = 20

#: A rule's default level, from its default severity.
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
#: GitHub's `security-severity` property: a CVSS-like score that it buckets into
#: critical (>= 9.0), high (7.0-8.9), medium (4.0-6.9) and low (0.1-3.9); 0.0 is "none".
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}
_BANDIT_LEVELS = {"HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}


@dataclass(frozen=True)
class RuleText:
    """What a report says about one rule, the same for every finding of it."""

    description: str = ""
    """What the rule finds and why it matters (one or a few general sentences)."""
    fix: str = ""
    url: str | None = None
    severity: Severity | None = None
    precision: str | None = None
    cwe: tuple[int, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- text helpers


def cut(text: str, limit: int) -> str:
    """*text* on one line, at most *limit* characters, cut on a word boundary with ``…``."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    head = flat[: limit - 1]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:-") + "…"


def first_sentence(text: str) -> str:
    """The first sentence of *text* (up to its first ``.``, ``!`` or ``?`` before a space)."""
    flat = " ".join(text.split())
    match = re.search(r"(?<=[.!?])\s+(?=[A-Z(\"'`])", flat)
    return flat[: match.start()] if match else flat


_METAVAR_PAREN = re.compile(r"\s*\(\s*\$[A-Z][A-Z0-9_]*\s*\)")
_METAVAR_WORD = re.compile(r"(?<=\s)\$[A-Z][A-Z0-9_]*(?=[\s,;:.]|$)\s?")
_METAVAR = re.compile(r"\$([A-Z][A-Z0-9_]*)")


def without_metavariables(message: str) -> str:
    """A semgrep message with its ``$VAR`` metavariables removed (they vary per finding).

    ``"a shell command ($SINK)"`` reads ``"a shell command"``; ``"the action $USES is"``
    reads ``"the action is"``; one glued to other text (``hashlib.$HASH``) reads
    ``hashlib.<hash>``.
    """
    text = _METAVAR_PAREN.sub("", " ".join(message.split()))
    text = _METAVAR_WORD.sub("", text)
    return _METAVAR.sub(lambda m: f"<{m.group(1).lower()}>", text).strip()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#{}()!+\-.])")
_MD_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_MD_LINK = re.compile(r"(?<![A-Za-z0-9])(www)\\\.|:(?=//)", re.IGNORECASE)


def markdown_escape(text: str) -> str:
    """*text* on one line with every Markdown and HTML special escaped, no mention, no
    autolink: rule text may come from rule files in the scanned tree."""
    from secgate.escape import escape_text  # noqa: PLC0415

    flat = escape_text(" ".join(text.split())).replace("&", "&amp;")
    flat = _MD_SPECIAL.sub(r"\\\1", flat)
    flat = _MD_LINK.sub(lambda m: f"{m.group(1)}\\." if m.group(1) else "\\:", flat)
    return _MD_MENTION.sub("&#64;", flat)


def safe_url(url: str | None) -> str | None:
    """*url* when it is an http(s) URL with no space or Markdown-breaking character."""
    if not url or not re.fullmatch(r"https?://[^\s<>()\[\]`\"'\\]+", url):
        return None
    return url


def cwe_url(cwe: int) -> str:
    return f"https://cwe.mitre.org/data/definitions/{cwe}.html"


# --------------------------------------------------------------------------- per scanner


def _options(info: Any, table: object) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return info.cls.Options.model_validate(table or {})
        except Exception:  # noqa: BLE001 - the defaults still name the rules
            return info.cls.Options()


def _bandit_texts(rules: list[RuleInfo]) -> dict[str, RuleText]:
    from bandit.core import docs_utils, extension_loader  # noqa: PLC0415

    manager = extension_loader.MANAGER
    out: dict[str, RuleText] = {}
    for rule in rules:
        url = None
        with contextlib.suppress(Exception):  # a page is optional
            url = str(docs_utils.get_url(rule.id)) or None
        plugin = manager.plugins_by_id.get(rule.id)
        entry = manager.blacklist_by_id.get(rule.id)
        severity = None
        if plugin is not None:
            module = sys.modules.get(plugin.plugin.__module__)
            docs = [plugin.plugin.__doc__ or "", getattr(module, "__doc__", None) or ""]
            doc = next((d for d in docs if f"{rule.id}:" in d), "")
            description = _bandit_doc(doc) or rule.description
        elif entry is not None:
            names = [str(n) for n in entry.get("qualnames") or ()]
            shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
            message = str(entry.get("message") or "").replace("{name}", shown or "this")
            title = str(entry.get("name") or rule.id).replace("_", " ")
            description = f"{title}: {message}" if message else title
            severity = _BANDIT_LEVELS.get(str(entry.get("level") or "").upper())
        else:
            description = rule.description
        out[rule.id] = RuleText(description=description, url=url, severity=severity, cwe=rule.cwe)
    return out


def _bandit_doc(doc: str) -> str:
    """A bandit test's docstring: its title sentence and first paragraphs, as plain text."""
    lines = [
        line.strip()
        for line in doc.strip().splitlines()
        if not re.fullmatch(r"\s*[=-]{3,}\s*", line)
    ]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if re.match(r"^(See also|\.\. |:Example:|Config Options|:param|\*\*Config|For exa)", line):
            break
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if not paragraphs:
        return ""
    title = re.sub(r"^\**B\d{3}:\s*|\**$", "", paragraphs[0]).strip()
    body = [
        re.sub(r":\w+:`([^`]*)`", r"\1", p).replace("``", "").replace("\\*", "*")
        for p in (p.split(" For example:")[0] for p in paragraphs[1:3])
    ]
    title = title[:1].upper() + title[1:]
    return " ".join([f"{title}." if title and title[-1] not in ".!?" else title, *body])


def _semgrep_texts(options: Any, base: Path) -> dict[str, RuleText]:
    from secgate.scanners.semgrep.output import evidence_of  # noqa: PLC0415
    from secgate.scanners.semgrep.rules import (  # noqa: PLC0415
        load_rule_set,
        map_confidence,
        parse_references,
    )

    out: dict[str, RuleText] = {}
    for rule_id, rule in load_rule_set(options, base).active(options.exclude_rules).items():
        metadata = rule.raw.get("metadata")
        meta: Mapping[str, Any] = metadata if isinstance(metadata, Mapping) else {}
        references = parse_references(meta.get("references"))
        evidence = evidence_of(rule, meta)
        confidence = map_confidence(meta)
        precision = "high" if evidence in ("taint", "construct") else "medium"
        if confidence is Confidence.LOW:
            precision = "low"
        out[rule_id] = RuleText(
            description=without_metavariables(rule.message),
            url=references[0] if references else None,
            severity=rule.severity,
            precision=precision,
            cwe=rule.cwe,
        )
    return out


def _secrets_texts(scanner: Any, options: Any) -> dict[str, RuleText]:
    from secgate.plugins import bundled_rules  # noqa: PLC0415

    try:
        bundled: Path | None = bundled_rules("secrets").resolve()
    except Exception:  # noqa: BLE001 - a page link is optional
        bundled = None
    out: dict[str, RuleText] = {}
    for rule in scanner.load_rules(options).rules:
        url = SECRETS_DOC
        source = Path(rule.source) if rule.source else None
        if bundled is not None and source is not None and source.resolve().parent == bundled:
            url = f"{INFORMATION_URI}/blob/main/rules/secrets/{source.name}"
        if rule.kind == "generic":
            precision = "medium"
        elif rule.kind == "private-key" or rule.validator:
            precision = "very-high"
        else:
            precision = "high"
        if rule.confidence is Confidence.LOW:
            precision = "low"
        out[rule.id] = RuleText(
            description=rule.description,
            fix=rule.help
            or "Remove the secret, rotate it (it stays in the git history), and load it from "
            "the environment or a secret store.",
            url=url,
            severity=rule.severity,
            precision=precision,
            cwe=(798,),
        )
    return out


def rule_texts(verdict: Verdict, names: Iterable[str]) -> dict[str, dict[str, RuleText]]:
    """Each named scanner's rules, by rule id (best effort: a scanner not installed here, or
    whose rules cannot be read, has none, and its rules get text from their findings)."""
    from secgate.plugins import RuleInfo, make_plugin_host  # noqa: PLC0415

    catalog: dict[str, dict[str, RuleText]] = {}
    try:
        registry = make_plugin_host().scanners()
    except Exception:  # noqa: BLE001 - rule text is optional; the report is not
        return catalog
    tables = verdict.policy.get("scanners") if isinstance(verdict.policy, dict) else None
    config = Path(verdict.config_file).parent if verdict.config_file else Path(verdict.root)
    for name in names:
        info = registry.get(name)
        if info is None:
            continue
        table = tables.get(name) if isinstance(tables, dict) else None
        options = _options(info, table)
        texts: dict[str, RuleText] = {}
        # Rule text is optional, the report is not: a scanner whose rules cannot be read
        # keeps what was read before the failure.
        with warnings.catch_warnings(), contextlib.suppress(Exception):
            warnings.simplefilter("ignore")
            scanner = info.cls()
            infos = [i for i in scanner.rules(options) if isinstance(i, RuleInfo)]
            for i in infos:
                texts[i.id] = RuleText(description=i.description, severity=i.severity, cwe=i.cwe)
            if name == "bandit":
                texts.update(_bandit_texts(infos))
            elif name == "semgrep":
                texts.update(_semgrep_texts(options, config))
            elif name == "secrets":
                texts.update(_secrets_texts(scanner, options))
        catalog[name] = texts
    return catalog


# --------------------------------------------------------------------------- one rule


def generic_rule_text(scanner: str, rule_id: str) -> str:
    """The fixed text of a rule its scanner does not describe."""
    return f"{scanner} rule {rule_id}"


def _advisory(rule_id: str, findings: list[Finding]) -> RuleText | None:
    """A dependency advisory's rule: its summary (the same in every finding of it), CVSS."""
    packages = [f.package for f in findings if f.package and f.package.advisory_id]
    if len(packages) != len(findings) or not packages:
        return None
    aliases = sorted({a for p in packages for a in p.aliases})
    summary = ""
    for finding in findings:
        marker = f" is affected by {rule_id}"
        _, found, tail = finding.message.partition(marker)
        if found:
            _, colon, text = tail.partition(": ")
            summary = text if colon else ""
            break
    named = f"{rule_id} ({', '.join(aliases)})" if aliases else rule_id
    description = f"Vulnerable dependency: {named}"
    description += f": {summary}" if summary else "."
    scores = [
        float(score)
        for f in findings
        if isinstance(score := f.properties.get("cvss_score"), int | float)
        and not isinstance(score, bool)
    ]
    extra: dict[str, Any] = {}
    if scores:
        extra["cvss"] = max(scores)
    return RuleText(
        description=description,
        fix="Upgrade the package to a version the advisory lists as fixed (each finding names "
        "the lowest one that fixes every advisory of the pinned version), or remove it.",
        url=next((f.help_url for f in findings if f.help_url), None),
        severity=max(f.severity for f in findings),
        precision="very-high",
        cwe=tuple(sorted({c for f in findings for c in f.cwe})),
        extra=extra,
    )


def _precision(findings: list[Finding]) -> str:
    return PRECISION[max((f.confidence for f in findings), default=Confidence.MEDIUM)]


def _severity(text: RuleText, findings: list[Finding]) -> Severity:
    """The rule's default severity, else (per-finding severities) the highest reported."""
    if text.severity is not None:
        return text.severity
    return max((f.severity for f in findings), default=Severity.MEDIUM)


def _security_severity(text: RuleText, findings: list[Finding]) -> str:
    cvss = text.extra.get("cvss")
    if isinstance(cvss, float) and 0.0 < cvss <= 10.0:
        return f"{cvss:.1f}"
    return SECURITY_SEVERITY[_severity(text, findings)]


def _help(short: str, text: RuleText, cwes: list[int], url: str | None) -> dict[str, str]:
    plain = [text.description or short]
    markdown = [f"**{markdown_escape(short)}**"]
    if text.description and text.description != short:
        markdown.append(markdown_escape(text.description))
    if text.fix:
        plain.append(f"Fix: {' '.join(text.fix.split())}")
        markdown.append(f"**Fix:** {markdown_escape(text.fix)}")
    if cwes:
        plain.append("Weakness: " + ", ".join(f"CWE-{c} ({cwe_url(c)})" for c in cwes))
        markdown.append("**Weakness:** " + ", ".join(f"[CWE-{c}]({cwe_url(c)})" for c in cwes))
    if url:
        plain.append(f"Documentation: {url}")
        markdown.append(f"[Documentation]({url})")
    return {"text": "\n\n".join(plain), "markdown": "\n\n".join(markdown)}


def sarif_rule(
    scanner: str, rule_id: str, findings: list[Finding], known: Mapping[str, RuleText]
) -> dict[str, Any]:
    """The ``reportingDescriptor`` of *rule_id*: the same for every run that reports it."""
    text = (_advisory(rule_id, findings) if scanner == "pip-audit" else None) or known.get(
        rule_id, RuleText()
    )
    description = " ".join(text.description.split()) or generic_rule_text(scanner, rule_id)
    cwes = sorted({*text.cwe, *(c for f in findings for c in f.cwe)})
    url = (
        safe_url(text.url)
        or safe_url(next((f.help_url for f in findings if f.help_url), None))
        or SCANNER_DOCS.get(scanner)
    )
    short = cut(first_sentence(description), MAX_SHORT)
    properties: dict[str, Any] = {
        "tags": ["security", *(f"external/cwe/cwe-{c}" for c in cwes)][:MAX_TAGS],
        "security-severity": _security_severity(text, findings),
        "precision": text.precision or _precision(findings),
    }
    level = LEVELS[_severity(text, findings)]
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": cut(rule_id, MAX_NAME),
        "shortDescription": {"text": short},
        "fullDescription": {"text": cut(description, MAX_DESCRIPTION)},
        "help": _help(short, text, cwes, url),
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }
    if url:
        rule["helpUri"] = url
    return rule
