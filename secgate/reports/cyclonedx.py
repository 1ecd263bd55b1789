"""CycloneDX 1.6 JSON BOM (``--format cyclonedx``): every dependency the audit saw, and
the advisories found in them with their VEX or waiver analysis (issue 18 §3).

Components come from the dependency audit's inventory (:attr:`ScanResult.inventory`), each
with its declaring manifest as ``evidence.occurrences``. Only dependency-audit findings
become ``vulnerabilities``: code findings (bandit, semgrep) and secrets are never in the BOM.

``analysis`` mapping: a ``vex:`` suppression reads ``vex.status`` (``not_affected`` →
``not_affected``, ``fixed`` → ``resolved``), ``vex.justification`` (OpenVEX →
CycloneDX, :data:`JUSTIFICATIONS`) and ``vex.impact_statement`` (``detail``). A ``waiver:``
is an accepted risk: state ``exploitable``, response ``will_not_fix``, the waiver's id,
reason, owner and expiry in ``detail``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from secgate.plugins import Reporter

if TYPE_CHECKING:
    from secgate.models import Dependency, Finding, Verdict

#: OpenVEX justification → nearest CycloneDX 1.6 ``impactAnalysisJustification``.
JUSTIFICATIONS = {
    "component_not_present": "requires_dependency",
    "vulnerable_code_not_present": "code_not_present",
    "vulnerable_code_not_in_execute_path": "code_not_reachable",
    "vulnerable_code_cannot_be_controlled_by_adversary": "requires_environment",
    "inline_mitigations_already_exist": "protected_by_mitigating_control",
}
VEX_STATES = {"not_affected": "not_affected", "fixed": "resolved"}
DEPENDENCY_SCANNERS = frozenset({"pip-audit"})


def _source(advisory: str) -> tuple[str, str]:
    if advisory.startswith("GHSA-"):
        return "GitHub Advisories", f"https://github.com/advisories/{advisory}"
    if advisory.startswith("PYSEC-"):
        return "PyPA Advisory Database", f"https://osv.dev/vulnerability/{advisory}"
    if advisory.startswith("CVE-"):
        return "NVD", f"https://nvd.nist.gov/vuln/detail/{advisory}"
    return "OSV", f"https://osv.dev/vulnerability/{advisory}"


def _analysis(finding: Finding, verdict: Verdict) -> Any:
    from cyclonedx.model.impact_analysis import (  # noqa: PLC0415
        ImpactAnalysisJustification,
        ImpactAnalysisResponse,
        ImpactAnalysisState,
    )
    from cyclonedx.model.vulnerability import VulnerabilityAnalysis  # noqa: PLC0415

    reason = finding.suppressed_by or ""
    props = finding.properties
    if reason.startswith("vex:"):
        state = VEX_STATES.get(str(props.get("vex.status", "")))
        if state is None:
            return None
        justification = JUSTIFICATIONS.get(str(props.get("vex.justification", "")))
        detail = props.get("vex.impact_statement")
        return VulnerabilityAnalysis(
            state=ImpactAnalysisState(state),
            justification=ImpactAnalysisJustification(justification) if justification else None,
            detail=f"{detail} ({reason})" if detail else reason,
        )
    if reason.startswith("waiver:"):
        wid = reason.removeprefix("waiver:")
        waiver = next((w for w in verdict.waivers if w.id == wid), None)
        parts = [f"waiver {wid}"]
        if waiver is not None:
            parts.append(f"reason: {waiver.reason}")
            if waiver.owner:
                parts.append(f"owner: {waiver.owner}")
            parts.append(f"expires: {waiver.expires.isoformat()}")
        return VulnerabilityAnalysis(
            state=ImpactAnalysisState.EXPLOITABLE,
            responses=[ImpactAnalysisResponse.WILL_NOT_FIX],
            detail="accepted risk: " + "; ".join(parts),
        )
    return None


def _rating(finding: Finding) -> Any:
    from decimal import Decimal  # noqa: PLC0415

    from cyclonedx.model.vulnerability import (  # noqa: PLC0415
        VulnerabilityRating,
        VulnerabilityScoreSource,
        VulnerabilitySeverity,
    )

    props = finding.properties
    score = props.get("cvss_score")
    number = isinstance(score, int | float) and not isinstance(score, bool)
    method = {
        "CVSS_V3": VulnerabilityScoreSource.CVSS_V3_1,
        "CVSS_V4": VulnerabilityScoreSource.CVSS_V4,
    }.get(str(props.get("severity_source", "")))
    vector = props.get("cvss.vector")
    level = {"critical": "critical", "high": "high", "medium": "medium", "low": "low"}.get(
        finding.severity.value, "info"
    )
    return VulnerabilityRating(
        score=Decimal(str(score)) if number else None,
        severity=VulnerabilitySeverity(level),
        method=method if number else None,
        vector=str(vector) if vector else None,
    )


def build_bom(verdict: Verdict) -> Any:
    """The verdict's inventory and dependency findings as a ``cyclonedx`` Bom."""
    from cyclonedx.model.bom import Bom  # noqa: PLC0415
    from cyclonedx.model.component import Component, ComponentType  # noqa: PLC0415
    from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence  # noqa: PLC0415
    from cyclonedx.model.vulnerability import (  # noqa: PLC0415
        BomTarget,
        Vulnerability,
        VulnerabilityReference,
        VulnerabilitySource,
    )
    from packageurl import PackageURL  # noqa: PLC0415

    bom = Bom()
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="secgate", version=verdict.tool_version)
    )
    inventory: list[Dependency] = list(
        dict.fromkeys(d for s in verdict.scanners for d in s.inventory)
    )
    versions: dict[str, set[str | None]] = {}
    for dep in inventory:
        versions.setdefault(dep.purl.split("@")[0], set()).add(dep.version)
    refs: dict[str, Component] = {}
    for dep in inventory:
        ref: str = dep.purl
        if len(versions[dep.purl.split("@")[0]]) > 1:
            ref = f"{dep.purl}#{dep.path}"
        if ref in refs:
            refs[ref].evidence.occurrences.add(Occurrence(location=dep.path, line=dep.line))  # type: ignore[union-attr]
            continue
        component = Component(
            type=ComponentType.LIBRARY,
            name=dep.name,
            version=dep.version,
            purl=PackageURL.from_string(dep.purl),
            bom_ref=ref,
            evidence=ComponentEvidence(occurrences=[Occurrence(location=dep.path, line=dep.line)]),
        )
        refs[ref] = component
        bom.components.add(component)
    for finding in verdict.findings:
        package = finding.package
        if finding.scanner not in DEPENDENCY_SCANNERS or package is None or not package.advisory_id:
            continue
        key = canonical_purl(package.name)
        matches = [
            r
            for r, c in refs.items()
            if c.purl and c.purl.to_string().split("@")[0] == key and c.version == package.version
        ]
        target: str | None = next(
            (r for r in matches if r.endswith(f"#{finding.path}")), matches[0] if matches else None
        )
        name, url = _source(package.advisory_id)
        vulnerability = Vulnerability(
            bom_ref=f"{package.advisory_id}/{target or key}",
            id=package.advisory_id,
            source=VulnerabilitySource(name=name, url=_uri(url)),
            references=[
                VulnerabilityReference(
                    id=alias,
                    source=VulnerabilitySource(name=_source(alias)[0], url=_uri(_source(alias)[1])),
                )
                for alias in package.aliases
            ],
            ratings=[_rating(finding)],
            cwes=list(finding.cwe),
            description=finding.message,
            recommendation=finding.help_text,
            affects=[BomTarget(ref=target)] if target else None,
            analysis=_analysis(finding, verdict),
        )
        bom.vulnerabilities.add(vulnerability)
    return bom


def _uri(url: str) -> Any:
    from cyclonedx.model import XsUri  # noqa: PLC0415

    return XsUri(url)


def canonical_purl(name: str) -> str:
    """``pkg:pypi/<PEP 503 name>``."""
    from packaging.utils import canonicalize_name  # noqa: PLC0415

    return f"pkg:pypi/{canonicalize_name(name)}"


def render_bom(verdict: Verdict) -> str:
    """The CycloneDX 1.6 JSON text."""
    from cyclonedx.output.json import JsonV1Dot6  # noqa: PLC0415

    return JsonV1Dot6(build_bom(verdict)).output_as_string(indent=2) + "\n"


class CycloneDxReporter(Reporter):
    """CycloneDX 1.6 JSON SBOM + VEX of the audited dependencies."""

    name: ClassVar[str] = "cyclonedx"
    description: ClassVar[str] = (
        "CycloneDX 1.6 JSON SBOM: audited dependencies, their advisories and VEX analysis"
    )
    extension: ClassVar[str] = ".cdx.json"

    def render(self, verdict: Verdict, *, color: bool = False) -> str:
        """The BOM as JSON."""
        return render_bom(verdict)
