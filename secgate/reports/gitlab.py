"""GitLab security reports (schema 15.2.1): SAST, secret detection, dependency scanning.

GitLab reads these from ``artifacts: reports: sast|secret_detection|dependency_scanning``
and shows them in the merge-request security widget, the pipeline's security tab and the
vulnerability report. Each format is one JSON document validated by GitLab against the
published schema of its ``version`` (a copy is in ``tests/schemas/gitlab/``).

Which findings go where, by what the finding is:

- a finding about a dependency (it names a package: pip-audit's, the OSV audit's) is
  **dependency scanning**, whatever scanner reported it;
- a finding of a secret-detection scanner (:data:`SECRET_SCANNERS`), or a finding that
  merged one in (its ``related`` reports), is **secret detection**;
- everything else is **SAST**.

A scanner's own results (its status, its errors, its gaps) go to the report of its kind:
:data:`DEPENDENCY_SCANNERS` and :data:`SECRET_SCANNERS` name the built-in ones, and a
plugin scanner that reports findings with a package, or names a vulnerability source in
its details, is a dependency scanner; any other scanner is SAST. secgate's scanners have
no kind attribute of their own, hence these tables.

- **Status**: ``scan.status`` is ``failure`` when a scanner of the report's kind errored
  (the findings it reported before failing are still listed), else ``success``; every
  error, skipped scanner and file a scanner or the collector could not look at is a
  ``scan.messages`` entry (``fatal``, ``info`` and ``warn``).
- **What is listed**: GitLab has no "blocking": it shows what a pipeline reports and
  compares it with the target branch. Listed are the findings that block and those that
  do not only because of the threshold or the ``--new-since`` comparison (``below-threshold``,
  ``preexisting``, ``newly-disclosed``); a finding the evidence check could not confirm
  (``unconfirmed``) is listed with GitLab's ``flagged-as-likely-false-positive`` flag. Left
  out are the findings the project has set aside for good: inline suppressions, baseline
  and waiver matches, path-policy exclusions, merged duplicates and disproved flows
  (:data:`LEFT_OUT`). The ``details`` of each vulnerability say whether it blocks the gate.
- **Stable ids**: a vulnerability's ``id`` is a UUID (version 5) of the report kind, the
  scanner, rule, path and content fingerprint and an occurrence count for findings sharing
  them (:func:`finding_key`): the same finding has the same id in every run, sharded or not.
- **Paths** are relative to the repository root (:mod:`secgate.reports.locations`), as
  GitLab resolves them.
- **No secret value**: only the finding's already-redacted message is used; snippets and
  scanner properties (a secret's redacted preview included) are never written.
- **Untrusted text**: everything from the tree is data in a JSON string; the fields
  GitLab renders as Markdown (``description``, ``solution``) are Markdown-escaped
  (:func:`secgate.reports.markdown.escape`: no HTML, link, mention or image can be
  injected), the others have control and bidi characters shown as escapes.

Dependency scanning: schema 15.x no longer has ``dependency_files``. GitLab is moving
dependency scanning to CycloneDX SBOMs (``artifacts: reports: cyclonedx``); this legacy
format stays for the GitLab versions that still read it.
"""

from __future__ import annotations

import enum
import json
import re
import uuid
import warnings
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from secgate.escape import escape_text
from secgate.models import Finding, ScanResult, ScanStatus, Severity, Verdict
from secgate.plugins import Reporter, RuleInfo
from secgate.reports.facts import vex_reason
from secgate.reports.locations import ReportBase, report_base
from secgate.reports.markdown import escape as markdown_escape

#: The security-report schema version every GitLab report here declares.
SCHEMA_VERSION = "15.2.1"
SCHEMA_URL = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
    "v{version}/dist/{kind}-report-format.json"
)
INFORMATION_URI = "https://github.com/secgate-ci/secgate"
#: The namespace of the vulnerability ids (uuid5): fixed forever, or every id changes.
ID_NAMESPACE = uuid.UUID("6f1c2d0e-6a53-5c53-9d6b-2f0d7c1e5a17")

#: Built-in scanners by kind (see the module's docstring for plugin scanners).
SECRET_SCANNERS = frozenset({"secrets"})
DEPENDENCY_SCANNERS = frozenset({"pip-audit"})

#: ``suppressed_by`` values (or their prefix before ``:``) whose findings are left out.
LEFT_OUT = frozenset({"inline", "baseline", "waiver", "path-policy", "duplicate", "disproved"})

SEVERITIES = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Info",
}

#: The schema's bounds, with room for the Markdown escapes.
MAX_NAME = 255
MAX_DESCRIPTION = 20_000
MAX_SOLUTION = 1_000
MAX_MESSAGES = 200
MAX_MESSAGE = 1_000

_URL = re.compile(r"^(https?|ftp)://\S+$")
#: The end of a sentence: a word's final stop before a capital (not "...", not "e.g. x").
_SENTENCE_END = re.compile(r"(?<=[A-Za-z0-9)][.!?])\s+(?=[A-Z])")
_IDENTIFIER_TYPE = re.compile(r"[^a-z0-9]+")
_CVE = re.compile(r"^CVE-\d{4}-\d+$", re.IGNORECASE)
_GHSA = re.compile(r"^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$", re.IGNORECASE)
_PYSEC = re.compile(r"^PYSEC-\d{4}-\d+$", re.IGNORECASE)


class ReportKind(enum.StrEnum):
    """GitLab's report types, as ``scan.type`` spells them."""

    SAST = "sast"
    SECRET_DETECTION = "secret_detection"  # noqa: S105 - a report type, not a password
    DEPENDENCY_SCANNING = "dependency_scanning"

    @property
    def file_stem(self) -> str:
        """The schema's file name stem: ``secret-detection`` for ``secret_detection``."""
        return self.value.replace("_", "-")


# --------------------------------------------------------------------------- kinds


def scanner_kind(result: ScanResult, findings: Iterable[Finding] = ()) -> ReportKind:
    """The report a scanner's status and gaps go to (see the module's docstring)."""
    if result.name in SECRET_SCANNERS:
        return ReportKind.SECRET_DETECTION
    if (
        result.name in DEPENDENCY_SCANNERS
        or result.details.get("vuln_source")
        or any(f.package is not None for f in findings if f.scanner == result.name)
    ):
        return ReportKind.DEPENDENCY_SCANNING
    return ReportKind.SAST


def finding_kind(finding: Finding) -> ReportKind:
    """The report a finding goes to: a dependency, a secret, or source code (SAST)."""
    if finding.package is not None:
        return ReportKind.DEPENDENCY_SCANNING
    if finding.scanner in SECRET_SCANNERS or any(
        r.scanner in SECRET_SCANNERS for r in finding.related
    ):
        return ReportKind.SECRET_DETECTION
    return ReportKind.SAST


def listed(finding: Finding) -> bool:
    """Whether GitLab's reports list *finding* (not set aside for good by the project)."""
    reason = finding.suppressed_by
    return reason is None or reason.split(":", 1)[0] not in LEFT_OUT


def report_order(findings: Iterable[Finding]) -> list[Finding]:
    """*findings* in a fixed order (path, line, scanner, rule…), the same for every run."""
    return sorted(findings, key=Finding.sort_key)


def finding_keys(findings: list[Finding]) -> list[str]:
    """Each finding's stable key: scanner, rule, path, fingerprint and occurrence count.

    Findings sharing scanner, rule, path and fingerprint (a line copied twice) are told
    apart by their occurrence in *findings*' order, which must be :func:`report_order`.
    """
    seen: dict[tuple[str, str, str, str], int] = {}
    keys = []
    for finding in findings:
        base = (finding.scanner, finding.rule_id, finding.path, finding.fingerprint)
        seen[base] = seen.get(base, 0) + 1
        keys.append("\x00".join((*base, str(seen[base]))))
    return keys


def finding_id(kind: ReportKind, key: str) -> str:
    """The vulnerability id GitLab tracks: a UUID5 of the report kind and the key."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind.value}\x00{key}"))


# --------------------------------------------------------------------------- rules


def rule_descriptions(verdict: Verdict, names: Iterable[str]) -> dict[str, dict[str, str]]:
    """Each named scanner's rule descriptions by rule id (its ``rules()`` with the run's
    options): the general text a vulnerability's ``name`` comes from.

    Best effort: a scanner not installed here, or whose rules cannot be listed, has none.
    """
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    try:
        registry = make_plugin_host().scanners()
    except Exception:  # noqa: BLE001 - rule text is optional; the report is not
        return {}
    tables = verdict.policy.get("scanners") if isinstance(verdict.policy, dict) else None
    out: dict[str, dict[str, str]] = {}
    for name in names:
        info = registry.get(name)
        if info is None:
            continue
        table = tables.get(name) if isinstance(tables, dict) else None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    options = info.cls.Options.model_validate(table or {})
                except Exception:  # noqa: BLE001 - the defaults still name the rules
                    options = info.cls.Options()
                rules = info.cls().rules(options)
        except Exception:  # noqa: BLE001, S112 - rule text is optional; the report is not
            continue
        out[name] = {r.id: r.description for r in rules if isinstance(r, RuleInfo)}
    return out


# --------------------------------------------------------------------------- text


def plain_text(text: str, limit: int) -> str:
    """*text* on one line, clipped at a word, control and bidi characters escaped."""
    text = " ".join(text.split())
    if len(text) > limit:
        cut = text[: limit - 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
    return escape_text(text)


def repo_path(base: ReportBase, path: str) -> str:
    """*path* relative to the repository root; an undecodable name's bytes as escapes."""
    where = base.path(path)
    try:
        where.encode("utf-8")
    except UnicodeEncodeError:
        return escape_text(where)
    return where


def gitlab_time(moment: datetime | None) -> str:
    """*moment* in GitLab's ``YYYY-MM-DDTHH:MM:SS`` (UTC, no zone, no fraction)."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _url(url: str | None) -> str | None:
    return url if url and _URL.match(url) else None


# --------------------------------------------------------------------------- identifiers


def _identifier(kind: str, name: str, value: str, url: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": kind, "name": plain_text(name, 255), "value": value}
    if _url(url):
        out["url"] = url
    return out


def _rule_identifier(scanner: str, rule_id: str, url: str | None) -> dict[str, Any]:
    kind = _IDENTIFIER_TYPE.sub("_", scanner.lower()).strip("_") or "scanner"
    return _identifier(f"{kind}_rule_id", f"{scanner} {rule_id}", rule_id, url)


def advisory_identifier(advisory: str) -> dict[str, Any]:
    """A CVE, GHSA, PYSEC or other OSV advisory id as a GitLab identifier."""
    if _CVE.match(advisory):
        cve = advisory.upper()
        return _identifier("cve", cve, cve, f"https://nvd.nist.gov/vuln/detail/{cve}")
    if _GHSA.match(advisory):
        return _identifier("ghsa", advisory, advisory, f"https://github.com/advisories/{advisory}")
    kind = "pysec" if _PYSEC.match(advisory) else "osv"
    return _identifier(kind, advisory, advisory, f"https://osv.dev/vulnerability/{advisory}")


def identifiers(finding: Finding) -> list[dict[str, Any]]:
    """The rule (or advisory) first, then the advisory's aliases, CWEs and merged rules."""
    out: list[dict[str, Any]] = []
    package = finding.package
    if package is not None:
        ids = [package.advisory_id or finding.rule_id, *package.aliases]
        if finding.rule_id not in ids:
            ids.insert(0, finding.rule_id)
        out += [advisory_identifier(a) for a in ids if a]
    else:
        out.append(_rule_identifier(finding.scanner, finding.rule_id, finding.help_url))
    for related in finding.related:
        out.append(_rule_identifier(related.scanner, related.rule_id, None))
    cwes = sorted({*finding.cwe})
    out += [
        _identifier("cwe", f"CWE-{c}", str(c), f"https://cwe.mitre.org/data/definitions/{c}.html")
        for c in cwes
    ]
    unique: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for item in out:
        key = (item["type"], item["value"])
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


# --------------------------------------------------------------------------- vulnerabilities


def _name(finding: Finding, known: dict[str, str]) -> str:
    """The rule's general text: never the finding's own message (GitLab's rule)."""
    text = " ".join(known.get(finding.rule_id, "").split())
    if not text and finding.package is not None:
        text = f"{finding.rule_id} in {finding.package.name}"
    if not text:
        text = f"{finding.scanner} rule {finding.rule_id}"
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    if first.endswith(".") and not first.endswith(".."):
        first = first[:-1]
    return plain_text(first or text, MAX_NAME)


def _solution(finding: Finding) -> str | None:
    text = finding.help_text
    package = finding.package
    if not text and package is not None and package.fixed_versions:
        text = f"Upgrade {package.name} to {' or '.join(package.fixed_versions)} or later."
    return markdown_escape(text, MAX_SOLUTION) if text else None


def _location(kind: ReportKind, finding: Finding, base: ReportBase) -> dict[str, Any]:
    path = repo_path(base, finding.path)
    if kind is ReportKind.DEPENDENCY_SCANNING and finding.package is not None:
        return {
            "file": path or ".",
            "dependency": {
                "package": {"name": plain_text(finding.package.name, MAX_NAME)},
                "version": plain_text(finding.package.version or "unknown", MAX_NAME),
            },
        }
    location: dict[str, Any] = {"file": path}
    if finding.line:
        location["start_line"] = finding.line
        end = finding.end_line if finding.end_line and finding.end_line >= finding.line else None
        location["end_line"] = end or finding.line
    if kind is ReportKind.SECRET_DETECTION:
        # GitLab's schema wants the commit; a working-tree scan has none, so it gets the
        # all-zero placeholder GitLab's own secret analyzer writes for one.
        commit = finding.properties.get("commit")
        location["commit"] = {"sha": str(commit) if commit else "0000000"}
    return location


def _details(finding: Finding) -> dict[str, Any]:
    details: dict[str, Any] = {
        "secgate_scanner": {"name": "Scanner", "type": "text", "value": finding.scanner},
        "secgate_blocking": {
            "name": "Blocks the secgate gate",
            "type": "value",
            "value": finding.blocking,
        },
    }
    if finding.suppressed_by:
        details["secgate_suppressed_by"] = {
            "name": "Does not block because",
            "type": "text",
            "value": plain_text(finding.suppressed_by, 200),
        }
    vex = vex_reason(finding)
    if vex:
        details["secgate_vex"] = {"name": "VEX", "type": "text", "value": plain_text(vex, 1000)}
    return details


def vulnerability(
    kind: ReportKind, finding: Finding, key: str, base: ReportBase, known: dict[str, str]
) -> dict[str, Any]:
    """One GitLab vulnerability object for *finding*."""
    out: dict[str, Any] = {
        "id": finding_id(kind, key),
        "name": _name(finding, known),
        "description": markdown_escape(finding.message, MAX_DESCRIPTION),
        "severity": SEVERITIES[finding.severity],
        "identifiers": identifiers(finding),
        "location": _location(kind, finding, base),
        "details": _details(finding),
    }
    solution = _solution(finding)
    if solution:
        out["solution"] = solution
    link = _url(finding.help_url)
    if link:
        out["links"] = [{"url": link}]
    vex = vex_reason(finding)
    if vex and (finding.suppressed_by or "").startswith("vex:"):
        out["flags"] = [
            {
                "type": "flagged-as-likely-false-positive",
                "origin": "vex",
                "description": plain_text(f"a VEX statement says {vex}", 1000),
            }
        ]
    if finding.suppressed_by == "unconfirmed":
        out["flags"] = [
            {
                "type": "flagged-as-likely-false-positive",
                "origin": "secgate",
                "description": "secgate's evidence check could not confirm this finding "
                "(no data flow reaches it), so it does not block the gate",
            }
        ]
    return out


# --------------------------------------------------------------------------- scan


def _messages(verdict: Verdict, results: list[ScanResult]) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = []
    for result in results:
        if result.status is ScanStatus.ERROR:
            error = plain_text(result.error or "unknown error", MAX_MESSAGE)
            messages.append({"level": "fatal", "value": f"{result.name} failed: {error}"})
        elif result.status is ScanStatus.SKIPPED:
            why = plain_text(result.error or "not selected", MAX_MESSAGE)
            messages.append({"level": "info", "value": f"{result.name} did not run: {why}"})
        for line in result.weakenings:
            messages.append({"level": "warn", "value": f"{result.name}: {plain_text(line, 500)}"})
    gaps = [(r.name, s) for r in results for s in r.coverage.skipped] + [
        ("collector", s) for s in verdict.collection.skipped
    ]
    for name, skipped in gaps[:MAX_MESSAGES]:
        where = plain_text(skipped.path, 300) + (f":{skipped.line}" if skipped.line else "")
        text = f"{name} did not scan {where} ({skipped.kind.value}): {skipped.reason}"
        messages.append({"level": "warn", "value": plain_text(text, MAX_MESSAGE)})
    if len(gaps) > MAX_MESSAGES:
        messages.append(
            {
                "level": "warn",
                "value": f"{len(gaps) - MAX_MESSAGES} more files were not scanned; "
                "the JSON report lists them all",
            }
        )
    return messages


def _scanner(results: list[ScanResult], verdict: Verdict, kind: ReportKind) -> dict[str, Any]:
    ran = [r for r in results if r.status is not ScanStatus.SKIPPED] or results
    if len(ran) == 1:
        only = ran[0]
        ident, name, version = only.name, only.name, only.version or verdict.tool_version
    else:
        ident = f"secgate-{kind.file_stem}"
        parts = [f"{r.name} {r.version}" if r.version else r.name for r in ran]
        name = f"secgate {kind.file_stem} ({', '.join(parts)})" if parts else "secgate"
        version = verdict.tool_version
    return {
        "id": plain_text(ident, 255) or "secgate",
        "name": plain_text(name, 255) or "secgate",
        "version": version or "unknown",
        "vendor": {"name": "secgate"},
        "url": INFORMATION_URI,
    }


def scan_section(verdict: Verdict, kind: ReportKind, results: list[ScanResult]) -> Any:
    """The report's ``scan`` object: who scanned, when, and whether it worked."""
    starts = [r.started_at for r in results if r.started_at]
    ends = [r.finished_at for r in results if r.finished_at]
    start = min(starts) if starts else verdict.started_at
    end = max(ends) if ends else verdict.finished_at or start
    scan: dict[str, Any] = {
        "analyzer": {
            "id": "secgate",
            "name": "secgate",
            "version": verdict.tool_version or "unknown",
            "vendor": {"name": "secgate"},
            "url": INFORMATION_URI,
        },
        "scanner": _scanner(results, verdict, kind),
        "type": kind.value,
        "start_time": gitlab_time(start),
        "end_time": gitlab_time(end),
        "status": ("failure" if any(r.status is ScanStatus.ERROR for r in results) else "success"),
    }
    messages = _messages(verdict, results)
    if messages:
        scan["messages"] = messages
    return scan


def gitlab_report(verdict: Verdict, kind: ReportKind) -> dict[str, Any]:
    """The GitLab security report of *kind* for *verdict*, as a JSON-ready dict."""
    base = report_base(verdict.root)
    results = [r for r in verdict.scanners if scanner_kind(r, verdict.findings) is kind]
    findings = report_order(f for f in verdict.findings if finding_kind(f) is kind and listed(f))
    catalog = rule_descriptions(verdict, sorted({f.scanner for f in findings}))
    vulnerabilities = [
        vulnerability(kind, f, key, base, catalog.get(f.scanner, {}))
        for f, key in zip(findings, finding_keys(findings), strict=True)
    ]
    return {
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URL.format(version=SCHEMA_VERSION, kind=kind.file_stem),
        "scan": scan_section(verdict, kind, results),
        "vulnerabilities": vulnerabilities,
    }


class _GitlabReporter(Reporter):
    kind: ClassVar[ReportKind]
    extension: ClassVar[str] = ".json"

    def render(self, verdict: Verdict, *, color: bool = False) -> str:
        """The report as JSON text."""
        return json.dumps(gitlab_report(verdict, self.kind), indent=2) + "\n"


class GitlabSastReporter(_GitlabReporter):
    """GitLab SAST report (``artifacts: reports: sast``)."""

    name: ClassVar[str] = "gitlab-sast"
    description: ClassVar[str] = "GitLab SAST report, schema 15.2.1 (artifacts:reports:sast)"
    kind: ClassVar[ReportKind] = ReportKind.SAST


class GitlabSecretDetectionReporter(_GitlabReporter):
    """GitLab secret-detection report (``artifacts: reports: secret_detection``)."""

    name: ClassVar[str] = "gitlab-secret-detection"
    description: ClassVar[str] = (
        "GitLab secret detection report, schema 15.2.1 (artifacts:reports:secret_detection)"
    )
    kind: ClassVar[ReportKind] = ReportKind.SECRET_DETECTION


class GitlabDependencyScanningReporter(_GitlabReporter):
    """GitLab dependency-scanning report (``artifacts: reports: dependency_scanning``)."""

    name: ClassVar[str] = "gitlab-dependency-scanning"
    description: ClassVar[str] = (
        "GitLab dependency scanning report, schema 15.2.1 (artifacts:reports:dependency_scanning)"
    )
    kind: ClassVar[ReportKind] = ReportKind.DEPENDENCY_SCANNING
