"""CycloneDX 1.6 JSON BOM (``--format cyclonedx``): every dependency the audit saw, and
the advisories found in them with their VEX or waiver analysis (issue 18 §3).

Components come from the dependency audit's inventory (:attr:`ScanResult.inventory`), each
with its declaring manifest as ``evidence.occurrences``. Only dependency-audit findings
become ``vulnerabilities``: code findings (bandit, semgrep) and secrets are never in the BOM.

``analysis`` mapping: a finding a VEX statement spoke about reads ``vex.status``
(OpenVEX ``not_affected`` → ``not_affected``, ``fixed`` → ``resolved``, ``affected`` →
``exploitable``, ``under_investigation`` → ``in_triage``; a CycloneDX VEX's own state is
kept), ``vex.justification`` (OpenVEX → CycloneDX, :data:`JUSTIFICATIONS`; a CycloneDX one
is kept), ``vex.impact_statement`` (``detail``, with the ``vex:`` reference when it set the
finding aside) and ``vex.action_statement`` (a CycloneDX VEX's responses). A ``waiver:`` is
an accepted risk: state ``exploitable``, response ``will_not_fix``, the waiver's id, reason,
owner and expiry in ``detail``.

``ratings``: the advisory's CVSS vector (``cvss.vector``, from OSV ``severity[]``) with its
method from the vector's version, its base score (computed with ``cvss`` when the audit
did not carry one and that library is installed; left out otherwise) and the severity.
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
VEX_STATES = {
    "not_affected": "not_affected",
    "fixed": "resolved",
    "affected": "exploitable",
    "under_investigation": "in_triage",
    # A CycloneDX VEX's states are CycloneDX's already.
    "resolved": "resolved",
    "resolved_with_pedigree": "resolved_with_pedigree",
    "exploitable": "exploitable",
    "in_triage": "in_triage",
    "false_positive": "false_positive",
}
RESPONSES = frozenset({"can_not_fix", "will_not_fix", "update", "rollback", "workaround_available"})
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
    state = VEX_STATES.get(str(props.get("vex.status", "")))
    if state is not None:
        given = str(props.get("vex.justification", ""))
        known = {j.value for j in ImpactAnalysisJustification}
        justification = JUSTIFICATIONS.get(given) or (given if given in known else None)
        detail = str(props.get("vex.impact_statement") or "")
        if reason.startswith("vex:"):
            detail = f"{detail} ({reason})" if detail else reason
        actions = str(props.get("vex.action_statement") or "").split(", ")
        return VulnerabilityAnalysis(
            state=ImpactAnalysisState(state),
            justification=ImpactAnalysisJustification(justification) if justification else None,
            responses=[ImpactAnalysisResponse(a) for a in actions if a in RESPONSES] or None,
            detail=detail or None,
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


def _cvss_method(vector: str) -> Any:
    from cyclonedx.model.vulnerability import VulnerabilityScoreSource  # noqa: PLC0415

    if vector.startswith("CVSS:4."):
        return VulnerabilityScoreSource.CVSS_V4
    if vector.startswith("CVSS:3.1"):
        return VulnerabilityScoreSource.CVSS_V3_1
    if vector.startswith("CVSS:3."):
        return VulnerabilityScoreSource.CVSS_V3
    return None


def _base_score(vector: str) -> float | None:
    """The vector's base score with the ``cvss`` library, if installed (else None)."""
    import importlib.util  # noqa: PLC0415

    if importlib.util.find_spec("cvss") is None:
        return None
    from secgate.deps.severity import cvss_base_score  # noqa: PLC0415

    try:
        return cvss_base_score(vector)
    except ValueError:
        return None


def _rating(finding: Finding) -> Any:
    from decimal import Decimal  # noqa: PLC0415

    from cyclonedx.model.vulnerability import (  # noqa: PLC0415
        VulnerabilityRating,
        VulnerabilityScoreSource,
        VulnerabilitySeverity,
    )

    props = finding.properties
    vector = str(props.get("cvss.vector") or "")
    score = props.get("cvss_score")
    if not (isinstance(score, int | float) and not isinstance(score, bool)):
        score = _base_score(vector) if vector else None
    method = _cvss_method(vector) if vector else None
    if method is None and score is not None:
        method = {
            "CVSS_V3": VulnerabilityScoreSource.CVSS_V3_1,
            "CVSS_V4": VulnerabilityScoreSource.CVSS_V4,
        }.get(str(props.get("severity_source", "")))
    level = {"critical": "critical", "high": "high", "medium": "medium", "low": "low"}.get(
        finding.severity.value, "info"
    )
    return VulnerabilityRating(
        score=Decimal(str(score)) if score is not None else None,
        severity=VulnerabilitySeverity(level),
        method=method,
        vector=vector or None,
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
