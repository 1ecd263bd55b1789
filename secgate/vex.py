"""VEX in (issue 18 §2): OpenVEX and CycloneDX VEX documents, loaded, validated, matched.

A VEX document says, per vulnerability and product, whether the product is affected. secgate
reads the documents named by the config's ``vex`` key and ``--vex FILE`` (JSON; the format
is told by content: a CycloneDX BOM has ``"bomFormat": "CycloneDX"``, anything else must be
OpenVEX) and matches each statement to the dependency-audit findings:

- the vulnerability: the statement's vulnerability ``name`` or any of its ``aliases``
  (CycloneDX: ``id`` and ``references[].id``) equals the finding's advisory id or an alias
  (case-insensitively);
- the package: a product or subcomponent purl ``pkg:pypi/<name>[@<version>]`` (OpenVEX
  ``@id`` when it is a purl, ``identifiers.purl``; CycloneDX ``affects[].ref`` resolved to a
  component's ``purl`` through its ``bom-ref``, or a purl itself) names the finding's
  package: the name compared after PEP 503 normalisation, the version by PEP 440 equality;
  a purl without a version names every version. Other purl types never match.

Statuses that set a finding aside: OpenVEX ``not_affected`` (which must carry a
``justification`` or an ``impact_statement``) and ``fixed``; CycloneDX ``not_affected``,
``resolved``, ``resolved_with_pedigree`` and ``false_positive``. ``affected``,
``under_investigation``, ``exploitable`` and ``in_triage`` never do. When several
statements name one finding the latest (``last_updated``, else ``timestamp``, else the
document's) decides, as OpenVEX says; on a tie the one that does not set it aside wins.

Validation follows the OpenVEX 0.2.0 JSON schema (a copy is in ``tests/schemas/openvex/``,
where the tests check secgate's fixtures against it) for the fields used here, and the
CycloneDX fields VEX needs. A malformed document is a :class:`~secgate.errors.ConfigError`:
``file: field: what is wrong``, exit 2.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from secgate.errors import ConfigError
from secgate.models import VexStatus

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from secgate.config import Config
    from secgate.models import Finding

#: A VEX document larger than this is refused (it is a mistake, or an attack).
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
#: Statuses that set a matching finding aside (OpenVEX's and CycloneDX's vocabularies).
SUPPRESSING = frozenset(
    {"not_affected", "fixed", "resolved", "resolved_with_pedigree", "false_positive"}
)
#: The finding property prefix of everything VEX tells about a finding.
PREFIX = "vex."
#: OpenVEX's and CycloneDX's justification labels (their schemas' enums).
OPENVEX_JUSTIFICATIONS = (
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
)
CYCLONEDX_JUSTIFICATIONS = (
    *("code_not_present", "code_not_reachable", "requires_configuration"),
    *("requires_dependency", "requires_environment", "protected_by_compiler"),
    *("protected_at_runtime", "protected_at_perimeter", "protected_by_mitigating_control"),
)
_EPOCH = datetime.min.replace(tzinfo=UTC)
_M = TypeVar("_M", bound=BaseModel)


# --------------------------------------------------------------------------- OpenVEX model


class _Strict(BaseModel):
    """OpenVEX's schema sets ``additionalProperties: false`` everywhere: so does this."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _Identifiers(_Strict):
    purl: str | None = None
    cpe22: str | None = None
    cpe23: str | None = None


class _Subcomponent(_Strict):
    id: str | None = Field(default=None, alias="@id")
    identifiers: _Identifiers | None = None
    hashes: dict[str, str] | None = None


class _Product(_Subcomponent):
    subcomponents: list[_Subcomponent] = []


class _Vulnerability(_Strict):
    id: str | None = Field(default=None, alias="@id")
    name: str = Field(min_length=1)
    description: str | None = None
    aliases: list[str] = []


class _Statement(_Strict):
    id: str | None = Field(default=None, alias="@id")
    version: int | None = Field(default=None, ge=1, strict=True)
    vulnerability: _Vulnerability
    timestamp: datetime | None = None
    last_updated: datetime | None = None
    products: list[_Product] = []
    status: Literal["not_affected", "affected", "fixed", "under_investigation"]
    supplier: str | None = None
    status_notes: str | None = None
    justification: str | None = None
    impact_statement: str | None = None
    action_statement: str | None = None
    action_statement_timestamp: datetime | None = None


class _OpenVex(_Strict):
    context: str = Field(alias="@context")
    id: str = Field(alias="@id", min_length=1)
    author: str
    role: str | None = None
    timestamp: datetime
    last_updated: datetime | None = None
    version: int = Field(ge=1, strict=True)
    tooling: str | None = None
    statements: list[_Statement] = Field(min_length=1)


# --------------------------------------------------------------------------- CycloneDX model


class _Loose(BaseModel):
    """A BOM holds much more than VEX needs: other keys are not read."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class _CdxComponent(_Loose):
    bom_ref: str | None = Field(default=None, alias="bom-ref")
    purl: str | None = None
    components: list[_CdxComponent] = []


class _CdxMetadata(_Loose):
    timestamp: datetime | None = None
    component: _CdxComponent | None = None


class _CdxAnalysis(_Loose):
    state: Literal[
        "resolved",
        "resolved_with_pedigree",
        "exploitable",
        "in_triage",
        "false_positive",
        "not_affected",
    ]
    justification: str | None = None
    response: list[str] = []
    detail: str | None = None
    first_issued: datetime | None = Field(default=None, alias="firstIssued")
    last_updated: datetime | None = Field(default=None, alias="lastUpdated")


class _CdxVersion(_Loose):
    version: str | None = None
    range: str | None = None


class _CdxAffect(_Loose):
    ref: str = Field(min_length=1)
    versions: list[_CdxVersion] = []


class _CdxReference(_Loose):
    id: str = Field(min_length=1)


class _CdxVulnerability(_Loose):
    bom_ref: str | None = Field(default=None, alias="bom-ref")
    id: str = Field(min_length=1)
    references: list[_CdxReference] = []
    analysis: _CdxAnalysis
    affects: list[_CdxAffect] = Field(min_length=1)


class _CdxBom(_Loose):
    bom_format: Literal["CycloneDX"] = Field(alias="bomFormat")
    spec_version: str = Field(alias="specVersion")
    serial_number: str | None = Field(default=None, alias="serialNumber")
    metadata: _CdxMetadata | None = None
    components: list[_CdxComponent] = []
    vulnerabilities: list[_CdxVulnerability] = Field(min_length=1)


# --------------------------------------------------------------------------- loaded form


@dataclass(frozen=True)
class PackageRef:
    """A PyPI package a statement names: PEP 503 name, canonical version (None: any)."""

    name: str
    version: str | None

    def names(self, name: str, version: str | None) -> bool:
        """Whether this purl names the package *name* at *version*."""
        from packaging.utils import canonicalize_name  # noqa: PLC0415

        from secgate.deps.versions import canonical_version  # noqa: PLC0415

        if self.name != canonicalize_name(name):
            return False
        return self.version is None or (
            version is not None and self.version == canonical_version(version)
        )


@dataclass(frozen=True)
class Statement:
    """One VEX statement, reduced to what matching and the report need."""

    ref: str
    """The statement's ``@id`` (CycloneDX ``bom-ref``), else its index in the document."""
    vulnerability: str
    ids: frozenset[str]
    """The vulnerability's name and aliases, case-folded."""
    packages: tuple[PackageRef, ...]
    status: str
    justification: str | None = None
    impact_statement: str | None = None
    action_statement: str | None = None
    when: datetime = _EPOCH

    @property
    def suppresses(self) -> bool:
        """Its status sets a matching finding aside."""
        return self.status in SUPPRESSING


@dataclass(frozen=True)
class VexDocument:
    """One loaded VEX document."""

    file: str
    """As the config or the command line names it (shown in reports)."""
    path: Path
    id: str
    format: Literal["openvex", "cyclonedx"]
    statements: tuple[Statement, ...]


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _fail(file: str, field: str, what: str) -> ConfigError:
    return ConfigError(f"{file}: {field}: {what}")


def _label(value: str | None, labels: Sequence[str], file: str, field: str) -> None:
    if value is not None and value not in labels:
        raise _fail(file, field, f"{value!r} is not one of: {', '.join(labels)}")


def _package(text: str, file: str, field: str) -> PackageRef | None:
    """The PyPI package a purl names; None for another type; an error for a bad purl."""
    from packageurl import PackageURL  # noqa: PLC0415
    from packaging.utils import canonicalize_name  # noqa: PLC0415

    from secgate.deps.versions import canonical_version  # noqa: PLC0415

    try:
        purl = PackageURL.from_string(text)
    except ValueError as exc:
        raise _fail(file, field, f"not a valid package URL ({exc})") from None
    if purl.type != "pypi" or purl.namespace:
        return None
    version = canonical_version(purl.version) if purl.version else None
    return PackageRef(canonicalize_name(purl.name), version)


def _component_packages(component: _Subcomponent, file: str, field: str) -> list[PackageRef]:
    """The PyPI packages a product or subcomponent names (an error when it names nothing)."""
    found: list[PackageRef] = []
    identifiers = component.identifiers
    if component.id is None and identifiers is None:
        raise _fail(file, field, "a product or subcomponent needs @id or identifiers")
    if identifiers is not None and not (identifiers.purl or identifiers.cpe22 or identifiers.cpe23):
        raise _fail(file, f"{field}.identifiers", "needs one of purl, cpe22, cpe23")
    if component.id and component.id.startswith("pkg:"):
        ref = _package(component.id, file, f"{field}.@id")
        if ref is not None:
            found.append(ref)
    if identifiers is not None and identifiers.purl:
        ref = _package(identifiers.purl, file, f"{field}.identifiers.purl")
        if ref is not None:
            found.append(ref)
    return found


def _openvex(raw: dict[str, Any], file: str, path: Path) -> VexDocument:
    doc = _validated(_OpenVex, raw, file)
    doc_time = _aware(doc.last_updated or doc.timestamp) or _EPOCH
    statements = []
    for index, item in enumerate(doc.statements):
        where = f"statements[{index}]"
        if item.status == "not_affected" and not (item.justification or item.impact_statement):
            raise _fail(
                file,
                f"{where}.justification",
                "a not_affected statement needs a justification or an impact_statement",
            )
        _label(item.justification, OPENVEX_JUSTIFICATIONS, file, f"{where}.justification")
        if item.status == "affected" and not item.action_statement:
            raise _fail(
                file, f"{where}.action_statement", "an affected statement needs an action_statement"
            )
        packages: list[PackageRef] = []
        for p_index, product in enumerate(item.products):
            field = f"{where}.products[{p_index}]"
            packages += _component_packages(product, file, field)
            for s_index, sub in enumerate(product.subcomponents):
                packages += _component_packages(sub, file, f"{field}.subcomponents[{s_index}]")
        vuln = item.vulnerability
        statements.append(
            Statement(
                ref=(item.id or str(index)).removeprefix(f"{doc.id}#"),
                vulnerability=vuln.name,
                ids=frozenset(v.strip().casefold() for v in (vuln.name, *vuln.aliases)),
                packages=tuple(packages),
                status=item.status,
                justification=item.justification,
                impact_statement=item.impact_statement,
                action_statement=item.action_statement,
                when=_aware(item.last_updated or item.timestamp) or doc_time,
            )
        )
    return VexDocument(file, path, doc.id, "openvex", tuple(statements))


def _bom_refs(components: Iterable[_CdxComponent], into: dict[str, str | None]) -> None:
    for component in components:
        if component.bom_ref:
            into[component.bom_ref] = component.purl
        _bom_refs(component.components, into)


def _cyclonedx(raw: dict[str, Any], file: str, path: Path) -> VexDocument:
    from secgate.deps.versions import canonical_version  # noqa: PLC0415

    bom = _validated(_CdxBom, raw, file)
    refs: dict[str, str | None] = {}
    if bom.metadata is not None and bom.metadata.component is not None:
        _bom_refs([bom.metadata.component], refs)
    _bom_refs(bom.components, refs)
    doc_time = _aware(bom.metadata.timestamp if bom.metadata else None) or _EPOCH
    statements = []
    for index, vuln in enumerate(bom.vulnerabilities):
        packages: list[PackageRef] = []
        for affect in vuln.affects:
            # A ref to another BOM (a BOM-Link) or to no component names nothing here.
            purl = refs.get(affect.ref) or (affect.ref if affect.ref.startswith("pkg:") else None)
            where = f"vulnerabilities[{index}].affects"
            ref = _package(purl, file, where) if purl else None
            if ref is not None and ref.version is None and affect.versions:
                # Version ranges are not evaluated: only the exact versions listed match.
                exact = [canonical_version(v.version) for v in affect.versions if v.version]
                packages += [PackageRef(ref.name, v) for v in exact]
            elif ref is not None:
                packages.append(ref)
        analysis = vuln.analysis
        field = f"vulnerabilities[{index}].analysis.justification"
        _label(analysis.justification, CYCLONEDX_JUSTIFICATIONS, file, field)
        statements.append(
            Statement(
                ref=vuln.bom_ref or str(index),
                vulnerability=vuln.id,
                ids=frozenset(
                    v.strip().casefold() for v in (vuln.id, *(r.id for r in vuln.references))
                ),
                packages=tuple(packages),
                status=analysis.state,
                justification=analysis.justification,
                impact_statement=analysis.detail,
                action_statement=", ".join(analysis.response) or None,
                when=_aware(analysis.last_updated or analysis.first_issued) or doc_time,
            )
        )
    return VexDocument(file, path, bom.serial_number or file, "cyclonedx", tuple(statements))


def _validated(model: type[_M], raw: dict[str, Any], file: str) -> _M:
    from secgate.config import format_validation_error  # noqa: PLC0415

    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, file, "")) from None


def load(path: Path, file: str | None = None) -> VexDocument:
    """Read and validate one VEX document; a :class:`ConfigError` naming file and field."""
    shown = file or str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{shown}: VEX document not found") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read VEX document: {exc.strerror or exc}") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ConfigError(f"{shown}: VEX document larger than 16 MiB")
    try:
        raw = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{shown}: not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{shown}: (top level): expected a JSON object")
    if raw.get("bomFormat") == "CycloneDX":
        return _cyclonedx(raw, shown, path)
    if "bomFormat" in raw or "openvex" not in str(raw.get("@context", "")):
        raise ConfigError(
            f"{shown}: (top level): neither an OpenVEX document (@context "
            "https://openvex.dev/ns/…) nor a CycloneDX BOM (bomFormat CycloneDX)"
        )
    return _openvex(raw, shown, path)


def load_for_run(
    config: Config, config_root: Path | None, extra: Sequence[str | os.PathLike[str]] = ()
) -> tuple[VexDocument, ...]:
    """The documents of the config's ``vex`` key (relative to *config_root*) and *extra*.

    Paths in *extra* (``--vex``) are relative to the current folder. A file named twice is
    read once.
    """
    base = config_root if config_root is not None else Path.cwd()
    named = [(base / entry, entry) for entry in config.vex]
    named += [(Path(entry), os.fspath(entry)) for entry in extra]
    seen: set[str] = set()
    documents = []
    for path, shown in named:
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        documents.append(load(path, shown))
    return tuple(documents)


# --------------------------------------------------------------------------- matching


def _finding_ids(finding: Finding) -> tuple[str, str | None, frozenset[str]] | None:
    package = finding.package
    if package is None or not package.advisory_id:
        return None
    ids = {package.advisory_id, *package.aliases}
    return package.name, package.version, frozenset(i.strip().casefold() for i in ids)


def _properties(
    doc: VexDocument, statement: Statement
) -> dict[str, str | int | float | bool | None]:
    props: dict[str, str | int | float | bool | None] = {
        "vex.status": statement.status,
        "vex.document": doc.id,
        "vex.file": doc.file,
        "vex.statement": statement.ref,
        "vex.format": doc.format,
    }
    if statement.justification:
        props["vex.justification"] = statement.justification
    if statement.impact_statement:
        props["vex.impact_statement"] = statement.impact_statement
    if statement.action_statement:
        props["vex.action_statement"] = statement.action_statement
    return props


class VexMatcher:
    """VEX bookkeeping for one run: which statement decided which finding."""

    def __init__(self, documents: Sequence[VexDocument]) -> None:
        self.documents = tuple(documents)
        self.matched: Counter[tuple[int, int]] = Counter()
        self.suppressed: Counter[tuple[int, int]] = Counter()

    def apply(self, finding: Finding) -> Finding:
        """*finding* with what the deciding statement says (set aside when it suppresses).

        ``vex.*`` properties from an earlier judgement (``secgate evaluate``) are dropped
        first: only today's documents speak.
        """
        if any(k.startswith(PREFIX) for k in finding.properties):
            kept = {k: v for k, v in finding.properties.items() if not k.startswith(PREFIX)}
            finding = finding.model_copy(update={"properties": kept})
        if not self.documents:
            return finding
        key = _finding_ids(finding)
        if key is None:
            return finding
        name, version, ids = key
        hits = [
            (d, s)
            for d, doc in enumerate(self.documents)
            for s, statement in enumerate(doc.statements)
            if statement.ids & ids and any(p.names(name, version) for p in statement.packages)
        ]
        if not hits:
            return finding
        self.matched.update(hits)

        def statement_of(hit: tuple[int, int]) -> Statement:
            return self.documents[hit[0]].statements[hit[1]]

        latest = max(statement_of(h).when for h in hits)
        # The latest statement decides; on a tie, one that does not set it aside (fail closed).
        d, s = min(
            (h for h in hits if statement_of(h).when == latest),
            key=lambda h: (statement_of(h).suppresses, h),
        )
        doc = self.documents[d]
        statement = doc.statements[s]
        update: dict[str, Any] = {
            "properties": {**finding.properties, **_properties(doc, statement)}
        }
        if statement.suppresses:
            self.suppressed[(d, s)] += 1
            update["suppressed_by"] = f"vex:{doc.id}#{statement.ref}"
            update["decided_by"] = (
                f"VEX {doc.file} ({doc.id}) statement {statement.ref}: "
                f"{statement.vulnerability} {statement.status}"
            )
        return finding.model_copy(update=update)

    def statuses(self) -> tuple[list[VexStatus], list[str]]:
        """Every statement's status, and a warning line per document with unused ones."""
        statuses: list[VexStatus] = []
        warnings: list[str] = []
        for d, doc in enumerate(self.documents):
            unused: list[str] = []
            for s, statement in enumerate(doc.statements):
                matched = self.matched[(d, s)]
                if not matched:
                    unused.append(f"#{statement.ref} {statement.vulnerability}")
                statuses.append(
                    VexStatus(
                        file=doc.file,
                        document=doc.id,
                        statement=statement.ref,
                        vulnerability=statement.vulnerability,
                        status=statement.status,
                        suppresses=statement.suppresses,
                        matched=matched,
                        suppressed=self.suppressed[(d, s)],
                        unused=not matched,
                        justification=statement.justification,
                        impact_statement=statement.impact_statement,
                    )
                )
            if unused:
                shown = ", ".join(unused[:5]) + (
                    f", … {len(unused) - 5} more" if len(unused) > 5 else ""
                )
                warnings.append(
                    f"VEX {doc.file}: {len(unused)} of {len(doc.statements)} statement"
                    f"{'s' if len(doc.statements) != 1 else ''} matched no finding "
                    f"(unused): {shown}"
                )
        return statuses, warnings
