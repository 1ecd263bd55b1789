"""The severity of an OSV record: CVSS v4 or v3 base scores, else the database's own rating.

CVSS vectors are scored with the ``cvss`` package; scores map to levels by CVSS's
qualitative rating scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from secgate.models import Severity

_CVSS_PREFERENCE = ("CVSS_V4", "CVSS_V3")
_DB_SEVERITY = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}


def severity_for_score(score: float) -> Severity:
    """CVSS base score to a level: critical >= 9.0, high >= 7.0, medium >= 4.0, low > 0.

    A score of 0.0 is CVSS's "None" rating: the record says it has no impact, so it maps
    to ``info`` rather than to the unknown-severity fallback.
    """
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO


def cvss_base_score(vector: str) -> float:
    """The base score of a CVSS v3.x or v4.0 vector string; ValueError if it is not one.

    Scoring uses the ``cvss`` package (Red Hat Product Security's implementation of the
    FIRST specifications, v4.0's macro-vector tables included) rather than a copy of those
    tables here.
    """
    from cvss import CVSS3, CVSS4  # noqa: PLC0415 - keeps `import secgate` light
    from cvss.exceptions import CVSSError  # noqa: PLC0415

    text = vector.strip()
    try:
        if text.startswith("CVSS:4."):
            return float(CVSS4(text).base_score)
        if text.startswith("CVSS:3."):
            return float(CVSS3(text).base_score)
    except CVSSError as exc:
        raise ValueError(f"invalid CVSS vector {text!r}: {exc}") from None
    raise ValueError(f"not a CVSS v3 or v4 vector: {text!r}")


@dataclass(frozen=True)
class RecordSeverity:
    """The severity a record carries, and where it came from (None when it has none)."""

    level: Severity | None
    score: float | None = None
    source: str | None = None
    """``CVSS_V4``, ``CVSS_V3`` or ``database_specific``."""
    vector: str | None = None
    """The CVSS vector the score was computed from (OSV ``severity[].score``), if any."""


def record_severity(raw: Mapping[str, Any]) -> RecordSeverity:
    """Severity of a record: CVSS v4, else CVSS v3, else ``database_specific.severity``.

    The record's top-level ``severity`` list is read first, then the ``affected`` entries'
    own lists. A vector that does not parse is ignored (the next source is tried).
    """
    lists: list[Any] = [raw.get("severity")]
    lists.extend(a.get("severity") for a in mappings(raw.get("affected")))
    entries = [e for lst in lists if isinstance(lst, list) for e in mappings(lst)]
    for wanted in _CVSS_PREFERENCE:
        for entry in entries:
            score = entry.get("score")
            if entry.get("type") == wanted and isinstance(score, str):
                try:
                    value = cvss_base_score(score)
                except ValueError:
                    continue
                return RecordSeverity(severity_for_score(value), value, wanted, score.strip())
    specifics = [raw.get("database_specific")]
    specifics.extend(a.get("database_specific") for a in mappings(raw.get("affected")))
    for specific in specifics:
        if isinstance(specific, Mapping):
            level = _DB_SEVERITY.get(str(specific.get("severity", "")).strip().upper())
            if level is not None:
                return RecordSeverity(level, None, "database_specific")
    return RecordSeverity(None)


def mappings(value: object) -> list[Mapping[str, Any]]:
    """The mappings in a record's list field (``[]`` when the field is not a list)."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []
